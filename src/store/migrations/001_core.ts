// Core schema: protected domains, routes, recipients, the message trace, per-recipient delivery
// state, delivery attempts and connection-level blocks.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const id = idType(db);
  await db.schema
    .createTable('domains')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('catch_all', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('routes')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('domains.id').onDelete('cascade'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull().defaultTo(25))
    .addColumn('preference', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('tls', 'text', (c) => c.notNull().defaultTo('opportunistic'))
    .addColumn('tls_verify', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('routes_domain').on('routes').column('domain_id').execute();
  await db.schema
    .createTable('recipients')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('domains.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('mailbox'))
    .addColumn('target', 'text')
    .execute();
  await db.schema.createIndex('recipients_domain').on('recipients').column('domain_id').execute();
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('client_hostname', 'text')
    .addColumn('helo', 'text')
    .addColumn('tls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('subject', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('spool_path', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('score', 'real')
    .addColumn('action', 'text')
    .addColumn('symbols', 'text')
    .addColumn('would_action', 'text')
    .addColumn('would_category', 'text')
    .execute();
  await db.schema.createIndex('messages_received').on('messages').column('received_at').execute();
  await db.schema.createIndex('messages_status').on('messages').columns(['status', 'received_at']).execute();
  await db.schema.createIndex('messages_category').on('messages').columns(['category', 'received_at']).execute();
  await db.schema.createIndex('messages_mid').on('messages').column('message_id').execute();
  await db.schema
    .createTable('message_recipients')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_reply', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mrcpt_message').on('message_recipients').column('message_id').execute();
  await db.schema.createIndex('mrcpt_due').on('message_recipients').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('mrcpt_address').on('message_recipients').column('address').execute();
  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('host', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reply', 'text')
    .execute();
  await db.schema.createIndex('attempts_message').on('delivery_attempts').column('message_id').execute();
  await db.schema
    .createTable('connection_events')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('helo', 'text')
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('domain', 'text')
    .execute();
  await db.schema.createIndex('conn_events_at').on('connection_events').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['connection_events', 'delivery_attempts', 'message_recipients', 'messages', 'recipients', 'routes', 'domains']) {
    await db.schema.dropTable(t).execute();
  }
}
