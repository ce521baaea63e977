// The console's feedback as fuzzy hashes: report-as-spam adds a spam entry, release-and-learn a ham
// entry, with the configured lifetime and minimum length; and the hourly deletion of expired entries.
import type { Kysely } from 'kysely';
import type { RampartConfig } from '../../../config/schema.js';
import { analyzerConfig } from '../../../files/config.js';
import type { Database } from '../../../store/schema.js';
import type { ParsedMessage } from '../../types.js';
import { FuzzyConfig } from './index.js';
import { addFuzzy, expireFuzzy, type AddResult } from './store.js';
import type { Logger } from '../../../log.js';
import { startPeriodic } from '../../../periodic.js';

export function learnFuzzy(db: Kysely<Database>, config: RampartConfig, msg: ParsedMessage, as: 'spam' | 'ham', source: string): Promise<AddResult> {
  const cfg = analyzerConfig(FuzzyConfig, 'fuzzy', config.scan.analyzers.fuzzy);
  return addFuzzy(db, msg, { class: as, source, lifetimeDays: cfg.lifetime_days, minWords: cfg.min_words });
}

/** The gateway's hourly job: deletes the entries past their lifetime (they already no longer match). */
export function startFuzzyExpiry(o: { db: Kysely<Database>; log: Logger }): (graceMs: number) => Promise<void> {
  return startPeriodic({
    what: 'fuzzy hash expiry',
    intervalMs: 3_600_000,
    log: o.log,
    run: async () => {
      const removed = await expireFuzzy(o.db);
      if (removed) o.log.info({ removed }, 'expired fuzzy hashes deleted');
    },
  });
}
