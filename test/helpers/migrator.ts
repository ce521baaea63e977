// The store's migrations stopped at one of them, for tests that write rows in the old shape and
// then go on (the store itself always migrates to the latest).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../../src/store/db.js';
import { isPostgres } from '../../src/store/dialect.js';
import { introspectingOneSchema } from '../../src/store/schema-introspection.js';
import { migrations } from '../../src/store/migrations/index.js';
import { type DATABASES, makeDatabase } from './db.js';

export async function migrator(db: Kysely<any>): Promise<Migrator> {
  const schema = isPostgres(db) ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  // The store's own one-schema introspection (src/store/schema-introspection.ts): Kysely's lists
  // every schema and fails when test/store/migrate-race.test.ts drops one beside it (seen here).
  return new Migrator({ db: schema ? introspectingOneSchema(db, schema) : db, provider: { getMigrations: async () => migrations }, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/**
 * Runs fn on a new database of this kind migrated up to `name` and no further, then closes and
 * drops it; skips the test when PostgreSQL is unreachable.
 */
export async function atMigration(t: TestContext, kind: (typeof DATABASES)[number], name: string, fn: (db: Kysely<any>, m: Migrator, store: Store) => Promise<void>): Promise<void> {
  const tdb = await makeDatabase(kind);
  if (!tdb) return t.skip('PostgreSQL unreachable');
  const store = await openStore({ url: tdb.url, dataDir: tdb.dataDir, migrate: false });
  const db = store.db as unknown as Kysely<any>;
  try {
    const m = await migrator(db);
    assert.equal((await m.migrateTo(name)).error, undefined);
    await fn(db, m, store);
  } finally {
    await store.close();
    await tdb.cleanup();
  }
}
