// Queue administration, like Postfix's mailq/postqueue/postsuper: list the queue, show one message,
// make deferred recipients due now, delete a message. Used by `rampart queue` and the console.
import { unlink } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database, Message, MessageRecipient } from '../store/schema.js';
import { inTransaction } from '../store/dialect.js';
import { PENDING } from './status.js';

export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

export interface QueueRecipient {
  address: string;
  status: MessageRecipient['status'];
  attempts: number;
  next_attempt_at: string | null;
  last_reply: string | null;
  in_flight: boolean;
}

export interface QueueEntry {
  id: string;
  received_at: string;
  node: string;
  status: Message['status'];
  size: number;
  mail_from: string;
  message_id: string | null;
  subject: string | null;
  recipients: QueueRecipient[];
}

function toRecipient(r: MessageRecipient, now: Date): QueueRecipient {
  const inFlight = r.claimed_by !== null && (r.next_attempt_at ?? '') > now.toISOString();
  return { address: r.address, status: r.status, attempts: r.attempts, next_attempt_at: inFlight ? null : r.next_attempt_at, last_reply: r.last_reply, in_flight: inFlight };
}

/** Resolves a full queue id or a unique prefix of one (at least 6 characters). */
export async function resolveId(db: Kysely<Database>, idOrPrefix: string): Promise<string> {
  const exact = await db.selectFrom('messages').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
  if (exact) return exact.id;
  if (idOrPrefix.length >= 6 && /^[0-9a-z]+$/.test(idOrPrefix)) {
    const rows = await db.selectFrom('messages').select('id').where('id', 'like', `${idOrPrefix}%`).limit(2).execute();
    if (rows.length === 1) return rows[0]!.id;
    if (rows.length > 1) throw new QueueError(`queue id prefix ${idOrPrefix} is ambiguous`);
  }
  throw new QueueError(`no such message: ${idOrPrefix}`);
}

/** Messages waiting for delivery (with quarantined ones when held is set), oldest first. */
export async function listQueue(db: Kysely<Database>, opts: { held?: boolean; limit?: number; now?: Date } = {}): Promise<QueueEntry[]> {
  const now = opts.now ?? new Date();
  const messages = await db
    .selectFrom('messages')
    .selectAll()
    .where('status', 'in', opts.held ? ['queued', 'quarantined'] : ['queued'])
    .orderBy('received_at')
    .orderBy('id')
    .limit(opts.limit ?? 10_000)
    .execute();
  return withRecipients(db, messages, now);
}

async function withRecipients(db: Kysely<Database>, messages: Message[], now: Date): Promise<QueueEntry[]> {
  const out: QueueEntry[] = [];
  for (let i = 0; i < messages.length; i += 500) {
    const chunk = messages.slice(i, i + 500);
    const rcpts = chunk.length ? await db.selectFrom('message_recipients').selectAll().where('message_id', 'in', chunk.map((m) => m.id)).orderBy('id').execute() : [];
    for (const m of chunk) {
      out.push({
        id: m.id,
        received_at: m.received_at,
        node: m.node,
        status: m.status,
        size: m.size,
        mail_from: m.mail_from,
        message_id: m.message_id,
        subject: m.subject,
        recipients: rcpts.filter((r) => r.message_id === m.id).map((r) => toRecipient(r, now)),
      });
    }
  }
  return out;
}

/** Makes pending recipients due now (not those being delivered at this moment). Returns how many. */
export async function retryNow(db: Kysely<Database>, id: string | 'all', now: Date = new Date()): Promise<number> {
  const at = now.toISOString();
  let q = db
    .updateTable('message_recipients')
    .set({ next_attempt_at: at, updated_at: at })
    .where('status', 'in', PENDING)
    .where('claimed_by', 'is', null)
    .where('next_attempt_at', '>', at)
    .where('message_id', 'in', (eb) => eb.selectFrom('messages').select('messages.id').where('messages.status', '=', 'queued'));
  if (id !== 'all') q = q.where('message_id', '=', id);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Deletes a queued or quarantined message without a DSN (like postsuper -d): pending and held
 * recipients become deleted, the file is removed, the trace keeps the record.
 */
export async function deleteMessage(db: Kysely<Database>, id: string, now: Date = new Date()): Promise<{ recipients: number }> {
  const at = now.toISOString();
  const result = await inTransaction(db, async (trx) => {
    const msg = await trx.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!msg) throw new QueueError(`no such message: ${id}`);
    if (msg.status !== 'queued' && msg.status !== 'quarantined') throw new QueueError(`message ${id} is not in the queue (status ${msg.status})`);
    const busy = await trx.selectFrom('message_recipients').select('address').where('message_id', '=', id).where('claimed_by', 'is not', null).where('next_attempt_at', '>', at).executeTakeFirst();
    if (busy) throw new QueueError(`message ${id} is being delivered right now (${busy.address}); try again in a moment`);
    const res = await trx
      .updateTable('message_recipients')
      .set({ status: 'deleted', next_attempt_at: null, claimed_by: null, updated_at: at, last_reply: 'deleted by the operator' })
      .where('message_id', '=', id)
      .where('status', 'in', [...PENDING, 'held'])
      .executeTakeFirst();
    const rows = await trx.selectFrom('message_recipients').select('status').where('message_id', '=', id).execute();
    const delivered = rows.filter((r) => r.status === 'delivered').length;
    const live = rows.filter((r) => r.status !== 'deleted').length;
    await trx
      .updateTable('messages')
      .set({ status: live === 0 ? 'deleted' : delivered === live ? 'delivered' : delivered ? 'partial' : 'bounced' })
      .where('id', '=', id)
      .execute();
    return { recipients: Number(res.numUpdatedRows), path: msg.spool_path };
  });
  if (result.path) await unlink(result.path).catch(() => {});
  return { recipients: result.recipients };
}
