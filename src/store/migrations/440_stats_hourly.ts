// Hourly statistics: what the report needs of a message record or a connection refusal once the
// record itself is past `retention.trace` and deleted (src/stats/retention.ts). One row per hour
// and distinct combination, with a count. Text columns hold '' for "none", so that the composite
// primary key (NULLs are never equal) can take the upserts that add to a row.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stats_messages_hourly')
    // The hour's start as an ISO time (2026-11-01T08:00:00.000Z), comparable with received_at.
    .addColumn('hour', 'text', (c) => c.notNull())
    // The message's recipient domains, sorted and comma-wrapped (',a.test,b.test,'), '' for none:
    // every message is in one row, so a report over several domains counts it once.
    .addColumn('domains', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('would_action', 'text', (c) => c.notNull())
    .addColumn('would_category', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_messages_hourly_pk', ['hour', 'domains', 'status', 'category', 'action', 'would_action', 'would_category'])
    .execute();
  await db.schema
    .createTable('stats_connections_hourly')
    .addColumn('hour', 'text', (c) => c.notNull())
    // The refused recipient's domain, '' when the refusal came before a recipient was known.
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_connections_hourly_pk', ['hour', 'domain', 'reason'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stats_connections_hourly').execute();
  await db.schema.dropTable('stats_messages_hourly').execute();
}
