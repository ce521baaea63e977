// Delivery claims: which engine is delivering a recipient right now, so two loops (or a restarted
// process) never deliver the same recipient at once and a dead engine's work can be taken back.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('message_recipients').addColumn('claimed_by', 'text').execute();
  await db.schema.createIndex('mrcpt_claimed').on('message_recipients').column('claimed_by').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('mrcpt_claimed').execute();
  await db.schema.alterTable('message_recipients').dropColumn('claimed_by').execute();
}
