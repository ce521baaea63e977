// Small helpers for the few places where SQLite and PostgreSQL differ in DDL.
import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-increment integer primary key in either dialect. */
export function idType(db: Kysely<any>): 'serial' | 'integer' {
  return isPostgres(db) ? 'serial' : 'integer';
}

export function nowIso(d: Date = new Date()): string {
  return d.toISOString();
}

/** Runs fn in a transaction, joining the caller's when db already is one (Kysely cannot nest). */
export async function inTransaction<DB, T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** A string for LIKE … ESCAPE that matches itself: the wildcards and the escape character escaped. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `list` — an SQL expression giving a comma-separated list wrapped in commas (',a,b,') — holds one
 * of these names; none: false. Domain names may hold '_', a LIKE wildcard: escaped.
 */
export function commaListHasAny(list: RawBuilder<string>, names: readonly string[]): RawBuilder<boolean> {
  if (!names.length) return sql<boolean>`1 = 0`;
  const likes = names.map((n) => sql<boolean>`${list} like ${`%,${escapeLike(n)},%`} escape '\\'`);
  return sql<boolean>`(${sql.join(likes, sql` or `)})`;
}
