// Message trace queries: keyset-paginated search and one message with its verdict, recipients and
// delivery attempts. Newest first; the cursor is the last row's (received_at, id).
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { ApiError } from './errors.js';
import { applyConnectionFilter, applyMessageFilter, decodeCursor, encodeCursor, type ConnectionFilter, type MessageFilter } from './filters.js';
import { messageVisible, recipientVisible, type Principal } from './scope.js';

export interface TraceRow {
  id: string;
  received_at: string;
  mail_from: string;
  subject: string | null;
  client_ip: string;
  status: string;
  category: string | null;
  action: string | null;
  score: number | null;
  would_action: string | null;
  recipients: string[];
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export async function searchMessages(db: Kysely<Database>, p: Principal, f: MessageFilter, page: { cursor?: string; limit?: number }): Promise<Page<TraceRow>> {
  const limit = page.limit ?? 50;
  let qb = db
    .selectFrom('messages')
    .select(['messages.id', 'messages.received_at', 'messages.mail_from', 'messages.subject', 'messages.client_ip', 'messages.status', 'messages.category', 'messages.action', 'messages.score', 'messages.would_action']);
  qb = await applyMessageFilter(db, qb, f, p);
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    qb = qb.where((eb) => eb.or([eb('messages.received_at', '<', c.at), eb.and([eb('messages.received_at', '=', c.at), eb('messages.id', '<', c.id)])]));
  }
  const rows = await qb.orderBy('messages.received_at', 'desc').orderBy('messages.id', 'desc').limit(limit + 1).execute();
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const rcpts = items.length
    ? await db.selectFrom('message_recipients').select(['message_id', 'address']).where('message_id', 'in', items.map((r) => r.id)).where(recipientVisible(p)).orderBy('id').execute()
    : [];
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({ ...r, recipients: rcpts.filter((x) => x.message_id === r.id).map((x) => x.address) })),
    next: more && last ? encodeCursor({ at: last.received_at, id: last.id }) : null,
  };
}

export async function countMessages(db: Kysely<Database>, p: Principal, f: MessageFilter): Promise<number> {
  const qb = await applyMessageFilter(db, db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')), f, p);
  return Number((await qb.executeTakeFirstOrThrow()).n);
}

export interface SymbolView {
  name: string;
  score: number;
  detail: string | null;
}

/** One message as the principal may see it; a message of another domain is "not found". */
export async function getMessage(db: Kysely<Database>, p: Principal, id: string) {
  const m = await db.selectFrom('messages').selectAll().where('messages.id', '=', id).where(messageVisible(p)).executeTakeFirst();
  if (!m) throw new ApiError('not_found', `no such message: ${id}`);
  const recipients = await db.selectFrom('message_recipients').select(['address', 'status', 'attempts', 'last_reply']).where('message_id', '=', id).where(recipientVisible(p)).orderBy('id').execute();
  const visible = new Set(recipients.map((r) => r.address));
  const attempts = (await db.selectFrom('delivery_attempts').select(['recipient', 'at', 'host', 'outcome', 'reply']).where('message_id', '=', id).orderBy('at').orderBy('id').execute()).filter((a) => visible.has(a.recipient));
  const symbols = parseSymbols(m.symbols);
  return { message: m, symbols, recipients, attempts, copies: symbols.some((x) => x.name === 'POLICY_SPLIT') ? await otherCopies(db, p, m) : [] };
}

/**
 * The other copies of a message split for its recipients' policies that the principal may see:
 * received together, with the same Message-ID, sender and client (another domain's are not shown
 * to a domain admin).
 */
async function otherCopies(db: Kysely<Database>, p: Principal, m: { id: string; message_id: string | null; received_at: string; mail_from: string; client_ip: string }) {
  if (m.message_id === null) return [];
  return db
    .selectFrom('messages')
    .select(['id', 'status', 'category', 'action'])
    .where('message_id', '=', m.message_id)
    .where('received_at', '=', m.received_at)
    .where('mail_from', '=', m.mail_from)
    .where('client_ip', '=', m.client_ip)
    .where('id', '!=', m.id)
    .where(messageVisible(p))
    .orderBy('id')
    .execute();
}

export function parseSymbols(json: string | null): SymbolView[] {
  if (!json) return [];
  try {
    const arr = JSON.parse(json) as unknown;
    if (!Array.isArray(arr)) return [];
    return arr
      .filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string')
      .map((s) => ({ name: String(s.name), score: Number(s.score ?? 0), detail: s.detail == null ? null : String(s.detail) }))
      .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

export interface ConnectionRow {
  id: number;
  at: string;
  client_ip: string;
  helo: string | null;
  stage: string;
  reason: string;
  detail: string | null;
  domain: string | null;
}

export async function searchConnections(db: Kysely<Database>, p: Principal, f: ConnectionFilter, page: { cursor?: string; limit?: number }): Promise<Page<ConnectionRow>> {
  const limit = page.limit ?? 50;
  let qb = db.selectFrom('connection_events').selectAll();
  qb = await applyConnectionFilter(db, qb, f, p);
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    const cid = Number(c.id);
    qb = qb.where((eb) => eb.or([eb('connection_events.at', '<', c.at), eb.and([eb('connection_events.at', '=', c.at), eb('connection_events.id', '<', cid)])]));
  }
  const rows = await qb.orderBy('connection_events.at', 'desc').orderBy('connection_events.id', 'desc').limit(limit + 1).execute();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor({ at: last.at, id: String(last.id) }) : null };
}
