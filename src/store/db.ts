// Opens the database named by the configuration (SQLite file or PostgreSQL URL) and brings its
// schema up to date. The rest of the code sees only Kysely<Database>.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import { isPostgres } from './dialect.js';
import { introspectingOneSchema } from './schema-introspection.js';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenOptions {
  url: string;
  /** Base for a relative SQLite path. */
  dataDir: string;
  /** Run pending migrations (default true). */
  migrate?: boolean;
  poolSize?: number;
}

// `pg` is loaded only when a PostgreSQL URL is opened: a SQLite deployment (and every scan worker
// thread on one) does not pay for loading it.
let pgModule: Promise<typeof import('pg').default> | null = null;
function loadPg(): Promise<typeof import('pg').default> {
  pgModule ??= import('pg').then(({ default: pg }) => {
    // PostgreSQL returns BIGINT/NUMERIC as strings; our counts and sums are safe as numbers.
    pg.types.setTypeParser(20, (v) => Number(v));
    pg.types.setTypeParser(1700, (v) => Number(v));
    return pg;
  });
  return pgModule;
}

/** Prepared statements kept per SQL text; past this many distinct texts the cache starts over. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely's SQLite driver calls prepare() for every query it runs, and better-sqlite3 compiles the
 * SQL each time. The scan path runs the same few queries for every message, so the connection keeps
 * its prepared statements by SQL text. A statement still being iterated (a streamed select) is busy
 * and cannot be reused: that caller gets a fresh one. Calls with better-sqlite3's internal extra
 * arguments (pragma()) pass straight through.
 */
export function cachePreparedStatements(db: SQLite.Database, max = STATEMENT_CACHE_SIZE): SQLite.Database {
  const prepare = db.prepare.bind(db) as (source: string, ...rest: unknown[]) => SQLite.Statement;
  const cache = new Map<string, SQLite.Statement>();
  db.prepare = ((source: string, ...rest: unknown[]) => {
    if (rest.length) return prepare(source, ...rest);
    const hit = cache.get(source);
    if (hit && !hit.busy) return hit;
    const stmt = prepare(source);
    if (!hit) {
      if (cache.size >= max) cache.clear();
      cache.set(source, stmt);
    }
    return stmt;
  }) as SQLite.Database['prepare'];
  return db;
}

// The better-sqlite3 handle behind a Kysely instance, for the few bulk reads (the Bayes model's
// load) where building a result object per row is most of the cost.
const sqliteHandles = new WeakMap<object, SQLite.Database>();

/** The SQLite connection under a Kysely instance opened by openStore, or null (PostgreSQL, a transaction). */
export function sqliteHandle(db: Kysely<any>): SQLite.Database | null {
  return sqliteHandles.get(db) ?? null;
}

export async function openStore(opts: OpenOptions): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (opts.url.startsWith('postgres://') || opts.url.startsWith('postgresql://')) {
    dialect = 'postgres';
    const pg = await loadPg();
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else if (opts.url.startsWith('sqlite:')) {
    dialect = 'sqlite';
    const rel = opts.url.slice('sqlite:'.length);
    const file = rel === ':memory:' ? rel : path.resolve(opts.dataDir, rel);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    // FULL: a committed row survives power loss, which the 250 reply promises.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachePreparedStatements(sqlite) }) });
    sqliteHandles.set(db, sqlite);
  } else {
    throw new Error(`database.url: expected sqlite:FILE or postgres://…, got ${opts.url}`);
  }
  if (opts.migrate !== false) await migrateToLatest(db);
  return { db, dialect, close: () => db.destroy() };
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  // Kysely looks for its migration tables by name in every schema unless told which one: with
  // several schemas in one PostgreSQL database (tests, tenants) it would find another schema's.
  const schema = isPostgres(db) ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s : undefined;
  const migrator = new Migrator({ db: schema ? introspectingOneSchema(db, schema) : db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}
