// Console schema: accounts and their domains, sessions, the audit log, digest bookkeeping, and the
// indexes that keep the message trace fast (keyset pages, per-domain scoping) at a million rows.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const id = idType(db);
  await db.schema
    .createTable('users')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('mailbox', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('user_domains')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('domains.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_domains_pk', ['user_id', 'domain_id'])
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_log')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('detail', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('audit_at').on('audit_log').column('at').execute();
  await db.schema
    .createTable('digest_state')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('last_sent_at', 'text', (c) => c.notNull())
    .execute();
  // Keyset pagination walks (received_at, id) backwards; scoping joins recipients by domain/address.
  await db.schema.createIndex('messages_received_id').on('messages').columns(['received_at', 'id']).execute();
  await db.schema.createIndex('messages_from').on('messages').columns(['mail_from', 'received_at']).execute();
  await db.schema.createIndex('messages_client_ip').on('messages').columns(['client_ip', 'received_at']).execute();
  await db.schema.createIndex('mrcpt_domain_message').on('message_recipients').columns(['domain_id', 'message_id']).execute();
  await db.schema.createIndex('conn_events_domain_at').on('connection_events').columns(['domain', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['messages_received_id', 'messages_from', 'messages_client_ip', 'mrcpt_domain_message', 'conn_events_domain_at']) await db.schema.dropIndex(i).execute();
  for (const t of ['digest_state', 'audit_log', 'sessions', 'user_domains', 'users']) await db.schema.dropTable(t).execute();
}
