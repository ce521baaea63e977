// A fuzzy hash's scope: the domains whose mail it acts on. An operator's entry acts on every
// domain's mail ('*'); a domain admin's judgement, on the mail of the domains they look after
// (their names, sorted, comma-separated) — one department's release-as-ham must not let a campaign
// through to every other department.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('fuzzy_hashes').addColumn('scope', 'text', (c) => c.notNull().defaultTo('*')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('fuzzy_hashes').dropColumn('scope').execute();
}
