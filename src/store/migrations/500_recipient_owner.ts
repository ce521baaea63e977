// The mailbox each recipient address belongs to: the address without its +tag (kim+news@… → kim@…),
// so that a mailbox owner's view of the trace and the quarantine finds the mail of their
// sub-addresses with an index lookup (a prefix match is none on every database's collation).
// Rows recorded before this migration keep it empty and are found by their address alone.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('message_recipients').addColumn('owner', 'text').execute();
  await db.schema.createIndex('mrcpt_owner').on('message_recipients').column('owner').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('mrcpt_owner').execute();
  await db.schema.alterTable('message_recipients').dropColumn('owner').execute();
}
