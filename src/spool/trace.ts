// Message trace: find messages by sender, recipient, subject, Message-ID and time, with everything
// known about each (connection facts, verdict, per-recipient status, every delivery attempt).
import { sql, type Kysely } from 'kysely';
import { parseDuration } from '../config/schema.js';
import { escapeLike } from '../store/dialect.js';
import type { Database, DeliveryAttemptsTable, Message } from '../store/schema.js';
import type { Selectable } from 'kysely';

export interface TraceFilter {
  /** One queue id. */
  id?: string;
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  /** ISO timestamps. */
  since?: string;
  until?: string;
  limit?: number;
}

export interface TraceEntry {
  id: string;
  received_at: string;
  node: string;
  client_ip: string;
  client_hostname: string | null;
  helo: string | null;
  tls: boolean;
  mail_from: string;
  message_id: string | null;
  subject: string | null;
  size: number;
  status: Message['status'];
  category: string | null;
  action: string | null;
  score: number | null;
  recipients: { address: string; status: string; attempts: number; last_reply: string | null }[];
  attempts: { at: string; recipient: string; host: string | null; outcome: string; reply: string | null }[];
}

/** "2h" (ago), "30m", "5d", or an ISO date/time → ISO timestamp; throws with the accepted forms. */
export function parseWhen(value: string, now: Date = new Date()): string {
  if (/^\d+(ms|s|m|h|d)$/.test(value)) return new Date(now.getTime() - parseDuration(value)).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`not a time: ${JSON.stringify(value)} (use an ISO date like 2026-11-28T10:00Z, or a duration ago like 2h)`);
  return new Date(t).toISOString();
}

function like(s: string): string {
  return `%${escapeLike(s.toLowerCase())}%`;
}

export async function traceMessages(db: Kysely<Database>, f: TraceFilter): Promise<TraceEntry[]> {
  let q = db.selectFrom('messages').selectAll().orderBy('received_at', 'desc').orderBy('id', 'desc').limit(f.limit ?? 100);
  if (f.id) q = q.where('id', '=', f.id);
  if (f.from) q = q.where(sql<string>`lower(mail_from)`, 'like', sql<string>`${like(f.from)} escape '\\'`);
  if (f.subject) q = q.where(sql<string>`lower(coalesce(subject, ''))`, 'like', sql<string>`${like(f.subject)} escape '\\'`);
  if (f.messageId) {
    const bare = f.messageId.replace(/^<|>$/g, '');
    q = q.where('message_id', 'in', [bare, `<${bare}>`]);
  }
  if (f.since) q = q.where('received_at', '>=', f.since);
  if (f.until) q = q.where('received_at', '<=', f.until);
  if (f.to) {
    const pattern = like(f.to);
    q = q.where('id', 'in', (eb) => eb.selectFrom('message_recipients').select('message_id').where(sql<string>`lower(address)`, 'like', sql<string>`${pattern} escape '\\'`));
  }
  const messages = await q.execute();
  if (!messages.length) return [];
  const ids = messages.map((m) => m.id);
  const rcpts = await db.selectFrom('message_recipients').selectAll().where('message_id', 'in', ids).orderBy('id').execute();
  const attempts: Selectable<DeliveryAttemptsTable>[] = await db.selectFrom('delivery_attempts').selectAll().where('message_id', 'in', ids).orderBy('id').execute();
  return messages.map((m) => ({
    id: m.id,
    received_at: m.received_at,
    node: m.node,
    client_ip: m.client_ip,
    client_hostname: m.client_hostname,
    helo: m.helo,
    tls: Boolean(m.tls),
    mail_from: m.mail_from,
    message_id: m.message_id,
    subject: m.subject,
    size: m.size,
    status: m.status,
    category: m.category,
    action: m.action,
    score: m.score,
    recipients: rcpts.filter((r) => r.message_id === m.id).map((r) => ({ address: r.address, status: r.status, attempts: r.attempts, last_reply: r.last_reply })),
    attempts: attempts.filter((a) => a.message_id === m.id).map((a) => ({ at: a.at, recipient: a.recipient, host: a.host, outcome: a.outcome, reply: a.reply })),
  }));
}
