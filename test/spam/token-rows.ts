// Token rows written straight into the store, as learning would write them: for tests of the
// model's loading, refreshing and sharing that need many rows or exact counts.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

/** The i-th test token (spread over the hash range, never 0). */
export const tokenAt = (i: number) => i * 7919 + 1;

/** Writes rows for tokens [from, to) with the given counts, and those totals, at a new model version; returns it. */
export async function writeTokens(db: Kysely<Database>, from: number, to: number, spam: number, ham: number): Promise<number> {
  const meta = await db.updateTable('bayes_meta').set((eb) => ({ version: eb('version', '+', 1), spam_count: spam, ham_count: ham })).where('id', '=', 1).returning('version').executeTakeFirstOrThrow();
  const version = Number(meta.version);
  for (let i = from; i < to; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, to - i) }, (_, k) => ({ token: tokenAt(i + k), spam, ham, version }));
    await db
      .insertInto('bayes_tokens')
      .values(rows)
      .onConflict((oc) => oc.column('token').doUpdateSet((eb) => ({ spam: eb.ref('excluded.spam'), ham: eb.ref('excluded.ham'), version: eb.ref('excluded.version') })))
      .execute();
  }
  return version;
}
