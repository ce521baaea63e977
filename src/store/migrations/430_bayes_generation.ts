// Pruning the Bayes model (src/scan/analyzers/bayes/prune.ts) deletes token rows, which a
// scanner's incremental refresh — the rows changed since its copy's version — cannot see. The
// generation counts prunes: a scanner whose copy is of an older generation loads the model again
// from scratch, and a snapshot is used only by a loader of its own generation.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bayes_meta').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('bayes_snapshot').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bayes_snapshot').dropColumn('generation').execute();
  await db.schema.alterTable('bayes_meta').dropColumn('generation').execute();
}
