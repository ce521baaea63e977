// Records a message that was refused at the end of DATA (policy reject) in the message trace, so
// reports and the trace count it; nothing is spooled for it.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { nowIso } from '../store/dialect.js';
import type { Envelope } from '../scan/types.js';
import { newQueueId } from './ids.js';
import { insertMessageRows, type VerdictColumns } from './rows.js';
import type { SpoolRecipient } from './spool.js';

export interface RejectedInput {
  envelope: Envelope;
  recipients: SpoolRecipient[];
  size: number;
  messageId: string | null;
  subject: string | null;
  verdict: VerdictColumns;
  /** The reply the client got, kept on each recipient row. */
  reply: string;
  node: string;
  receivedAt?: Date;
}

/** Inserts the trace rows (status rejected, recipients bounced, no spool file) and returns the id. */
export async function recordRejected(db: Kysely<Database>, input: RejectedInput): Promise<string> {
  const { node, receivedAt, ...rest } = input;
  const id = newQueueId();
  await insertMessageRows(db, node, [{ ...rest, id, at: nowIso(receivedAt), file: '', status: 'rejected' }]);
  return id;
}
