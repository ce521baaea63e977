// Keeping the Bayes model to a size: learning only ever adds tokens, and every scanning process
// holds the whole model in memory (and the snapshot blob holds it once more), so years of training
// and feedback would grow it without bound. Past `max_tokens` the least telling tokens go — those
// seen in the fewest messages, the least recently changed first (SpamAssassin's bayes_expiry and
// bogofilter's count-and-age pruning keep the same kind) — down to 90 % of it, so that the next
// prune is not due after the next learn. The rows are deleted, the snapshot with them, and the
// generation bumped: every scanner's copy then loads again (model.ts), as the incremental refresh
// cannot see deleted rows.
import { sql, type Kysely } from 'kysely';
import { analyzerConfig } from '../../../files/config.js';
import type { Logger } from '../../../log.js';
import { startPeriodic } from '../../../periodic.js';
import { inTransaction } from '../../../store/dialect.js';
import type { Database } from '../../../store/schema.js';
import { BayesConfig } from './index.js';
import { tokenRowCount } from './model.js';

export interface PruneResult {
  /** Token rows before the prune. */
  tokens: number;
  /** Rows deleted (0 when the model is within max_tokens). */
  removed: number;
}

/** What a prune keeps of max_tokens. */
export const PRUNE_TO = 0.9;

// Tokens per DELETE: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 1000;

/** Prunes the model to PRUNE_TO × maxTokens when it holds more than maxTokens rows (0: no limit). */
export async function pruneModel(db: Kysely<Database>, maxTokens: number): Promise<PruneResult> {
  const tokens = await tokenRowCount(db);
  if (maxTokens <= 0 || tokens <= maxTokens) return { tokens, removed: 0 };
  return inTransaction(db, async (trx) => {
    // The meta row's lock first, as learnBatch takes it: learners and prunes serialise here, and
    // of two nodes that found the model too big at once the second finds it pruned.
    await trx.updateTable('bayes_meta').set({ version: sql`version` }).where('id', '=', 1).execute();
    const now = await tokenRowCount(trx);
    if (now <= maxTokens) return { tokens: now, removed: 0 };
    // A new version as well as a new generation: a scan pool's workers take a new table on a new
    // version (shared.ts).
    await trx
      .updateTable('bayes_meta')
      .set({ version: sql`version + 1`, generation: sql`generation + 1` })
      .where('id', '=', 1)
      .execute();
    const victims = await trx
      .selectFrom('bayes_tokens')
      .select('token')
      .orderBy(sql`spam + ham`)
      .orderBy('version')
      .orderBy('token')
      .limit(Math.max(0, now - Math.floor(maxTokens * PRUNE_TO)))
      .execute();
    for (let i = 0; i < victims.length; i += CHUNK) {
      await trx
        .deleteFrom('bayes_tokens')
        .where('token', 'in', victims.slice(i, i + CHUNK).map((v) => v.token))
        .execute();
    }
    // The blob holds the deleted tokens: the next first load reads the rows and writes a new one.
    await trx.deleteFrom('bayes_snapshot').execute();
    return { tokens: now, removed: victims.length };
  });
}

/**
 * The gateway's job: a prune at start and every hour when the model is past max_tokens (in a
 * cluster every node checks; the first to find the model too big prunes it, the others then find
 * it within bounds).
 */
export function startBayesPrune(o: { db: Kysely<Database>; section: Record<string, unknown> | undefined; log: Logger }): (graceMs: number) => Promise<void> {
  const { max_tokens: maxTokens } = analyzerConfig(BayesConfig, 'bayes', o.section);
  if (maxTokens <= 0) return async () => {};
  return startPeriodic({
    what: 'Bayes prune',
    intervalMs: 3_600_000,
    log: o.log,
    run: async () => {
      const r = await pruneModel(o.db, maxTokens);
      if (r.removed) o.log.info({ tokens: r.tokens, removed: r.removed, max_tokens: maxTokens }, 'Bayes model pruned');
    },
  });
}
