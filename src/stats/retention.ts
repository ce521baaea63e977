// The trace's retention: message records (with their recipients and delivery attempts) and
// connection refusals older than `retention.trace` are counted into hourly statistics and deleted,
// in one transaction per batch, so the database holds a bounded trace while the report keeps every
// period it ever covered. Only settled messages go: a queued or quarantined one stays however old,
// because delivery and the quarantine still need its row (the quarantine's own lifetime settles it),
// and so do the migration programme's notices, whose delivery state it reads from their records.
//
// Each batch deletes first, with RETURNING, and counts only the rows its own delete removed: two
// nodes pruning the same rows at once (PostgreSQL) cannot count a message twice — the second
// delete waits for the first and then finds nothing.
import type { Kysely } from 'kysely';
import { formatDuration } from '../config/schema.js';
import type { Logger } from '../log.js';
import { housekeepingInterval, startPeriodic } from '../periodic.js';
import type { Database, MessageStatus, StatsConnectionsHourlyTable, StatsMessagesHourlyTable } from '../store/schema.js';

/** Statuses nothing will change any more: the records that may go. */
export const SETTLED: readonly MessageStatus[] = ['delivered', 'partial', 'bounced', 'rejected', 'deleted'];

/** A message's domains as the hourly row keys them: sorted, comma-wrapped, '' for none. */
export function domainSet(names: Iterable<string>): string {
  const sorted = [...new Set(names)].sort();
  return sorted.length ? `,${sorted.join(',')},` : '';
}

export interface RetentionOptions {
  /** How long records are kept; 0 keeps them all. */
  retentionMs: number;
  now?: Date;
  /** Only count what would be rolled up. */
  dryRun?: boolean;
}

export interface RetentionResult {
  /** Records from before this (an hour's start) are rolled up. */
  cutoff: Date;
  messages: number;
  connections: number;
}

const BATCH = 500;

/**
 * The queue ids of mail the migration programme tracks (notices, escalations): it reads a notice's
 * delivery state — delivered, bounced, the server's reply — from the record, for as long as the
 * programme runs, so those few records are kept however old.
 */
function tracked(db: Kysely<Database>) {
  return db.selectFrom('mig_notices').select('queue_id').union(db.selectFrom('mig_escalations').select('queue_id'));
}

/**
 * Lets the event loop run before each batch's page query and before its transaction. On SQLite
 * every query runs synchronously and a chain of them resolves in microtasks only: without this a
 * first prune of a large trace would hold the primary's event loop — group commits, delivery, the
 * console — for its whole run (bench/trace-prune.ts: 10 s), with it for one query at a time.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An ISO time's hour, as the hourly tables key it. */
export function hourOf(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 13)}:00:00.000Z`;
}

/**
 * The cutoff: whole hours only, so an hour's records are rolled up together and a period that
 * starts on the hour reads the same figures before and after.
 */
export function retentionCutoff(now: Date, retentionMs: number): Date {
  return new Date(Math.floor((now.getTime() - retentionMs) / 3_600_000) * 3_600_000);
}

/** Rolls up and deletes the message records and connection refusals older than the retention. */
export async function pruneTrace(db: Kysely<Database>, opts: RetentionOptions): Promise<RetentionResult> {
  const cutoff = retentionCutoff(opts.now ?? new Date(), opts.retentionMs);
  if (opts.retentionMs <= 0) return { cutoff, messages: 0, connections: 0 };
  const before = cutoff.toISOString();
  if (opts.dryRun) {
    const m = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('received_at', '<', before).where('status', 'in', [...SETTLED]).where('id', 'not in', tracked(db)).executeTakeFirstOrThrow();
    const c = await db.selectFrom('connection_events').select((eb) => eb.fn.countAll<number>().as('n')).where('at', '<', before).executeTakeFirstOrThrow();
    return { cutoff, messages: Number(m.n), connections: Number(c.n) };
  }
  return { cutoff, messages: await pruneMessages(db, before), connections: await pruneConnections(db, before) };
}

async function pruneMessages(db: Kysely<Database>, before: string): Promise<number> {
  let total = 0;
  // No keyset: a selected row either goes in this batch or is no longer settled (or, on
  // PostgreSQL, went in another node's), so it is never read again.
  for (;;) {
    const page = await db.selectFrom('messages').select('id').where('received_at', '<', before).where('status', 'in', [...SETTLED]).where('id', 'not in', tracked(db)).orderBy('received_at').limit(BATCH).execute();
    if (!page.length) break;
    await breathe();
    const ids = page.map((r) => r.id);
    total += await db.transaction().execute(async (trx) => {
      const domains = await trx
        .selectFrom('message_recipients')
        .innerJoin('domains', 'domains.id', 'message_recipients.domain_id')
        .select(['message_recipients.message_id', 'domains.name'])
        .distinct()
        .where('message_recipients.message_id', 'in', ids)
        .execute();
      const gone = await trx
        .deleteFrom('messages')
        .where('id', 'in', ids)
        .where('status', 'in', [...SETTLED])
        .where('id', 'not in', tracked(trx))
        .returning(['id', 'received_at', 'status', 'category', 'action', 'would_action', 'would_category'])
        .execute();
      const byMessage = new Map<string, string[]>();
      for (const d of domains) byMessage.set(d.message_id, [...(byMessage.get(d.message_id) ?? []), d.name]);
      const rows = new Counter<StatsMessagesHourlyTable>(['hour', 'domains', 'status', 'category', 'action', 'would_action', 'would_category']);
      for (const m of gone) {
        rows.add({ hour: hourOf(m.received_at), domains: domainSet(byMessage.get(m.id) ?? []), status: m.status, category: m.category ?? '', action: m.action ?? '', would_action: m.would_action ?? '', would_category: m.would_category ?? '' });
      }
      for (const chunk of rows.chunks(200)) {
        await trx
          .insertInto('stats_messages_hourly')
          .values(chunk)
          .onConflict((oc) => oc.columns(['hour', 'domains', 'status', 'category', 'action', 'would_action', 'would_category']).doUpdateSet((eb) => ({ count: eb('stats_messages_hourly.count', '+', eb.ref('excluded.count')) })))
          .execute();
      }
      return gone.length;
    });
    if (page.length < BATCH) break;
    await breathe();
  }
  return total;
}

async function pruneConnections(db: Kysely<Database>, before: string): Promise<number> {
  let total = 0;
  for (;;) {
    const page = await db.selectFrom('connection_events').select('id').where('at', '<', before).orderBy('at').limit(BATCH).execute();
    if (!page.length) break;
    const ids = page.map((r) => r.id);
    total += await db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('connection_events').where('id', 'in', ids).returning(['at', 'domain', 'reason']).execute();
      const rows = new Counter<StatsConnectionsHourlyTable>(['hour', 'domain', 'reason']);
      for (const e of gone) rows.add({ hour: hourOf(e.at), domain: e.domain ?? '', reason: e.reason });
      for (const chunk of rows.chunks(500)) {
        await trx
          .insertInto('stats_connections_hourly')
          .values(chunk)
          .onConflict((oc) => oc.columns(['hour', 'domain', 'reason']).doUpdateSet((eb) => ({ count: eb('stats_connections_hourly.count', '+', eb.ref('excluded.count')) })))
          .execute();
      }
      return gone.length;
    });
    if (page.length < BATCH) break;
    await breathe();
  }
  return total;
}

/**
 * Counts rows by their key columns: one insert row per distinct key (an upsert may not touch a row
 * twice), in key order, so two concurrent prunes lock the rows they share in the same order.
 */
class Counter<T extends { count: number }> {
  private readonly rows = new Map<string, T>();
  constructor(private readonly keys: readonly (keyof T)[]) {}

  add(key: Omit<T, 'count'>): void {
    const k = this.keys.map((c) => String((key as T)[c])).join('\u0000');
    const row = this.rows.get(k);
    if (row) row.count++;
    else this.rows.set(k, { ...key, count: 1 } as T);
  }

  *chunks(size: number): Generator<T[]> {
    const all = [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
  }
}

/** The gateway's job: at start and hourly (or at each retention when shorter). */
export function startTracePrune(o: { db: Kysely<Database>; retentionMs: number; log: Logger }): (graceMs: number) => Promise<void> {
  if (o.retentionMs <= 0) return async () => {};
  return startPeriodic({
    what: 'trace retention',
    intervalMs: housekeepingInterval(o.retentionMs),
    log: o.log,
    run: async () => {
      const r = await pruneTrace(o.db, { retentionMs: o.retentionMs });
      if (r.messages || r.connections) o.log.info({ messages: r.messages, connections: r.connections, received_before: r.cutoff.toISOString(), retention: formatDuration(o.retentionMs) }, 'trace records rolled up into hourly statistics');
    },
  });
}
