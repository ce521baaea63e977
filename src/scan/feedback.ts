// An operator's judgement of a message, taught to the scan engine: Bayes learns it (phishing as
// spam) and its fuzzy hash is added in the judged class, so that its near-copies score as it was
// judged. The console's release-and-learn / report-as-spam and `rampart quarantine release --learn`
// / `report` both come here.
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { RampartConfig } from '../config/schema.js';
import { analyzerConfig } from '../files/config.js';
import { parseMessage } from '../message/parse.js';
import type { Database } from '../store/schema.js';
import { learn, type LearnSummary } from './analyzers/bayes/model.js';
import { FuzzyConfig } from './analyzers/fuzzy/index.js';
import { ALL_DOMAINS, type FuzzyScope } from './analyzers/fuzzy/scope.js';
import { addFuzzy, FuzzyLimitError, type AddResult, type FuzzyClass } from './analyzers/fuzzy/store.js';
import type { ParsedMessage } from './types.js';

export type Judgement = FuzzyClass;

export interface Taught {
  bayes: LearnSummary;
  /** null when the judge's word adds no fuzzy hash (a mailbox owner in the console), or may add no more (refused). */
  fuzzy: AddResult | null;
  /** Why no fuzzy hash was added although the judge's word adds them: the judge's limit. */
  refused?: string;
}

/**
 * Whose mail the judgement's fuzzy hashes act on: an operator's, everyone's; a domain admin's, the
 * mail of their domains among the message's recipients; null, none (a mailbox owner's judgement
 * teaches Bayes only — one entry acts on every copy sent to a whole domain).
 */
export type Reach = FuzzyScope | null;

export class FeedbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedbackError';
  }
}

/**
 * `source` names who judged: 'console:<user>', 'cli'; `limit`, how many unexpired fuzzy entries
 * that judge may keep (a domain admin's MAX_ENTRIES_PER_ADMIN). Past it Bayes still learns.
 */
export async function teach(db: Kysely<Database>, config: RampartConfig, msg: ParsedMessage, as: Judgement, source: string, reach: Reach = ALL_DOMAINS, limit?: number): Promise<Taught> {
  const cfg = analyzerConfig(FuzzyConfig, 'fuzzy', config.scan.analyzers.fuzzy);
  const bayes = await learn(db, msg, as === 'ham' ? 'ham' : 'spam');
  if (!reach) return { bayes, fuzzy: null };
  try {
    return { bayes, fuzzy: await addFuzzy(db, msg, { class: as, scope: reach, source, lifetimeDays: cfg.lifetime_days, minWords: cfg.min_words, ...(limit === undefined ? {} : { limit }) }) };
  } catch (err) {
    if (err instanceof FuzzyLimitError) return { bayes, fuzzy: null, refused: err.message };
    throw err;
  }
}

/** Teaches the spooled copy of the message with this queue id (messages.id). */
export async function teachSpooled(db: Kysely<Database>, config: RampartConfig, queueId: string, as: Judgement, source: string): Promise<Taught> {
  const row = await db.selectFrom('messages').select(['spool_path']).where('id', '=', queueId).executeTakeFirst();
  if (!row) throw new FeedbackError(`no message with id ${queueId}`);
  let raw: Buffer;
  try {
    raw = await readFile(row.spool_path);
  } catch (err) {
    throw new FeedbackError(`message ${queueId}: spooled file ${row.spool_path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return teach(db, config, await parseMessage(raw, undefined, queueId), as, source);
}
