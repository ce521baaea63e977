// Records a message that was refused at the end of DATA (policy reject) in the message trace, so
// reports and the trace count it; nothing is spooled for it.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { nowIso } from '../store/dialect.js';
import type { Envelope } from '../scan/types.js';
import { newQueueId } from './ids.js';
import type { SpoolRecipient } from './spool.js';

export interface RejectedInput {
  envelope: Envelope;
  recipients: SpoolRecipient[];
  size: number;
  messageId: string | null;
  subject: string | null;
  verdict: { category: string; score: number; action: string; symbols: string; would_action?: string | null; would_category?: string | null };
  /** The reply the client got, kept on each recipient row. */
  reply: string;
  node: string;
  receivedAt?: Date;
}

/** Inserts the trace rows (status rejected, no spool file) and returns the id. */
export async function recordRejected(db: Kysely<Database>, input: RejectedInput): Promise<string> {
  const id = newQueueId();
  const at = nowIso(input.receivedAt);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('messages')
      .values({
        id,
        received_at: at,
        node: input.node,
        client_ip: input.envelope.clientIp,
        client_hostname: input.envelope.clientHostname,
        helo: input.envelope.helo,
        tls: input.envelope.tls ? 1 : 0,
        mail_from: input.envelope.mailFrom,
        message_id: input.messageId,
        subject: input.subject,
        size: input.size,
        spool_path: '',
        status: 'rejected',
        category: input.verdict.category,
        score: input.verdict.score,
        action: input.verdict.action,
        symbols: input.verdict.symbols,
        would_action: input.verdict.would_action ?? null,
        would_category: input.verdict.would_category ?? null,
      })
      .execute();
    if (input.recipients.length) {
      await trx
        .insertInto('message_recipients')
        .values(
          input.recipients.map((r) => ({
            message_id: id,
            address: r.address,
            domain_id: r.domainId,
            // Refused in the SMTP session: final for us, the sender got the 5xx directly.
            status: 'bounced' as const,
            attempts: 0,
            next_attempt_at: null,
            last_reply: input.reply,
            updated_at: at,
          })),
        )
        .execute();
    }
  });
  return id;
}
