// Prometheus metrics. Trace-derived figures are computed from the database on each scrape (cheap
// grouped counts over indexed columns); other modules add their own metrics to the same registry.
import type { Kysely } from 'kysely';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { countByCategoryAndAction, countEventsByReason } from '../stats/queries.js';
import type { Database } from '../store/schema.js';

/** Creates the registry the console exposes on /metrics; pass it to other modules to add to. */
export function createMetricsRegistry(opts: { defaults?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry, prefix: 'rampart_process_' });
  return registry;
}

export function registerTraceMetrics(registry: Registry, db: Kysely<Database>, now: () => Date): void {
  new Gauge({
    name: 'rampart_messages',
    help: 'Messages by category and action (all time: the trace and the hourly statistics of records past its retention)',
    labelNames: ['category', 'action'],
    registers: [registry],
    async collect() {
      this.reset();
      // The report's own count (records and statistics alike), summed over status.
      for (const r of await countByCategoryAndAction(db, {})) this.inc({ category: r.category ?? 'unscanned', action: r.action ?? 'none' }, r.count);
    },
  });
  new Gauge({
    name: 'rampart_connection_blocks',
    help: 'Connections and recipients refused, by reason (all time: the trace and the hourly statistics)',
    labelNames: ['reason'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countEventsByReason(db, {})) this.set({ reason: r.reason }, r.count);
    },
  });
  new Gauge({
    name: 'rampart_queue_depth',
    help: 'Recipients waiting for delivery (queued or deferred) and held in quarantine',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.selectFrom('message_recipients').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('status', 'in', ['queued', 'deferred', 'held']).groupBy('status').execute();
      for (const s of ['queued', 'deferred', 'held']) this.set({ status: s }, Number(rows.find((r) => r.status === s)?.n ?? 0));
    },
  });
  new Gauge({
    name: 'rampart_queue_oldest_age_seconds',
    help: 'Age of the oldest message still waiting for delivery',
    registers: [registry],
    async collect() {
      const r = await db
        .selectFrom('message_recipients')
        .innerJoin('messages', 'messages.id', 'message_recipients.message_id')
        .select((eb) => eb.fn.min('messages.received_at').as('oldest'))
        .where('message_recipients.status', 'in', ['queued', 'deferred'])
        .executeTakeFirst();
      const oldest = r?.oldest ? Date.parse(String(r.oldest)) : NaN;
      this.set(Number.isNaN(oldest) ? 0 : Math.max(0, (now().getTime() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'rampart_delivery_attempts',
    help: 'Delivery attempts by outcome, of the messages in the trace (they go with their message past retention.trace)',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.selectFrom('delivery_attempts').select(['outcome', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('outcome').execute();
      for (const o of ['delivered', 'deferred', 'bounced']) this.set({ outcome: o }, Number(rows.find((r) => r.outcome === o)?.n ?? 0));
    },
  });
}
