// Bayes model shared by every node: token counts, the messages already learned (so learning is
// idempotent and relearning flips the class) and one row of totals with a version counter that
// workers poll to refresh their cached copy incrementally.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bayes_tokens')
    // 53-bit token hash: fits a JS number exactly, BIGINT in PostgreSQL, INTEGER in SQLite.
    .addColumn('token', 'bigint', (c) => c.primaryKey())
    .addColumn('spam', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ham', 'integer', (c) => c.notNull().defaultTo(0))
    // Model version of the last change: workers fetch only rows newer than their copy.
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bayes_tokens_version').on('bayes_tokens').column('version').execute();
  await db.schema
    .createTable('bayes_learned')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('learned_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('bayes_meta')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('spam_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ham_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.insertInto('bayes_meta').values({ id: 1, spam_count: 0, ham_count: 0, version: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('bayes_meta').execute();
  await db.schema.dropTable('bayes_learned').execute();
  await db.schema.dropTable('bayes_tokens').execute();
}
