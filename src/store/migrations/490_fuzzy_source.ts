// An index on who made each fuzzy entry: a domain admin's report counts their unexpired entries
// first (at most MAX_ENTRIES_PER_ADMIN), in a table that may hold millions of rows.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('fuzzy_hashes_source').on('fuzzy_hashes').column('source').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('fuzzy_hashes_source').execute();
}
