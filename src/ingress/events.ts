// Records SMTP refusals in connection_events for the statistics report. Writes are buffered and
// flushed in batches off the reply path, so a flood of refused connections costs one insert per
// batch instead of one per refusal and can never stall a session; the buffer is bounded.
import type { Kysely } from 'kysely';
import type { ConnectionEventsTable, Database } from '../store/schema.js';
import type { Insertable } from 'kysely';
import type { Logger } from '../log.js';

export type ConnectionEvent = Omit<Insertable<ConnectionEventsTable>, 'id' | 'at'> & { at?: string };

export interface EventSink {
  record(event: ConnectionEvent): void;
}

export class EventRecorder implements EventSink {
  private buffer: Insertable<ConnectionEventsTable>[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log?: Logger,
    private readonly opts: { intervalMs?: number; batch?: number; maxBuffered?: number } = {},
  ) {
    this.timer = setInterval(() => void this.flush(), opts.intervalMs ?? 500);
    this.timer.unref();
  }

  record(event: ConnectionEvent): void {
    if (this.buffer.length >= (this.opts.maxBuffered ?? 50_000)) {
      this.dropped++;
      return;
    }
    this.buffer.push({ ...event, at: event.at ?? new Date().toISOString(), detail: event.detail?.slice(0, 500) ?? null });
    if (this.buffer.length >= (this.opts.batch ?? 500)) void this.flush();
  }

  /** Writes what is buffered; concurrent calls are chained, never interleaved. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.dropped) {
        this.log?.warn({ dropped: this.dropped }, 'connection events dropped: buffer full');
        this.dropped = 0;
      }
      while (this.buffer.length) {
        const rows = this.buffer.splice(0, this.opts.batch ?? 500);
        try {
          await this.db.insertInto('connection_events').values(rows).execute();
        } catch (err) {
          this.log?.error({ err, rows: rows.length }, 'cannot record connection events');
          return;
        }
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
