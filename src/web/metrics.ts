// Prometheus metrics. Trace-derived figures are computed from the database on each scrape (cheap
// grouped counts over indexed columns); other modules add their own metrics to the same registry.
import type { Kysely } from 'kysely';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { addCounts } from '../stats/hourly.js';
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
      const live = await db.selectFrom('messages').select(['category', 'action', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['category', 'action']).execute();
      const hourly = await db.selectFrom('stats_messages_hourly').select(['category', 'action', (eb) => eb.fn.sum<number>('count').as('n')]).groupBy(['category', 'action']).execute();
      // '' in the statistics, NULL in the trace: neither has a category or an action.
      const counts = addCounts(new Map<string, number>(), [...live, ...hourly].map((r) => [`${r.category || 'unscanned'}\u0000${r.action || 'none'}`, Number(r.n)] as const));
      for (const [key, n] of counts) {
        const [category, action] = key.split('\u0000');
        this.set({ category, action }, n);
      }
    },
  });
  new Gauge({
    name: 'rampart_connection_blocks',
    help: 'Connections and recipients refused, by reason (all time: the trace and the hourly statistics)',
    labelNames: ['reason'],
    registers: [registry],
    async collect() {
      this.reset();
      const live = await db.selectFrom('connection_events').select(['reason', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('reason').execute();
      const hourly = await db.selectFrom('stats_connections_hourly').select(['reason', (eb) => eb.fn.sum<number>('count').as('n')]).groupBy('reason').execute();
      const counts = addCounts(new Map<string, number>(), [...live, ...hourly].map((r) => [r.reason, Number(r.n)] as const));
      for (const [reason, n] of counts) this.set({ reason }, n);
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
