// What the trace's retention costs (retention.trace, src/stats/retention.ts): 100,000 settled
// message records (one or two recipients and a delivery attempt each, over 20 domains and 10 days)
// and 20,000 connection refusals, all past the retention, rolled up and deleted in one run — the
// first prune on a database that has been running without one. Measured: the run's time; the
// longest wait of an insert due every 5 ms meanwhile (what the SMTP group commit
// would feel: on SQLite a batch's transaction holds the one write lock); and the report over the
// whole period before (from the records) and after (from the statistics), which must be equal.
//   node --import tsx bench/trace-prune.ts [sqlite:FILE | postgres://…]   (default: a temp SQLite file)
// A PostgreSQL database given here is emptied of messages and connection events first: use a scratch one.
import assert from 'node:assert/strict';
import { buildReport } from '../src/stats/report.js';
import { pruneTrace } from '../src/stats/retention.js';
import { scratchTrace, secondsSince } from './scratch-trace.js';

const MESSAGES = 100_000;
const EVENTS = 20_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const SPAN = 10 * 86_400_000;
const CATEGORIES = ['clean', 'clean', 'clean', 'graymail', 'spam', 'phishing', 'malware'];

async function main(): Promise<void> {
  const scratch = await scratchTrace(process.argv[2], 'trace-prune');
  const seconds = secondsSince;
  try {
    const db = scratch.db;
    const ids = scratch.domainIds;
    let t = performance.now();
    for (let i = 0; i < MESSAGES; i += 500) {
      const batch = Array.from({ length: 500 }, (_, j) => i + j);
      const at = (n: number) => new Date(START + Math.floor((n * SPAN) / MESSAGES)).toISOString();
      const status = (n: number) => (n % 10 === 0 ? 'rejected' : n % 17 === 0 ? 'bounced' : 'delivered') as 'delivered';
      await db
        .insertInto('messages')
        .values(batch.map((n) => ({ id: `P${String(n).padStart(7, '0')}`, received_at: at(n), node: 'n1', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: 's@x.test', message_id: null, subject: null, size: 2000, spool_path: '', status: status(n), category: CATEGORIES[n % CATEGORIES.length]!, score: 1, action: 'deliver', symbols: '[{"name":"BAYES_HAM","score":-3}]', would_action: null, would_category: null })))
        .execute();
      const rcpts = batch.flatMap((n) => (n % 5 === 0 ? [n % 20, (n + 7) % 20] : [n % 20]).map((d) => ({ message_id: `P${String(n).padStart(7, '0')}`, address: `u${n % 300}@d${d}.bench.test`, domain_id: ids[d]!, status: 'delivered' as const, attempts: 1, next_attempt_at: null, last_reply: '250 ok', updated_at: at(n) })));
      await db.insertInto('message_recipients').values(rcpts).execute();
      await db.insertInto('delivery_attempts').values(batch.map((n) => ({ message_id: `P${String(n).padStart(7, '0')}`, recipient: `u${n % 300}@d${n % 20}.bench.test`, at: at(n), host: 'mx.bench.test', outcome: 'delivered' as const, reply: '250 ok' }))).execute();
    }
    for (let i = 0; i < EVENTS; i += 1000) {
      await db
        .insertInto('connection_events')
        .values(Array.from({ length: 1000 }, (_, j) => ({ at: new Date(START + Math.floor(((i + j) * SPAN) / EVENTS)).toISOString(), client_ip: '203.0.113.9', helo: null, stage: 'rcpt' as const, reason: (i + j) % 3 ? 'unknown_recipient' : 'dnsbl', detail: null, domain: (i + j) % 4 ? `d${(i + j) % 20}.bench.test` : null })))
        .execute();
    }
    console.log(`wrote ${MESSAGES.toLocaleString('en-US')} message records and ${EVENTS.toLocaleString('en-US')} refusals in ${seconds(t)}`);

    const period = { since: new Date(START), until: new Date(START + SPAN) };
    t = performance.now();
    const before = await buildReport(db, period);
    const beforeDomain = await buildReport(db, { ...period, domain: 'd3.bench.test' });
    console.log(`report over the period, all domains and one, from the records: ${seconds(t)}`);

    // An insert due every 5 ms during the prune, as the SMTP group commit would write: its wait runs
    // from when it was due (the timer may fire late while a batch holds the event loop) to its commit.
    let n = 0;
    let worst = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const due = performance.now() + 5;
        await new Promise((r) => setTimeout(r, 5));
        await db.insertInto('connection_events').values({ at: new Date().toISOString(), client_ip: '198.51.100.1', helo: null, stage: 'connect', reason: 'probe', detail: null, domain: null }).execute();
        worst = Math.max(worst, performance.now() - due);
        n++;
      }
    })();
    t = performance.now();
    const r = await pruneTrace(db, { retentionMs: 86_400_000 });
    const took = performance.now() - t;
    stop = true;
    await writer;
    console.log(`prune: ${r.messages.toLocaleString('en-US')} records and ${r.connections.toLocaleString('en-US')} refusals in ${(took / 1000).toFixed(2)} s (${Math.round((r.messages + r.connections) / (took / 1000)).toLocaleString('en-US')} records/s); ${n} inserts due every 5 ms meanwhile, the longest waited ${worst.toFixed(0)} ms from due to committed`);
    assert.equal(r.messages, MESSAGES);
    const rows = await db.selectFrom('stats_messages_hourly').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(`hourly statistics: ${Number(rows.n).toLocaleString('en-US')} message rows for 240 hours`);

    t = performance.now();
    const after = await buildReport(db, period);
    const afterDomain = await buildReport(db, { ...period, domain: 'd3.bench.test' });
    console.log(`the same reports from the statistics: ${seconds(t)}`);
    const same = (x: typeof before, y: typeof before) => assert.deepEqual({ ...x, rolledUp: null }, { ...y, rolledUp: null });
    same(before, after);
    same(beforeDomain, afterDomain);
    console.log('figures identical before and after');
  } finally {
    await scratch.close();
  }
}

void main();
