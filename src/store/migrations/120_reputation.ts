// Reputation lists kept in the store: IP/network allow and block entries for connection
// reputation, and domain/URL block entries for URL reputation (imported with `rampart urls`).
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const id = idType(db);
  await db.schema
    .createTable('ip_list_entries')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('ip_list_entries_unique', ['network', 'list'])
    .execute();
  await db.schema
    .createTable('url_block_entries')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('url_block_entries_unique', ['kind', 'value'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('url_block_entries').execute();
  await db.schema.dropTable('ip_list_entries').execute();
}
