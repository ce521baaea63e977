// Reading the hourly statistics (migration 440) beside the live records: the report's figures for
// a period are the records still in the trace plus the hours already rolled up (retention.ts).
// An hour counts when it starts inside the period, so before the trace's horizon a period is
// exact to the hour. Each message is in one row, keyed by its set of recipient domains, so a
// message to two of the domains asked about still counts once.
import { sql, type Kysely } from 'kysely';
import { commaListHasAny } from '../store/dialect.js';
import type { Database, MessageStatus } from '../store/schema.js';

/** Every domain (and messages to none): no domain condition. */
export const ALL_DOMAINS = 'all';

export interface HourlyFilter {
  /** ISO times; since inclusive, until exclusive. */
  since?: string | null;
  until?: string | null;
  /** ALL_DOMAINS, or the messages with a recipient in any of these domains (none: nothing). */
  domains: typeof ALL_DOMAINS | readonly string[];
  statuses?: readonly MessageStatus[];
  category?: string;
  /** Monitor mode: the message's would_action is one of these. */
  wouldActions?: readonly string[];
  would_category?: string;
}

/** The row's domain set (stored as ',a,b,') holds one of these domains. */
const inDomains = (names: readonly string[]) => commaListHasAny(sql<string>`domains`, names);

export function messagesHourly(db: Kysely<Database>, f: HourlyFilter) {
  let q = db.selectFrom('stats_messages_hourly');
  if (f.domains !== ALL_DOMAINS) q = q.where(inDomains(f.domains));
  if (f.since) q = q.where('hour', '>=', f.since);
  if (f.until) q = q.where('hour', '<', f.until);
  if (f.statuses) q = q.where('status', 'in', [...f.statuses]);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.wouldActions) q = q.where('would_action', 'in', [...f.wouldActions]);
  if (f.would_category) q = q.where('would_category', '=', f.would_category);
  return q;
}

/** The domains of a row's domain set. */
export function splitDomains(set: string): string[] {
  return set.split(',').filter(Boolean);
}

/** Connection refusals: all, or those of these domains (a refusal has at most one). */
export function connectionsHourly(db: Kysely<Database>, f: Pick<HourlyFilter, 'since' | 'until' | 'domains'> & { reason?: string }) {
  let q = db.selectFrom('stats_connections_hourly');
  if (f.domains !== ALL_DOMAINS) q = f.domains.length ? q.where('domain', 'in', [...f.domains]) : q.where(sql<boolean>`1 = 0`);
  if (f.since) q = q.where('hour', '>=', f.since);
  if (f.until) q = q.where('hour', '<', f.until);
  if (f.reason) q = q.where('reason', '=', f.reason);
  return q;
}

/** '' in an hourly row is "none" in a record. */
export function orNull(v: string): string | null {
  return v === '' ? null : v;
}
