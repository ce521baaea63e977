// The programme report from seeded verdict rows, on SQLite and PostgreSQL: totals, the ten
// categories with labels and thousands separators, blocked reasons, monitor mode, per domain
// and per period, and the grouping queries the console reuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { Directory } from '../../src/directory/repository.js';
import { buildBreakdown, formatBreakdown } from '../../src/stats/breakdown.js';
import { buildReport, formatReport } from '../../src/stats/report.js';
import { countByDomain, countByPeriod } from '../../src/stats/queries.js';
import type { Database } from '../../src/store/schema.js';
import { DATABASES, useStore } from '../helpers/db.js';

const SINCE = new Date('2026-11-01T00:00:00Z');
const UNTIL = new Date('2026-12-01T00:00:00Z');

async function seed(db: Kysely<Database>): Promise<void> {
  const dir = new Directory(db);
  await dir.addDomain('a.test');
  await dir.addDomain('b.test');
  for (const r of ['u1@a.test', 'u2@a.test', 'u3@a.test', 'v1@b.test', 'v2@b.test']) await dir.addRecipient(r);
  const ids = Object.fromEntries((await db.selectFrom('domains').select(['id', 'name']).execute()).map((d) => [d.name, d.id]));
  let seq = 0;
  const msgs: { at: string; status: string; category: string | null; action: string | null; domains: string[]; would: [string, string] | null }[] = [];
  const add = (at: string, status: string, category: string | null, action: string | null, domains: string[], would: [string, string] | null = null) =>
    msgs.push({ at, status, category, action, domains, would });
  add('2026-11-10T10:15:00Z', 'queued', 'clean', 'deliver', ['a.test']);
  add('2026-11-10T10:20:00Z', 'delivered', 'graymail', 'deliver', ['a.test']);
  add('2026-11-10T11:00:00Z', 'queued', 'spam', 'tag', ['b.test']);
  add('2026-11-11T09:00:00Z', 'rejected', 'malware', 'reject', ['a.test']);
  add('2026-11-11T09:30:00Z', 'quarantined', 'phishing', 'quarantine', ['b.test']);
  add('2026-11-12T00:00:00Z', 'queued', 'clean', 'deliver', ['a.test', 'b.test'], ['reject', 'malware']);
  add('2026-11-12T01:00:00Z', 'queued', null, null, ['a.test']);
  add('2026-10-31T23:59:59Z', 'delivered', 'clean', 'deliver', ['a.test']);
  for (let i = 0; i < 1200; i++) add(`2026-11-20T12:${String(i % 60).padStart(2, '0')}:00Z`, 'delivered', 'clean', 'deliver', ['a.test']);
  for (let i = 0; i < msgs.length; i += 200) {
    const chunk = msgs.slice(i, i + 200).map((m) => ({ ...m, id: `M${String(++seq).padStart(6, '0')}` }));
    await db
      .insertInto('messages')
      .values(chunk.map((m) => ({ id: m.id, received_at: new Date(m.at).toISOString(), node: 'n1', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: 's@x.test', message_id: null, subject: null, size: 100, spool_path: '', status: m.status as 'queued', category: m.category, score: 0, action: m.action, symbols: '[]', would_action: m.would?.[0] ?? null, would_category: m.would?.[1] ?? null })))
      .execute();
    await db
      .insertInto('message_recipients')
      .values(chunk.flatMap((m) => m.domains.map((d) => ({ message_id: m.id, address: `u@${d}`, domain_id: ids[d]!, status: 'queued' as const, attempts: 0, next_attempt_at: null, last_reply: null, updated_at: m.at }))))
      .execute();
  }
  await db
    .insertInto('connection_events')
    .values([
      { at: '2026-11-10T08:00:00.000Z', client_ip: '203.0.113.5', helo: null, stage: 'connect', reason: 'dnsbl', detail: 'zen', domain: 'a.test' },
      { at: '2026-11-10T08:01:00.000Z', client_ip: '203.0.113.5', helo: null, stage: 'rcpt', reason: 'dnsbl', detail: 'zen', domain: 'a.test' },
      { at: '2026-11-10T08:02:00.000Z', client_ip: '203.0.113.6', helo: null, stage: 'rcpt', reason: 'relay_denied', detail: null, domain: null },
    ])
    .execute();
}

for (const kind of DATABASES) {
  describe(`programme report (${kind})`, () => {
    const s = useStore(kind, (store) => seed(store.db));

    it('prints the whole gateway for a period in the programme format', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const store = s.store;
      const r = await buildReport(store.db, { since: SINCE, until: UNTIL });
      assert.equal(r.scanned, 1210);
      assert.equal(r.blocked.total, 4);
      assert.equal(r.delivered.total, 1206);
      assert.equal(r.delivered.byCategory.clean, 1202);
      assert.equal(formatReport(r), [
        'All domains, from 2026-11-01T00:00:00.000Z, until 2026-12-01T00:00:00.000Z:',
        'Scanned 1,210 messages for 5 email addresses.',
        'Blocked 4 (malicious, refused at connection or at the end of data).',
        'Delivered 1,206:',
        '  clean 1,202 · graymail (bulk newsletters) 1 · potential spam 1 · failed domain-based authentication 0 · low URL reputation 0 · potential BEC 0 · potential malware 0 · potential phishing 1 · potential advanced persistent threats 0 · other potential threats 0',
        '  (1 accepted without a scan verdict)',
        '  of which quarantined: 1',
        'Blocked by reason: dnsbl 2 · end of data: potential malware 1 · relay_denied 1',
        'Monitor mode: 1 messages scanned before go-live; 1 would have been handled differently (reject 1).',
        '',
      ].join('\n'));
    });

    it('reports one domain', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const store = s.store;
      const a = await buildReport(store.db, { domain: 'a.test', since: SINCE, until: UNTIL });
      assert.equal(a.addresses, 3);
      assert.equal(a.scanned, 1207);
      assert.equal(a.blocked.atConnection, 2);
      assert.equal(a.blocked.atData, 1);
      assert.equal(a.delivered.byCategory.graymail, 1);
      assert.equal(a.delivered.byCategory.spam, 0);
      const b = await buildReport(store.db, { domain: 'b.test' });
      assert.equal(b.scanned, 3);
      assert.deepEqual([b.delivered.byCategory.spam, b.delivered.byCategory.phishing, b.delivered.byCategory.clean], [1, 1, 1]);
      const all = await buildReport(store.db, {});
      assert.equal(all.scanned, 1211, 'without a period the October message counts too');
    });

    it('groups per hour and per domain', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const store = s.store;
      const hours = await countByPeriod(store.db, { since: SINCE, until: new Date('2026-11-11T00:00:00Z') });
      assert.deepEqual(hours, [
        { period: '2026-11-10T10', category: 'clean', count: 1 },
        { period: '2026-11-10T10', category: 'graymail', count: 1 },
        { period: '2026-11-10T11', category: 'spam', count: 1 },
      ]);
      const byDomain = await countByDomain(store.db, { since: SINCE, until: UNTIL });
      const get = (d: string, c: string) => byDomain.find((r) => r.domain === d && r.category === c)?.count;
      assert.equal(get('a.test', 'clean'), 1202);
      assert.equal(get('b.test', 'clean'), 1);
      assert.equal(get('b.test', 'phishing'), 1);
    });

    it('breaks the counts down by day, hour, domain and action', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const db = s.store.db;
      const days = await buildBreakdown(db, { since: SINCE, until: new Date('2026-11-13T00:00:00Z') }, 'day');
      assert.equal(formatBreakdown(days), [
        'day         total  clean  graymail  spam  malware  phishing  unscanned',
        '2026-11-10      3      1         1     1        0         0          0',
        '2026-11-11      2      0         0     0        1         1          0',
        '2026-11-12      2      1         0     0        0         0          1',
        '',
      ].join('\n'));
      const hours = await buildBreakdown(db, { since: SINCE, until: new Date('2026-11-11T00:00:00Z') }, 'hour');
      assert.deepEqual(hours.rows.map((r) => [r.key, r.total]), [['2026-11-10T10', 2], ['2026-11-10T11', 1]]);
      const domains = await buildBreakdown(db, { since: SINCE, until: UNTIL }, 'domain');
      assert.deepEqual(domains.rows.map((r) => [r.key, r.total, r.counts.clean, r.counts.unscanned]), [['a.test', 1205, 1202, 1], ['b.test', 3, 1, 0]]);
      assert.deepEqual((await buildBreakdown(db, { domain: 'B.test', since: SINCE, until: UNTIL }, 'domain')).rows.map((r) => r.key), ['b.test']);
      const actions = await buildBreakdown(db, { since: SINCE, until: UNTIL }, 'action');
      assert.equal(actions.rowName, 'category');
      assert.deepEqual(actions.rows.map((r) => [r.key, r.counts.deliver, r.counts.tag, r.counts.quarantine, r.counts.reject, r.counts.none]), [
        ['clean', 1202, 0, 0, 0, 0],
        ['graymail', 1, 0, 0, 0, 0],
        ['spam', 0, 1, 0, 0, 0],
        ['malware', 0, 0, 0, 1, 0],
        ['phishing', 0, 0, 1, 0, 0],
        ['unscanned', 0, 0, 0, 0, 1],
      ]);
      assert.equal(formatBreakdown(await buildBreakdown(db, { since: new Date('2030-01-01T00:00:00Z') }, 'day')), 'no messages in the period\n');
    });
  });
}
