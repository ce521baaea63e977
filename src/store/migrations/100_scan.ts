// Scan policy storage: category → action per domain (domain '*' is the global default), monitor
// mode go-live times per domain and analyzer family, and allow/block list entries.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const id = idType(db);
  await db.schema
    .createTable('scan_policies')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_prefix', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('scan_policies_domain_category', ['domain', 'category'])
    .execute();
  await db.schema
    .createTable('scan_monitors')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('scan_monitors_domain_family', ['domain', 'family'])
    .execute();
  await db.schema
    .createTable('scan_lists')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('scan_lists_entry', ['domain', 'list', 'value'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['scan_lists', 'scan_monitors', 'scan_policies']) await db.schema.dropTable(t).execute();
}
