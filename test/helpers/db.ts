// Runs a storage test against both databases: a fresh SQLite file and a fresh PostgreSQL schema.
// PostgreSQL is skipped only when it cannot be reached, and then loudly.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.js';
import { tempDir } from './tmp.js';

export const PG_BASE_URL = process.env.RAMPART_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<boolean> | undefined;

export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_BASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      process.stderr.write(`\n*** PostgreSQL at ${PG_BASE_URL} is NOT reachable (${(err as Error).message}): PostgreSQL storage tests are SKIPPED ***\n\n`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

/** Creates an empty schema and returns a URL whose connections use it. */
export async function freshPostgresUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const sep = PG_BASE_URL.includes('?') ? '&' : '?';
  const url = `${PG_BASE_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_BASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** database.url for a configuration, and the data dir it is relative to. */
  url: string;
  dataDir: string;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function sqliteDatabase(): Promise<TestDatabase> {
  const dataDir = tempDir();
  const url = 'sqlite:rampart.db';
  return { name: 'sqlite', url, dataDir, open: () => openStore({ url, dataDir }), cleanup: async () => {} };
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const dataDir = tempDir();
  const { url, drop } = await freshPostgresUrl();
  return { name: 'postgres', url, dataDir, open: () => openStore({ url, dataDir }), cleanup: drop };
}

/**
 * The databases a storage test must run against. Use as:
 *   for (const kind of DATABASES) describe(kind, () => { … await makeDatabase(kind) … })
 */
export const DATABASES = ['sqlite', 'postgres'] as const;

/** Returns the test database, or null (with a loud notice) when PostgreSQL is unreachable. */
export async function makeDatabase(kind: (typeof DATABASES)[number]): Promise<TestDatabase | null> {
  if (kind === 'sqlite') return sqliteDatabase();
  if (!(await postgresReachable())) return null;
  return postgresDatabase();
}

/**
 * Registers the suite's hooks: before, a fresh database of this kind, opened and seeded; after, closed
 * and dropped. `store` stays null when PostgreSQL is unreachable (the tests skip).
 */
export function useStore(kind: (typeof DATABASES)[number], seed?: (store: Store) => Promise<void>): { readonly store: Store | null } {
  const ref: { store: Store | null } = { store: null };
  let tdb: TestDatabase | null = null;
  before(async () => {
    tdb = await makeDatabase(kind);
    if (!tdb) return;
    ref.store = await tdb.open();
    await seed?.(ref.store);
  });
  after(async () => {
    await ref.store?.close();
    await tdb?.cleanup();
  });
  return ref;
}
