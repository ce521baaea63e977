// The rows a message gets when it comes in: one in messages, one per recipient in
// message_recipients. Built and inserted here only, for every way in: Spool.accept (and the DSNs
// it records inside a delivery's transaction), the ingress group commit (many messages in one
// transaction) and the trace record of a message refused at the end of DATA.
import type { Kysely } from 'kysely';
import type { Envelope } from '../scan/types.js';
import { inTransaction, nowIso } from '../store/dialect.js';
import type { Database, RecipientStatus } from '../store/schema.js';
import type { AcceptInput, SpoolRecipient, StagedFile } from './spool.js';

/** The scan verdict as the messages table keeps it. */
export interface VerdictColumns {
  category: string;
  score: number;
  action: string;
  symbols: string;
  would_action?: string | null;
  would_category?: string | null;
}

/**
 * One message's rows, before they are built. Plain data: the cluster's SMTP workers send it to
 * the primary, which commits it.
 */
export interface MessageRows {
  id: string;
  /** received_at, ISO. */
  at: string;
  /** The spool file; '' for a message refused in the session (nothing is spooled for it). */
  file: string;
  size: number;
  envelope: Envelope;
  recipients: SpoolRecipient[];
  messageId: string | null;
  subject: string | null;
  status: 'queued' | 'quarantined' | 'rejected';
  verdict: VerdictColumns | null;
  /** The reply the client got, kept on each recipient row (a refused message's 5xx). */
  reply: string | null;
}

/** The rows of a message whose file is in queue/. */
export function spooledRows(file: StagedFile, input: Omit<AcceptInput, 'chunks'>): MessageRows {
  return {
    id: file.id,
    at: nowIso(input.receivedAt),
    file: file.path,
    size: file.size,
    envelope: input.envelope,
    recipients: input.recipients,
    messageId: input.messageId,
    subject: input.subject,
    status: input.status ?? 'queued',
    verdict: input.verdict ?? null,
    reply: null,
  };
}

// Recipients go in slices: a statement's bind parameters are limited (SQLite 32766, PostgreSQL 65535).
const RECIPIENTS_PER_INSERT = 500;

/**
 * Inserts the rows of msgs, all in one transaction: the caller's when db is one, else its own.
 * Two statements for up to 500 recipients in all, whatever the number of messages.
 */
export async function insertMessageRows(db: Kysely<Database>, node: string, msgs: readonly MessageRows[]): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('messages')
      .values(
        msgs.map((m) => ({
          id: m.id,
          received_at: m.at,
          node,
          client_ip: m.envelope.clientIp,
          client_hostname: m.envelope.clientHostname,
          helo: m.envelope.helo,
          tls: m.envelope.tls ? 1 : 0,
          mail_from: m.envelope.mailFrom,
          message_id: m.messageId,
          subject: m.subject,
          size: m.size,
          spool_path: m.file,
          status: m.status,
          category: m.verdict?.category ?? null,
          score: m.verdict?.score ?? null,
          action: m.verdict?.action ?? null,
          symbols: m.verdict?.symbols ?? null,
          would_action: m.verdict?.would_action ?? null,
          would_category: m.verdict?.would_category ?? null,
        })),
      )
      .execute();
    const recipients = msgs.flatMap((m) => {
      const status = recipientStatus(m.status);
      return m.recipients.map((r) => ({
        message_id: m.id,
        address: r.address,
        owner: ownerOf(r.address),
        domain_id: r.domainId,
        status,
        attempts: 0,
        next_attempt_at: status === 'queued' ? m.at : null,
        last_reply: m.reply,
        updated_at: m.at,
      }));
    });
    for (let i = 0; i < recipients.length; i += RECIPIENTS_PER_INSERT) {
      await trx.insertInto('message_recipients').values(recipients.slice(i, i + RECIPIENTS_PER_INSERT)).execute();
    }
  });
}

function recipientStatus(status: MessageRows['status']): RecipientStatus {
  switch (status) {
    case 'queued':
      return 'queued';
    case 'quarantined':
      return 'held';
    case 'rejected':
      // Refused in the SMTP session: final for us, the sender got the 5xx directly.
      return 'bounced';
  }
}

/** The mailbox an address belongs to: itself, or without its +tag (kim+news@x → kim@x). */
export function ownerOf(address: string): string {
  const plus = address.indexOf('+');
  const at = address.lastIndexOf('@');
  return plus > 0 && plus < at ? address.slice(0, plus) + address.slice(at) : address;
}
