// A Kysely Migrator over the store's migrations, for tests that stop at one migration, write
// rows in the old shape and then go on (the store itself always migrates to the latest).
import { Migrator, sql, type Kysely } from 'kysely';
import { isPostgres } from '../../src/store/dialect.js';
import { introspectingOneSchema } from '../../src/store/schema-introspection.js';
import { migrations } from '../../src/store/migrations/index.js';

export async function migrator(db: Kysely<any>): Promise<Migrator> {
  const schema = isPostgres(db) ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  // The store's own one-schema introspection (src/store/schema-introspection.ts): Kysely's lists
  // every schema and fails when test/store/migrate-race.test.ts drops one beside it (seen here).
  return new Migrator({ db: schema ? introspectingOneSchema(db, schema) : db, provider: { getMigrations: async () => migrations }, ...(schema ? { migrationTableSchema: schema } : {}) });
}
