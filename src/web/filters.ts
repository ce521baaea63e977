// The one message filter behind the trace, the report figures and exports. A report figure is
// count(filter) and its link is /trace?<filter>, so a click lands on exactly the counted messages.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { canonicalAddress, canonicalDomain } from '../directory/names.js';
import { ACTIONS, CATEGORIES } from '../scan/types.js';
import { escapeLike } from '../store/dialect.js';
import type { Database, MessageStatus } from '../store/schema.js';
import { ApiError } from './errors.js';
import { OUTCOMES } from '../stats/queries.js';
import { connectionVisible, domainVisible, messageVisible, type Principal } from './scope.js';

export const STATUSES = ['queued', 'delivered', 'partial', 'bounced', 'quarantined', 'rejected', 'deleted'] as const satisfies readonly MessageStatus[];


/** Monitor-mode actions that would have kept the message from the mailbox. */
export const WOULD_BLOCK_ACTIONS = ['reject', 'quarantine'] as const;

const instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/, 'expected YYYY-MM-DD or an ISO-8601 UTC time')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real date');

export const MessageFilterSchema = z.strictObject({
  since: instant.optional().describe('inclusive; a date means its start (UTC)'),
  until: instant.optional().describe('exclusive; a date means the end of that day (UTC)'),
  domain: z.string().max(253).optional().describe('recipient domain'),
  sender: z.string().max(320).optional().describe('envelope sender contains'),
  rcpt: z.string().max(320).optional().describe('recipient address (exact)'),
  subject: z.string().max(500).optional().describe('subject contains'),
  message_id: z.string().max(998).optional().describe('Message-ID header (exact, with or without <>)'),
  client_ip: z.string().max(64).optional(),
  category: z.enum(CATEGORIES).optional(),
  action: z.enum(ACTIONS).optional(),
  status: z.enum(STATUSES).optional(),
  outcome: z.enum(['delivered', 'quarantined', 'blocked']).optional(),
  would: z.literal('block').optional().describe('monitor mode: would have been rejected or quarantined'),
  would_category: z.enum(CATEGORIES).optional(),
});
export type MessageFilter = z.infer<typeof MessageFilterSchema>;

export const PageSchema = z.strictObject({
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]*$/).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const ConnectionFilterSchema = z.strictObject({
  since: instant.optional(),
  until: instant.optional(),
  domain: z.string().max(253).optional(),
  reason: z.string().max(64).regex(/^[a-z0-9_]+$/).optional(),
  client_ip: z.string().max(64).optional(),
});
export type ConnectionFilter = z.infer<typeof ConnectionFilterSchema>;

/** Drops empty form fields so a blank input means "no filter". */
export function compact(q: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((q ?? {}) as Record<string, unknown>)) if (v !== '' && v !== undefined) out[k] = v;
  return out;
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError('validation_failed', undefined, r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`));
  return r.data;
}

export function normalizeSince(s: string): string {
  return new Date(s.length === 10 ? `${s}T00:00:00.000Z` : s).toISOString();
}
export function normalizeUntil(s: string): string {
  if (s.length === 10) return new Date(Date.parse(`${s}T00:00:00.000Z`) + 86_400_000).toISOString();
  return new Date(s).toISOString();
}

/** Checks the domain filter against the principal: another domain is "not found", never "forbidden". */
export async function domainIdFor(db: Kysely<Database>, p: Principal, domain: string | undefined): Promise<{ id: number; name: string } | undefined> {
  if (domain === undefined) return undefined;
  const name = canonicalDomain(domain);
  if (!name || !domainVisible(p, name)) throw new ApiError('not_found', `no such domain: ${domain}`);
  const d = await db.selectFrom('domains').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  if (!d) throw new ApiError('not_found', `no such domain: ${domain}`);
  return d;
}

type MsgQuery<O> = SelectQueryBuilder<Database, 'messages', O>;

/** Applies the filter and the principal's scope to a query over `messages`. */
export async function applyMessageFilter<O>(db: Kysely<Database>, qb: MsgQuery<O>, f: MessageFilter, p: Principal): Promise<MsgQuery<O>> {
  const d = await domainIdFor(db, p, f.domain);
  qb = qb.where(messageVisible(p));
  // A domain is usually a large share of the traffic: a correlated probe of the covering
  // (domain_id, message_id) index while walking received_at finds a page fastest.
  if (d) qb = qb.where(sql<boolean>`exists (select 1 from message_recipients fd where fd.domain_id = ${d.id} and fd.message_id = messages.id)`);
  if (f.since) qb = qb.where('messages.received_at', '>=', normalizeSince(f.since));
  if (f.until) qb = qb.where('messages.received_at', '<', normalizeUntil(f.until));
  if (f.sender) {
    // A whole address is an indexed exact match; anything else is a substring search.
    const exact = canonicalAddress(f.sender);
    if (exact && f.sender.trim().toLowerCase() === exact) qb = qb.where('messages.mail_from', 'in', [exact, f.sender.trim()]);
    else qb = qb.where(sql<boolean>`lower(messages.mail_from) like ${'%' + escapeLike(f.sender.toLowerCase()) + '%'} escape '\\'`);
  }
  if (f.subject) qb = qb.where(sql<boolean>`lower(messages.subject) like ${'%' + escapeLike(f.subject.toLowerCase()) + '%'} escape '\\'`);
  // One address is a small share: read its recipient rows once (IN) instead of probing every message.
  if (f.rcpt) qb = qb.where(sql<boolean>`messages.id in (select fr.message_id from message_recipients fr where fr.address = ${f.rcpt.trim().toLowerCase()})`);
  if (f.message_id) {
    const bare = f.message_id.trim().replace(/^<|>$/g, '');
    qb = qb.where('messages.message_id', 'in', [bare, `<${bare}>`]);
  }
  if (f.client_ip) qb = qb.where('messages.client_ip', '=', f.client_ip.trim());
  if (f.category) qb = qb.where('messages.category', '=', f.category);
  if (f.action) qb = qb.where('messages.action', '=', f.action);
  if (f.status) qb = qb.where('messages.status', '=', f.status);
  if (f.outcome) qb = qb.where('messages.status', 'in', [...OUTCOMES[f.outcome]]);
  if (f.would) qb = qb.where('messages.would_action', 'in', [...WOULD_BLOCK_ACTIONS]);
  if (f.would_category) qb = qb.where('messages.would_category', '=', f.would_category);
  return qb;
}

type ConnQuery<O> = SelectQueryBuilder<Database, 'connection_events', O>;

export async function applyConnectionFilter<O>(db: Kysely<Database>, qb: ConnQuery<O>, f: ConnectionFilter, p: Principal): Promise<ConnQuery<O>> {
  const d = await domainIdFor(db, p, f.domain);
  qb = qb.where(connectionVisible(p));
  if (d) qb = qb.where('connection_events.domain', '=', d.name);
  if (f.since) qb = qb.where('connection_events.at', '>=', normalizeSince(f.since));
  if (f.until) qb = qb.where('connection_events.at', '<', normalizeUntil(f.until));
  if (f.reason) qb = qb.where('connection_events.reason', '=', f.reason);
  if (f.client_ip) qb = qb.where('connection_events.client_ip', '=', f.client_ip.trim());
  return qb;
}

/** The query string for a filter, keys in a stable order. */
export function filterQuery(f: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') params.set(k, v);
  return params.toString();
}

export interface Cursor {
  at: string;
  id: string;
}
export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at}|${c.id}`).toString('base64url');
}
export function decodeCursor(s: string): Cursor {
  const [at, id] = Buffer.from(s, 'base64url').toString().split('|');
  if (!at || !id || Number.isNaN(Date.parse(at))) throw new ApiError('validation_failed', 'cursor: not a cursor from this API');
  return { at, id };
}
