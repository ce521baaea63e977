// The one way Rampart queues mail it writes itself (DSNs, quarantine digests, migration notices):
// the message goes through the same durable spool and delivery as received mail, from 127.0.0.1.
import type { Kysely } from 'kysely';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { canonicalAddress } from '../directory/names.js';
import { headerBlockOf, headerValue } from './headers.js';
import type { AcceptInput, Spool, SpoolRecipient } from './spool.js';

export interface LocalMessage {
  /** Envelope sender; '' for the null sender (DSNs). */
  from: string;
  to: string[];
  /** The complete message, headers and body, CRLF line ends. */
  raw: Buffer;
}

export class SubmitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubmitError';
  }
}

/** Checks the envelope and builds what Spool.record needs (recipient domains looked up). */
export async function localAcceptInput(db: Kysely<Database>, msg: LocalMessage): Promise<Omit<AcceptInput, 'chunks'>> {
  if (msg.from !== '' && !canonicalAddress(msg.from)) throw new SubmitError(`not a valid sender address: ${JSON.stringify(msg.from)}`);
  if (!msg.to.length) throw new SubmitError('a message needs at least one recipient');
  const rcpts: string[] = [];
  for (const t of msg.to) {
    const c = canonicalAddress(t);
    if (!c) throw new SubmitError(`not a valid recipient address: ${JSON.stringify(t)}`);
    if (!rcpts.includes(c)) rcpts.push(c);
  }
  const domains = [...new Set(rcpts.map((r) => r.slice(r.lastIndexOf('@') + 1)))];
  const rows = await db.selectFrom('domains').select(['id', 'name']).where('name', 'in', domains).execute();
  const ids = new Map(rows.map((r) => [r.name, r.id]));
  const recipients: SpoolRecipient[] = rcpts.map((address) => ({ address, domainId: ids.get(address.slice(address.lastIndexOf('@') + 1)) ?? null }));
  const head = headerBlockOf(msg.raw);
  return {
    envelope: { clientIp: '127.0.0.1', clientHostname: 'localhost', helo: null, tls: false, mailFrom: msg.from, rcptTo: rcpts },
    recipients,
    messageId: headerValue(head, 'message-id'),
    subject: headerValue(head, 'subject'),
  };
}

/** Spools a locally generated message for delivery and returns its queue id. */
export async function submitLocalMessage(store: Store, spool: Spool, msg: LocalMessage): Promise<string> {
  const input = await localAcceptInput(store.db, msg);
  return spool.accept({ ...input, chunks: [msg.raw] });
}
