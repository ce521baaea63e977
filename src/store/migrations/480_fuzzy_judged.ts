// When each fuzzy entry was last judged, and a revision that every change of an entry bumps.
// judged_at: a message matching both a ham entry and a spam or phishing one is scored as the
// latest judgement says (a domain admin's release of a copy an operator's report holds lets that
// domain's next copies through; a report after the release holds them again). revision: each
// scanning process re-reads the table when its signature changes, and a widened, narrowed or
// extended entry changes neither the count, the newest id nor the newest creation time; the
// revisions' sum does — and, compared in the update's condition, it makes each change
// conditional on the row as read.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('fuzzy_hashes').addColumn('judged_at', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('fuzzy_hashes').addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.updateTable('fuzzy_hashes').set({ judged_at: sql`created_at` }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('fuzzy_hashes').dropColumn('revision').execute();
  await db.schema.alterTable('fuzzy_hashes').dropColumn('judged_at').execute();
}
