// The Bayes model as one blob: a scanner's first load reads it and then only the token rows
// changed since, instead of a few hundred thousand rows (src/scan/analyzers/bayes/snapshot.ts).
import type { Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bayes_snapshot')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    // The model version the blob holds: every token row of this version or older is in it.
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('spam_count', 'integer', (c) => c.notNull())
    .addColumn('ham_count', 'integer', (c) => c.notNull())
    .addColumn('tokens', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bayes_snapshot').execute();
}
