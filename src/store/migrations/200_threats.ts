// Threat lists: known-bad file hashes (imported) and each protected domain's high-profile users
// (executives, finance, service desk) whose names impostors borrow.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('threat_hashes')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('vip_users')
    .addColumn('id', idType(db), (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('vip_users_domain_address', ['domain', 'address'])
    .execute();
  await db.schema.createIndex('vip_users_domain').on('vip_users').column('domain').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('vip_users').execute();
  await db.schema.dropTable('threat_hashes').execute();
}
