// Counting recorded verdicts: the grouping queries behind the report (per domain, per hour, per
// category and action). Every figure comes from `messages` and `connection_events` rows, so any
// number can be traced back to the messages behind it — and, for records past the trace's
// retention, from the hourly statistics they were counted into (hourly.ts).
import { sql, type Kysely } from 'kysely';
import type { Database, MessageStatus } from '../store/schema.js';
import { ALL_DOMAINS, connectionsHourly, messagesHourly, orNull, splitDomains, type HourlyFilter } from './hourly.js';

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

function hourlyFilter(f: StatsFilter): HourlyFilter {
  return { since: f.since?.toISOString(), until: f.until?.toISOString(), domains: f.domain ? [f.domain.toLowerCase()] : ALL_DOMAINS };
}

/** Sums rows that share a key: a live query's and an hourly query's rows, grouped the same way. */
function merge<R extends { count: number }>(rows: R[], key: (r: R) => string): R[] {
  const out = new Map<string, R>();
  for (const r of rows) {
    const k = key(r);
    const seen = out.get(k);
    if (seen) seen.count += r.count;
    else out.set(k, { ...r });
  }
  return [...out.values()];
}

/** Message counts by category and action (and status). */
export async function countByCategoryAndAction(db: Kysely<Database>, f: StatsFilter): Promise<{ category: string | null; action: string | null; status: string; count: number }[]> {
  const live = await messagesIn(db, f)
    .select(['category', 'action', 'status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['category', 'action', 'status'])
    .execute();
  const hourly = await messagesHourly(db, hourlyFilter(f))
    .select(['category', 'action', 'status', (eb) => eb.fn.sum<number>('count').as('count')])
    .groupBy(['category', 'action', 'status'])
    .execute();
  const rows = [...live.map((r) => ({ ...r, count: Number(r.count) })), ...hourly.map((r) => ({ category: orNull(r.category), action: orNull(r.action), status: r.status, count: Number(r.count) }))];
  return merge(rows, (r) => `${r.category}|${r.action}|${r.status}`);
}

/** Message counts per hour (YYYY-MM-DDTHH, UTC) or day (YYYY-MM-DD) and category. */
export async function countByPeriod(db: Kysely<Database>, f: StatsFilter, unit: 'hour' | 'day' = 'hour'): Promise<{ period: string; category: string | null; count: number }[]> {
  const len = sql.lit(unit === 'hour' ? 13 : 10);
  const period = sql<string>`substr(received_at, 1, ${len})`;
  const live = await messagesIn(db, f).select([period.as('period'), 'category', (eb) => eb.fn.countAll<number>().as('count')]).groupBy([period, 'category']).execute();
  const rolled = sql<string>`substr(hour, 1, ${len})`;
  const hourly = await messagesHourly(db, hourlyFilter(f)).select([rolled.as('period'), 'category', (eb) => eb.fn.sum<number>('count').as('count')]).groupBy([rolled, 'category']).execute();
  const rows = [...live.map((r) => ({ period: r.period, category: r.category, count: Number(r.count) })), ...hourly.map((r) => ({ period: r.period, category: orNull(r.category), count: Number(r.count) }))];
  return merge(rows, (r) => `${r.period}|${r.category}`).sort((a, b) => a.period.localeCompare(b.period) || String(a.category).localeCompare(String(b.category)));
}

/** Message counts per recipient domain and category (a message to two domains counts in both). */
export async function countByDomain(db: Kysely<Database>, f: Omit<StatsFilter, 'domain'>): Promise<{ domain: string; category: string | null; count: number }[]> {
  let q = db
    .selectFrom('messages')
    .innerJoin('message_recipients', 'message_recipients.message_id', 'messages.id')
    .innerJoin('domains', 'domains.id', 'message_recipients.domain_id');
  if (f.since) q = q.where('messages.received_at', '>=', f.since.toISOString());
  if (f.until) q = q.where('messages.received_at', '<', f.until.toISOString());
  const live = await q
    .select(['domains.name as domain', 'messages.category as category', (eb) => eb.fn.count<number>('messages.id').distinct().as('count')])
    .groupBy(['domains.name', 'messages.category'])
    .execute();
  const hourly = await messagesHourly(db, hourlyFilter(f))
    .select(['domains', 'category', (eb) => eb.fn.sum<number>('count').as('count')])
    .groupBy(['domains', 'category'])
    .execute();
  const rows = [
    ...live.map((r) => ({ domain: r.domain, category: r.category, count: Number(r.count) })),
    ...hourly.flatMap((r) => splitDomains(r.domains).map((domain) => ({ domain, category: orNull(r.category), count: Number(r.count) }))),
  ];
  return merge(rows, (r) => `${r.domain}|${r.category}`).sort((a, b) => a.domain.localeCompare(b.domain));
}

/** Connection-level refusals by reason. */
export async function countEventsByReason(db: Kysely<Database>, f: StatsFilter): Promise<{ reason: string; count: number }[]> {
  const live = await eventsIn(db, f).select(['reason', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('reason').execute();
  const hourly = await connectionsHourly(db, hourlyFilter(f)).select(['reason', (eb) => eb.fn.sum<number>('count').as('count')]).groupBy('reason').execute();
  return merge([...live, ...hourly].map((r) => ({ reason: r.reason, count: Number(r.count) })), (r) => r.reason);
}

/** Monitor-mode messages by what would have happened. */
export async function countWould(db: Kysely<Database>, f: StatsFilter): Promise<{ would_action: string; would_category: string | null; action: string | null; count: number }[]> {
  const live = await messagesIn(db, f)
    .where('would_action', 'is not', null)
    .select(['would_action', 'would_category', 'action', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['would_action', 'would_category', 'action'])
    .execute();
  const hourly = await messagesHourly(db, hourlyFilter(f))
    .where('would_action', '!=', '')
    .select(['would_action', 'would_category', 'action', (eb) => eb.fn.sum<number>('count').as('count')])
    .groupBy(['would_action', 'would_category', 'action'])
    .execute();
  const rows = [
    ...live.map((r) => ({ would_action: r.would_action!, would_category: r.would_category, action: r.action, count: Number(r.count) })),
    ...hourly.map((r) => ({ would_action: r.would_action, would_category: orNull(r.would_category), action: orNull(r.action), count: Number(r.count) })),
  ];
  return merge(rows, (r) => `${r.would_action}|${r.would_category}|${r.action}`);
}

/** How many of a period's messages and refusals are counted from the hourly statistics alone. */
export async function countRolledUp(db: Kysely<Database>, f: StatsFilter): Promise<{ messages: number; connections: number }> {
  const m = await messagesHourly(db, hourlyFilter(f)).select((eb) => eb.fn.sum<number>('count').as('n')).executeTakeFirst();
  const c = await connectionsHourly(db, hourlyFilter(f)).select((eb) => eb.fn.sum<number>('count').as('n')).executeTakeFirst();
  return { messages: Number(m?.n ?? 0), connections: Number(c?.n ?? 0) };
}

/** Addresses the gateway protects (directory recipients), for one domain or all. */
export async function countAddresses(db: Kysely<Database>, domain?: string | null): Promise<number> {
  let q = db.selectFrom('recipients').innerJoin('domains', 'domains.id', 'recipients.domain_id').select((eb) => eb.fn.countAll<number>().as('n'));
  if (domain) q = q.where('domains.name', '=', domain.toLowerCase());
  const r = await q.executeTakeFirst();
  return Number(r?.n ?? 0);
}
