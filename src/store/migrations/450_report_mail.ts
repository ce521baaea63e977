// The programme report by mail (src/stats/report-mail.ts): one row per period mailed, keyed by the
// period's end, so that of several nodes exactly the one whose insert succeeds sends it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_mail_runs')
    .addColumn('period_until', 'text', (c) => c.primaryKey())
    .addColumn('period_since', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('report_mail_runs').execute();
}
