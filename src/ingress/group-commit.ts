// Group commit for the spool's accept path. Each message's file is written, fsync'd and renamed
// into queue/ on its own (off the event loop); then the messages that finished meanwhile share
// one directory fsync and one database transaction. Nobody's promise resolves — so nobody
// answers 250 — before its file, its directory entry and its rows are durable. Files and rows are
// the same as Spool.accept's; a crash between rename and commit leaves an orphan file that
// removeOrphans deletes at the next start (that message was never acknowledged).
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../log.js';
import { newQueueId } from '../spool/ids.js';
import { fsyncDir, SpoolError, type AcceptInput, type Spool } from '../spool/spool.js';
import { nowIso } from '../store/dialect.js';
import type { Database, RecipientStatus } from '../store/schema.js';

/** A message whose file is in queue/ (fsync'd) and whose rows are still to be committed. */
export interface SpooledMessage {
  id: string;
  file: string;
  size: number;
  /** received_at, ISO. */
  at: string;
  input: Omit<AcceptInput, 'chunks' | 'receivedAt'>;
}

/** Writes the file: tmp/ → fsync → rename into queue/. Throws SpoolError, leaving nothing behind. */
export async function writeSpoolFile(spool: Spool, input: AcceptInput): Promise<SpooledMessage> {
  const id = newQueueId();
  const tmp = path.join(spool.tmpDir, id);
  const file = spool.pathOf(id);
  let size = 0;
  try {
    const fh = await open(tmp, 'wx', 0o640);
    try {
      // One write: the chunks are already in memory, and each write is a trip to the thread pool.
      const data = input.chunks.length === 1 ? input.chunks[0]! : Buffer.concat(input.chunks);
      await fh.writeFile(data);
      size = data.byteLength;
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    await unlink(file).catch(() => {});
    throw new SpoolError(`cannot write spool file: ${(err as Error).message}`, err);
  }
  const { chunks: _chunks, receivedAt, ...rest } = input;
  return { id, file, size, at: nowIso(receivedAt), input: rest };
}

interface Pending {
  msg: SpooledMessage;
  resolve(): void;
  reject(err: Error): void;
}

/** Commits rows of spooled messages in batches: one directory fsync and one transaction each. */
export class RowCommitter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queueDir: string,
    private readonly node: string,
    private readonly log?: Logger,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves once the message's rows are committed; on failure its file is removed. */
  commit(msg: SpooledMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msg, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await fsyncDir(this.queueDir);
        } catch (err) {
          await fail(batch, new SpoolError(`cannot sync spool directory: ${(err as Error).message}`, err));
          continue;
        }
        try {
          await this.insert(batch.map((p) => p.msg));
          for (const p of batch) p.resolve();
        } catch (err) {
          if (batch.length === 1) {
            await fail(batch, new SpoolError(`cannot record message: ${(err as Error).message}`, err));
            continue;
          }
          // One bad row must not cost the others: commit them one by one.
          this.log?.warn({ err, batch: batch.length }, 'group commit failed; committing one by one');
          for (const p of batch) {
            try {
              await this.insert([p.msg]);
              p.resolve();
            } catch (e) {
              await fail([p], new SpoolError(`cannot record message: ${(e as Error).message}`, e));
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async insert(msgs: SpooledMessage[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('messages')
        .values(
          msgs.map((m) => ({
            id: m.id,
            received_at: m.at,
            node: this.node,
            client_ip: m.input.envelope.clientIp,
            client_hostname: m.input.envelope.clientHostname,
            helo: m.input.envelope.helo,
            tls: m.input.envelope.tls ? 1 : 0,
            mail_from: m.input.envelope.mailFrom,
            message_id: m.input.messageId,
            subject: m.input.subject,
            size: m.size,
            spool_path: m.file,
            status: m.input.status ?? 'queued',
            category: m.input.verdict?.category ?? null,
            score: m.input.verdict?.score ?? null,
            action: m.input.verdict?.action ?? null,
            symbols: m.input.verdict?.symbols ?? null,
            would_action: m.input.verdict?.would_action ?? null,
            would_category: m.input.verdict?.would_category ?? null,
          })),
        )
        .execute();
      const recipients = msgs.flatMap((m) => {
        const status: RecipientStatus = (m.input.status ?? 'queued') === 'queued' ? 'queued' : 'held';
        return m.input.recipients.map((r) => ({
          message_id: m.id,
          address: r.address,
          domain_id: r.domainId,
          status,
          attempts: 0,
          next_attempt_at: status === 'queued' ? m.at : null,
          last_reply: null,
          updated_at: m.at,
        }));
      });
      for (let i = 0; i < recipients.length; i += 500) {
        await trx.insertInto('message_recipients').values(recipients.slice(i, i + 500)).execute();
      }
    });
  }
}

async function fail(batch: Pending[], err: SpoolError): Promise<void> {
  for (const p of batch) {
    await unlink(p.msg.file).catch(() => {});
    p.reject(err);
  }
}

/** The accept function of a process that commits its own rows (in-process mode). */
export function localAccept(spool: Spool, committer: RowCommitter): (input: AcceptInput) => Promise<string> {
  return async (input) => {
    const msg = await writeSpoolFile(spool, input);
    await committer.commit(msg);
    return msg.id;
  };
}
