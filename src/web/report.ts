// The report for a period and domain: scanned, protected addresses, blocked with reasons,
// delivered by category, quarantined, monitor-mode "would have blocked", and a time series. Every
// figure carries the filter that produced it, so the console links it to exactly those messages —
// all but the part counted from the hourly statistics of records past the trace's retention,
// which each figure states (rolledUp).
import { sql, type Kysely } from 'kysely';
import { CATEGORIES, CATEGORY_LABELS, type Category } from '../scan/types.js';
import { ALL_DOMAINS, connectionsHourly, messagesHourly, orNull, splitDomains } from '../stats/hourly.js';
import { OUTCOMES } from '../stats/queries.js';
import type { Database } from '../store/schema.js';
import { applyConnectionFilter, applyMessageFilter, domainIdFor, normalizeSince, normalizeUntil, WOULD_BLOCK_ACTIONS, type ConnectionFilter, type MessageFilter } from './filters.js';
import type { Principal } from './scope.js';

export interface Figure {
  /** Every message (or refusal) of the figure, in the trace or not. */
  count: number;
  /** Of count, those past the trace's retention: counted from hourly statistics, not behind the link. */
  rolledUp?: number;
  /** Trace filter behind the figure (messages) … */
  filter?: MessageFilter;
  /** … or connection-event filter (blocked at connection). */
  connections?: ConnectionFilter;
}

export interface Report {
  since: string;
  until: string;
  domain: string | null;
  scanned: Figure;
  addresses: number;
  blocked: { total: number; atData: Figure; atConnection: Figure; byReason: { reason: string; figure: Figure }[] };
  quarantined: Figure;
  delivered: Figure & { byCategory: { category: Category; label: string; figure: Figure; wouldBlock: Figure }[] };
  wouldBlock: Figure;
  series: { bucket: string; since: string; until: string; scanned: Figure; blocked: Figure; delivered: Figure }[];
  /** Messages and refusals in the figures that were counted from hourly statistics. */
  rolledUp: { messages: number; connections: number };
  /** Without a domain filter: each visible domain's figures, most mail first (a message to two domains is in both). */
  byDomain: DomainRow[];
}

export interface DomainRow {
  domain: string;
  scanned: Figure;
  blocked: Figure;
  quarantined: Figure;
  delivered: Figure;
}

/** The hourly statistics' domains for a principal and domain: what they may see, as messageVisible. */
function hourlyDomains(p: Principal, domain: string | undefined): typeof ALL_DOMAINS | string[] {
  if (domain !== undefined) return [domain];
  if (p.role === 'operator') return ALL_DOMAINS;
  // A mailbox owner's own messages are not told apart in the statistics: theirs stop at the horizon.
  return p.role === 'domain_admin' ? p.domainNames : [];
}

/** The columns a report figure filters on, and a count: a row of the report's one grouped query. */
interface Cell {
  status: string;
  category: string | null;
  would_action: string | null;
  would_category: string | null;
  /** The series' time bucket (YYYY-MM-DD or YYYY-MM-DDTHH). */
  b: string;
  n: number;
}

type Counted = { live: Cell[]; rolledUp: Cell[] };

/**
 * The report's figures are counts of the period's messages by outcome, category and monitor-mode
 * facets: one grouped query over the records and one over the statistics give every figure
 * (`tally`) and, grouped by the series' buckets too, the time series — instead of a query per
 * figure, each a pass over the period (bench/report.ts). `applyMessageFilter` still makes each
 * figure's link, and the tests hold every figure to the count its link returns.
 */
async function cells(db: Kysely<Database>, p: Principal, domain: string | undefined, period: MessageFilter, bucketLength: number): Promise<Counted> {
  const liveBucket = sql<string>`substr(messages.received_at, 1, ${sql.lit(bucketLength)})`;
  const qb = await applyMessageFilter(db, db.selectFrom('messages').select(['messages.status', 'messages.category', 'messages.would_action', 'messages.would_category', liveBucket.as('b'), (eb) => eb.fn.countAll<number>().as('n')]), period, p);
  const live = await qb.groupBy(['messages.status', 'messages.category', 'messages.would_action', 'messages.would_category', liveBucket]).execute();
  const hourBucket = sql<string>`substr(hour, 1, ${sql.lit(bucketLength)})`;
  const hourly = await messagesHourly(db, { since: period.since, until: period.until, domains: hourlyDomains(p, domain) })
    .select(['status', 'category', 'would_action', 'would_category', hourBucket.as('b'), (eb) => eb.fn.sum<number>('count').as('n')])
    .groupBy(['status', 'category', 'would_action', 'would_category', hourBucket])
    .execute();
  return {
    live: live.map((r) => ({ ...r, n: Number(r.n) })),
    rolledUp: hourly.map((r) => ({ status: r.status, category: orNull(r.category), would_action: orNull(r.would_action), would_category: orNull(r.would_category), b: r.b, n: Number(r.n) })),
  };
}

/** Whether a row is counted by a figure's filter: the facets of applyMessageFilter that the report uses. */
function matches(c: Cell, f: MessageFilter): boolean {
  if (f.outcome && !(OUTCOMES[f.outcome] as readonly string[]).includes(c.status)) return false;
  if (f.status && c.status !== f.status) return false;
  if (f.category && c.category !== f.category) return false;
  if (f.would && !(WOULD_BLOCK_ACTIONS as readonly string[]).includes(c.would_action ?? '')) return false;
  if (f.would_category && c.would_category !== f.would_category) return false;
  return true;
}

/** The figure for a filter (and, with a bucket, for that bucket only). */
function tally(all: Counted, f: MessageFilter, bucket?: string): Figure {
  const sum = (rows: Cell[]) => rows.reduce((n, c) => (matches(c, f) && (bucket === undefined || c.b === bucket) ? n + c.n : n), 0);
  return figure(sum(all.live), sum(all.rolledUp), { filter: f });
}

function figure(live: number, rolledUp: number, link: Pick<Figure, 'filter' | 'connections'>): Figure {
  return { count: live + rolledUp, ...(rolledUp ? { rolledUp } : {}), ...link };
}

export async function buildReport(db: Kysely<Database>, p: Principal, opts: { since: string; until: string; domain?: string }): Promise<Report> {
  const since = normalizeSince(opts.since);
  const until = normalizeUntil(opts.until);
  const period = { since, until, ...(opts.domain ? { domain: opts.domain } : {}) };
  const d = await domainIdFor(db, p, opts.domain);
  // Grouped by the series' buckets too: the totals add up the buckets, so one pass gives both.
  const counted = await cells(db, p, d?.name, period, seriesStep(since, until).len);
  const countOf = (f: MessageFilter) => tally(counted, f);

  const scanned = countOf(period);
  const atData = countOf({ ...period, outcome: 'blocked' });
  const quarantined = countOf({ ...period, outcome: 'quarantined' });
  const delivered = countOf({ ...period, outcome: 'delivered' });
  const wouldBlock = countOf({ ...period, outcome: 'delivered', would: 'block' });

  const conn: ConnectionFilter = period;
  const connQ = await applyConnectionFilter(db, db.selectFrom('connection_events').select(['connection_events.reason', (eb) => eb.fn.countAll<number>().as('n')]), conn, p);
  const liveReasons = new Map((await connQ.groupBy('connection_events.reason').execute()).map((r) => [r.reason, Number(r.n)] as const));
  const hourlyReasons = new Map(
    (await connectionsHourly(db, { since, until, domains: hourlyDomains(p, d?.name) }).select(['reason', (eb) => eb.fn.sum<number>('count').as('n')]).groupBy('reason').execute()).map((r) => [r.reason, Number(r.n)] as const),
  );
  const reasons = [...new Set([...liveReasons.keys(), ...hourlyReasons.keys()])]
    .sort()
    .map((reason) => ({ reason, figure: figure(liveReasons.get(reason) ?? 0, hourlyReasons.get(reason) ?? 0, { connections: { ...conn, reason } }) }));
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const atConnection = figure(sum(liveReasons), sum(hourlyReasons), { connections: conn });

  const byCategory = CATEGORIES.map((c) => ({
    category: c,
    label: CATEGORY_LABELS[c],
    figure: countOf({ ...period, outcome: 'delivered', category: c }),
    wouldBlock: countOf({ ...period, outcome: 'delivered', would: 'block', would_category: c }),
  }));

  return {
    since,
    until,
    domain: d?.name ?? null,
    scanned,
    addresses: await protectedAddresses(db, p, d?.id),
    blocked: { total: atData.count + atConnection.count, atData, atConnection, byReason: reasons },
    quarantined,
    delivered: { ...delivered, byCategory },
    wouldBlock,
    series: series(counted, since, until, d?.name),
    rolledUp: { messages: scanned.rolledUp ?? 0, connections: atConnection.rolledUp ?? 0 },
    byDomain: d ? [] : await perDomain(db, p, since, until),
  };
}

/**
 * Each visible domain's scanned / blocked / quarantined / delivered, from one grouped query over the
 * records and one over the statistics (not a report per domain: an operator may see hundreds).
 */
async function perDomain(db: Kysely<Database>, p: Principal, since: string, until: string): Promise<DomainRow[]> {
  if (p.role === 'mailbox_owner' || (p.role === 'domain_admin' && !p.domainIds.length)) return [];
  let q = db
    .selectFrom('messages')
    .innerJoin('message_recipients', 'message_recipients.message_id', 'messages.id')
    .innerJoin('domains', 'domains.id', 'message_recipients.domain_id')
    .where('messages.received_at', '>=', since)
    .where('messages.received_at', '<', until);
  if (p.role === 'domain_admin') q = q.where('domains.id', 'in', p.domainIds);
  const live = await q.select(['domains.name as domain', 'messages.status as status', (eb) => eb.fn.count<number>('messages.id').distinct().as('n')]).groupBy(['domains.name', 'messages.status']).execute();
  const hourly = await messagesHourly(db, { since, until, domains: hourlyDomains(p, undefined) }).select(['domains', 'status', (eb) => eb.fn.sum<number>('count').as('n')]).groupBy(['domains', 'status']).execute();
  const visible = (name: string) => p.role === 'operator' || p.domainNames.includes(name);
  const outcomes = Object.keys(OUTCOMES) as (keyof typeof OUTCOMES)[];
  const tallies = new Map<string, { live: Record<string, number>; rolledUp: Record<string, number> }>();
  const tallyOf = (domain: string) => tallies.get(domain) ?? tallies.set(domain, { live: {}, rolledUp: {} }).get(domain)!;
  const add = (into: Record<string, number>, status: string, n: number) => {
    into.scanned = (into.scanned ?? 0) + n;
    for (const o of outcomes) if ((OUTCOMES[o] as readonly string[]).includes(status)) into[o] = (into[o] ?? 0) + n;
  };
  for (const r of live) add(tallyOf(r.domain).live, r.status, Number(r.n));
  for (const r of hourly) for (const domain of splitDomains(r.domains).filter(visible)) add(tallyOf(domain).rolledUp, r.status, Number(r.n));
  const link = (domain: string, c: { live: Record<string, number>; rolledUp: Record<string, number> }, k: 'scanned' | keyof typeof OUTCOMES) =>
    figure(c.live[k] ?? 0, c.rolledUp[k] ?? 0, { filter: { since, until, domain, ...(k === 'scanned' ? {} : { outcome: k }) } });
  return [...tallies]
    .map(([domain, c]) => ({ domain, scanned: link(domain, c, 'scanned'), blocked: link(domain, c, 'blocked'), quarantined: link(domain, c, 'quarantined'), delivered: link(domain, c, 'delivered') }))
    .sort((a, b) => b.scanned.count - a.scanned.count || a.domain.localeCompare(b.domain));
}

async function protectedAddresses(db: Kysely<Database>, p: Principal, domainId: number | undefined): Promise<number> {
  let qb = db.selectFrom('recipients').select((eb) => eb.fn.countAll<number>().as('n'));
  if (domainId !== undefined) qb = qb.where('domain_id', '=', domainId);
  else if (p.role === 'domain_admin') qb = p.domainIds.length ? qb.where('domain_id', 'in', p.domainIds) : qb.where(sql<boolean>`1 = 0`);
  else if (p.role === 'mailbox_owner') qb = qb.where('address', '=', p.mailbox ?? '');
  return Number((await qb.executeTakeFirstOrThrow()).n);
}

/** Daily buckets (hourly for periods up to two days); each bucket's figures link like the totals. */
function seriesStep(since: string, until: string): { step: number; len: number } {
  return Date.parse(until) - Date.parse(since) <= 2 * 86_400_000 ? { step: 3_600_000, len: 13 } : { step: 86_400_000, len: 10 };
}

function series(counted: Counted, since: string, until: string, domain?: string): Report['series'] {
  const { step, len } = seriesStep(since, until);
  const base: MessageFilter = { since, until, ...(domain ? { domain } : {}) };
  const out: Report['series'] = [];
  const start = Math.floor(Date.parse(since) / step) * step;
  for (let t = start; t < Date.parse(until) && out.length < 400; t += step) {
    const bSince = new Date(Math.max(t, Date.parse(since))).toISOString();
    const bUntil = new Date(Math.min(t + step, Date.parse(until))).toISOString();
    const key = new Date(t).toISOString().slice(0, len);
    const f = { ...base, since: bSince, until: bUntil };
    out.push({
      bucket: key,
      since: bSince,
      until: bUntil,
      scanned: tally(counted, f, key),
      blocked: tally(counted, { ...f, outcome: 'blocked' }, key),
      delivered: tally(counted, { ...f, outcome: 'delivered' }, key),
    });
  }
  return out;
}
