// Migration programme: programme domains (linked to protected domains), their IT contacts, state
// history, waves, notices (tracked through the spool's message_recipients rows), escalations and
// readiness check results.
import type { Kysely } from 'kysely';
import { idType } from '../dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const id = idType(db);
  await db.schema
    .createTable('mig_waves')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('daily_capacity', 'integer', (c) => c.notNull())
    .addColumn('blackout', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('mig_domains')
    .addColumn('domain_id', 'integer', (c) => c.primaryKey().references('domains.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('wave_id', 'integer', (c) => c.references('mig_waves.id').onDelete('set null'))
    .addColumn('pinned_wave_id', 'integer', (c) => c.references('mig_waves.id').onDelete('set null'))
    .addColumn('migration_date', 'text')
    .addColumn('hold_override', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('held_back_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mig_domains_date').on('mig_domains').column('migration_date').execute();
  await db.schema
    .createTable('mig_contacts')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('mig_domains.domain_id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('mig_contacts_domain_address', ['domain_id', 'address'])
    .execute();
  await db.schema
    .createTable('mig_transitions')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('mig_domains.domain_id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mig_transitions_domain').on('mig_transitions').column('domain_id').execute();
  await db.schema
    .createTable('mig_notices')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('mig_domains.domain_id').onDelete('cascade'))
    .addColumn('contact_id', 'integer', (c) => c.notNull().references('mig_contacts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('for_date', 'text', (c) => c.notNull())
    .addColumn('reminder_offset', 'integer')
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('recipient_row_id', 'integer')
    .addColumn('ack_nonce', 'text', (c) => c.notNull().unique())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('ack_at', 'text')
    .addColumn('ack_via', 'text')
    .execute();
  await db.schema.createIndex('mig_notices_domain').on('mig_notices').columns(['domain_id', 'for_date']).execute();
  await db.schema
    .createTable('mig_escalations')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('domains', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('mig_escalations_day_target', ['day', 'target'])
    .execute();
  await db.schema
    .createTable('mig_checks')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('domain_id', 'integer', (c) => c.notNull().references('mig_domains.domain_id').onDelete('cascade'))
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('mig_checks_domain').on('mig_checks').columns(['domain_id', 'check_name', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['mig_checks', 'mig_escalations', 'mig_notices', 'mig_transitions', 'mig_contacts', 'mig_domains', 'mig_waves']) {
    await db.schema.dropTable(t).execute();
  }
}
