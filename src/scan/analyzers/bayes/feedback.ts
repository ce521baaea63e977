// Learning from an operator's verdict in the console (release as ham, report as spam): reads the
// spooled copy of the message named by its queue id and learns it, idempotently.
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { parseMessage } from '../../../message/parse.js';
import type { Database } from '../../../store/schema.js';
import { learn, type BayesClass, type LearnSummary } from './model.js';

export class FeedbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedbackError';
  }
}

/** Learns the spooled message `messageId` (the queue id, messages.id) as spam or ham. */
export async function learnFromFeedback(db: Kysely<Database>, messageId: string, cls: BayesClass): Promise<LearnSummary> {
  const row = await db.selectFrom('messages').select(['spool_path']).where('id', '=', messageId).executeTakeFirst();
  if (!row) throw new FeedbackError(`no message with id ${messageId}`);
  let raw: Buffer;
  try {
    raw = await readFile(row.spool_path);
  } catch (err) {
    throw new FeedbackError(`message ${messageId}: spooled file ${row.spool_path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return learn(db, await parseMessage(raw, undefined, messageId), cls);
}
