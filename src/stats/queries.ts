// Counting recorded verdicts: the grouping queries behind the report, reusable by the console
// (per domain, per hour, per category and action). Every figure comes from `messages` and
// `connection_events` rows, so any number can be traced back to the messages behind it.
import { sql, type Kysely } from 'kysely';
import type { Database, MessageStatus } from '../store/schema.js';

/**
 * The report's outcome groups, by message status. "delivered" = passed the filter (whatever
 * happened downstream); "quarantined" keeps counting a held message after it was deleted or its
 * quarantine lifetime ran out, so a period's figures do not change as the quarantine empties.
 */
export const OUTCOMES = {
  delivered: ['queued', 'delivered', 'partial', 'bounced'],
  quarantined: ['quarantined', 'deleted'],
  blocked: ['rejected'],
} as const satisfies Record<string, readonly MessageStatus[]>;

export interface StatsFilter {
  /** Recipient domain; messages count when any recipient is in it. */
  domain?: string | null;
  since?: Date | null;
  /** Exclusive. */
  until?: Date | null;
}

export function messagesIn(db: Kysely<Database>, f: StatsFilter) {
  let q = db.selectFrom('messages');
  if (f.since) q = q.where('messages.received_at', '>=', f.since.toISOString());
  if (f.until) q = q.where('messages.received_at', '<', f.until.toISOString());
  if (f.domain) {
    const domain = f.domain.toLowerCase();
    q = q.where('messages.id', 'in', db.selectFrom('message_recipients').innerJoin('domains', 'domains.id', 'message_recipients.domain_id').select('message_recipients.message_id').where('domains.name', '=', domain));
  }
  return q;
}

export function eventsIn(db: Kysely<Database>, f: StatsFilter) {
  let q = db.selectFrom('connection_events');
  if (f.since) q = q.where('at', '>=', f.since.toISOString());
  if (f.until) q = q.where('at', '<', f.until.toISOString());
  if (f.domain) q = q.where('domain', '=', f.domain.toLowerCase());
  return q;
}

export interface Row<K extends string> {
  key: Record<K, string | null>;
  count: number;
}

/** Message counts by category and action (and status), e.g. for the console's breakdown. */
export async function countByCategoryAndAction(db: Kysely<Database>, f: StatsFilter): Promise<{ category: string | null; action: string | null; status: string; count: number }[]> {
  const rows = await messagesIn(db, f)
    .select(['category', 'action', 'status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['category', 'action', 'status'])
    .execute();
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** Message counts per hour (YYYY-MM-DDTHH, UTC) and category. */
export async function countByHour(db: Kysely<Database>, f: StatsFilter): Promise<{ hour: string; category: string | null; count: number }[]> {
  const hour = sql<string>`substr(received_at, 1, 13)`;
  const rows = await messagesIn(db, f)
    .select([hour.as('hour'), 'category', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy([hour, 'category'])
    .orderBy(hour)
    .orderBy('category')
    .execute();
  return rows.map((r) => ({ hour: r.hour, category: r.category, count: Number(r.count) }));
}

/** Message counts per recipient domain and category (a message to two domains counts in both). */
export async function countByDomain(db: Kysely<Database>, f: Omit<StatsFilter, 'domain'>): Promise<{ domain: string; category: string | null; count: number }[]> {
  let q = db
    .selectFrom('messages')
    .innerJoin('message_recipients', 'message_recipients.message_id', 'messages.id')
    .innerJoin('domains', 'domains.id', 'message_recipients.domain_id');
  if (f.since) q = q.where('messages.received_at', '>=', f.since.toISOString());
  if (f.until) q = q.where('messages.received_at', '<', f.until.toISOString());
  const rows = await q
    .select(['domains.name as domain', 'messages.category as category', (eb) => eb.fn.count<number>('messages.id').distinct().as('count')])
    .groupBy(['domains.name', 'messages.category'])
    .orderBy('domains.name')
    .execute();
  return rows.map((r) => ({ domain: r.domain, category: r.category, count: Number(r.count) }));
}

/** Connection-level refusals by reason. */
export async function countEventsByReason(db: Kysely<Database>, f: StatsFilter): Promise<{ reason: string; count: number }[]> {
  const rows = await eventsIn(db, f)
    .select(['reason', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('reason')
    .execute();
  return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
}

/** Monitor-mode messages by what would have happened. */
export async function countWould(db: Kysely<Database>, f: StatsFilter): Promise<{ would_action: string; would_category: string | null; action: string | null; count: number }[]> {
  const rows = await messagesIn(db, f)
    .where('would_action', 'is not', null)
    .select(['would_action', 'would_category', 'action', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['would_action', 'would_category', 'action'])
    .execute();
  return rows.map((r) => ({ would_action: r.would_action!, would_category: r.would_category, action: r.action, count: Number(r.count) }));
}

/** Addresses the gateway protects (directory recipients), for one domain or all. */
export async function countAddresses(db: Kysely<Database>, domain?: string | null): Promise<number> {
  let q = db.selectFrom('recipients').innerJoin('domains', 'domains.id', 'recipients.domain_id').select((eb) => eb.fn.countAll<number>().as('n'));
  if (domain) q = q.where('domains.name', '=', domain.toLowerCase());
  const r = await q.executeTakeFirst();
  return Number(r?.n ?? 0);
}
