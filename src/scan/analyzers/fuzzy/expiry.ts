// The gateway's hourly deletion of fuzzy hashes past their lifetime (they already no longer match:
// the index skips them; this keeps the table from growing without end).
import type { Kysely } from 'kysely';
import type { Logger } from '../../../log.js';
import { startPeriodic } from '../../../periodic.js';
import type { Database } from '../../../store/schema.js';
import { expireFuzzy } from './store.js';

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
