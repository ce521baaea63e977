// What Kysely's Migrator asks the database before it migrates — does the migration schema exist,
// do its two tables — answered from that one PostgreSQL schema. Kysely's own introspector lists
// every column of every schema to find two tables, and asks has_schema_privilege() of each
// schema by name: a schema dropped by another connection meanwhile (another tenant, another test
// run's cleanup) makes that query fail with `schema "…" does not exist` and the migration with
// it — reproduced by dropping schemas in a loop beside migrations (test/store/migrate-race.test.ts).
import { sql, type DatabaseIntrospector, type DatabaseMetadata, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

class OneSchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${this.schema}`.execute(this.db);
    return rows.map((r) => ({ name: r.name }));
  }

  /** The schema's tables and views, without columns (the Migrator reads names only). */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${this.schema} and c.relkind in ('r', 'p', 'v', 'm')`.execute(this.db);
    return rows.map((r) => ({ name: r.name, schema: this.schema, isView: r.kind === 'v' || r.kind === 'm', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/**
 * The same database handle, with `introspection` answered from one schema. Every other member is
 * the handle's own, bound to it (Kysely keeps its state in private fields, which a proxy as
 * `this` could not reach).
 */
export function introspectingOneSchema<DB>(db: Kysely<DB>, schema: string): Kysely<DB> {
  const introspection = new OneSchemaIntrospector(db, schema);
  return new Proxy(db, {
    get(target, key) {
      if (key === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
