// The report for a period and domain: scanned, protected addresses, blocked with reasons,
// delivered by category, quarantined, monitor-mode "would have blocked", and a time series. Every
// figure carries the filter that produced it, so the console links it to exactly those messages.
import { sql, type Kysely } from 'kysely';
import { CATEGORIES, CATEGORY_LABELS, type Category } from '../scan/types.js';
import type { Database } from '../store/schema.js';
import { applyConnectionFilter, applyMessageFilter, domainIdFor, normalizeSince, normalizeUntil, type ConnectionFilter, type MessageFilter } from './filters.js';
import type { Principal } from './scope.js';

export interface Figure {
  count: number;
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
}

async function groupCount(db: Kysely<Database>, p: Principal, base: MessageFilter, column: 'category' | 'would_category'): Promise<Map<string, number>> {
  const qb = await applyMessageFilter(db, db.selectFrom('messages').select([`messages.${column} as k`, (eb) => eb.fn.countAll<number>().as('n')]), base, p);
  const rows = await qb.groupBy(`messages.${column}`).execute();
  return new Map(rows.map((r) => [String(r.k), Number(r.n)]));
}

async function count(db: Kysely<Database>, p: Principal, f: MessageFilter): Promise<Figure> {
  const qb = await applyMessageFilter(db, db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')), f, p);
  return { count: Number((await qb.executeTakeFirstOrThrow()).n), filter: f };
}

export async function buildReport(db: Kysely<Database>, p: Principal, opts: { since: string; until: string; domain?: string }): Promise<Report> {
  const since = normalizeSince(opts.since);
  const until = normalizeUntil(opts.until);
  const period = { since, until, ...(opts.domain ? { domain: opts.domain } : {}) };
  const d = await domainIdFor(db, p, opts.domain);

  const scanned = await count(db, p, period);
  const atData = await count(db, p, { ...period, outcome: 'blocked' });
  const quarantined = await count(db, p, { ...period, outcome: 'quarantined' });
  const delivered = await count(db, p, { ...period, outcome: 'delivered' });
  const wouldBlock = await count(db, p, { ...period, outcome: 'delivered', would: 'block' });

  const conn: ConnectionFilter = period;
  const connQ = await applyConnectionFilter(db, db.selectFrom('connection_events').select(['connection_events.reason', (eb) => eb.fn.countAll<number>().as('n')]), conn, p);
  const reasons = (await connQ.groupBy('connection_events.reason').orderBy('connection_events.reason').execute()).map((r) => ({ reason: r.reason, figure: { count: Number(r.n), connections: { ...conn, reason: r.reason } } }));
  const atConnection = { count: reasons.reduce((s, r) => s + r.figure.count, 0), connections: conn };

  const byCat = await groupCount(db, p, { ...period, outcome: 'delivered' }, 'category');
  const wouldByCat = await groupCount(db, p, { ...period, outcome: 'delivered', would: 'block' }, 'would_category');
  const byCategory = CATEGORIES.map((c) => ({
    category: c,
    label: CATEGORY_LABELS[c],
    figure: { count: byCat.get(c) ?? 0, filter: { ...period, outcome: 'delivered' as const, category: c } },
    wouldBlock: { count: wouldByCat.get(c) ?? 0, filter: { ...period, outcome: 'delivered' as const, would: 'block' as const, would_category: c } },
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
    series: await series(db, p, since, until, opts.domain),
  };
}

async function protectedAddresses(db: Kysely<Database>, p: Principal, domainId: number | undefined): Promise<number> {
  let qb = db.selectFrom('recipients').select((eb) => eb.fn.countAll<number>().as('n'));
  if (domainId !== undefined) qb = qb.where('domain_id', '=', domainId);
  else if (p.role === 'domain_admin') qb = p.domainIds.length ? qb.where('domain_id', 'in', p.domainIds) : qb.where(sql<boolean>`1 = 0`);
  else if (p.role === 'mailbox_owner') qb = qb.where('address', '=', p.mailbox ?? '');
  return Number((await qb.executeTakeFirstOrThrow()).n);
}

/** Daily buckets (hourly for periods up to two days); each bucket's figures link like the totals. */
async function series(db: Kysely<Database>, p: Principal, since: string, until: string, domain?: string) {
  const span = Date.parse(until) - Date.parse(since);
  const step = span <= 2 * 86_400_000 ? 3_600_000 : 86_400_000;
  const len = step === 3_600_000 ? 13 : 10;
  const base: MessageFilter = { since, until, ...(domain ? { domain } : {}) };
  const grouped = async (f: MessageFilter) => {
    const qb = await applyMessageFilter(db, db.selectFrom('messages').select([sql<string>`substr(messages.received_at, 1, ${sql.lit(len)})`.as('b'), (eb) => eb.fn.countAll<number>().as('n')]), f, p);
    const rows = await qb.groupBy(sql`substr(messages.received_at, 1, ${sql.lit(len)})`).execute();
    return new Map(rows.map((r) => [r.b, Number(r.n)]));
  };
  const scanned = await grouped(base);
  const blocked = await grouped({ ...base, outcome: 'blocked' });
  const delivered = await grouped({ ...base, outcome: 'delivered' });
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
      scanned: { count: scanned.get(key) ?? 0, filter: f },
      blocked: { count: blocked.get(key) ?? 0, filter: { ...f, outcome: 'blocked' } },
      delivered: { count: delivered.get(key) ?? 0, filter: { ...f, outcome: 'delivered' } },
    });
  }
  return out;
}
