// The trace's retention on SQLite and PostgreSQL: settled records past retention.trace are counted
// into hourly statistics and deleted (with their recipients and delivery attempts), unsettled ones
// stay, and every report — the CLI's and the console's, for every role, domain and hour-aligned
// period — reads the same figures before and after, once and not twice, also when two prunes run
// at once. Then the running gateway's own job (a message rejected over SMTP, its record aged) and
// `rampart prune` through the real CLI.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import { Directory } from '../../src/directory/repository.js';
import { listNotices } from '../../src/migration/notices.js';
import { countByDomain, countByPeriod } from '../../src/stats/queries.js';
import { buildReport, formatReport } from '../../src/stats/report.js';
import { domainSet, hourOf, pruneTrace, retentionCutoff } from '../../src/stats/retention.js';
import { openStore } from '../../src/store/db.js';
import type { Database, MessageStatus } from '../../src/store/schema.js';
import { buildReport as consoleReport } from '../../src/web/report.js';
import type { Principal } from '../../src/web/scope.js';
import { rampart } from '../helpers/cli.js';
import { DATABASES, useStore } from '../helpers/db.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
// With 10 days' retention, "now" puts the cutoff at 2026-11-10T12:00Z: the hours before it go.
const NOW = new Date('2026-11-20T12:30:00Z');
const RETENTION = 10 * DAY;
const DOMAINS = ['a.test', 'b.test', 'a_b.test', 'axb.test'];

interface Seeded {
  at: string;
  status: MessageStatus;
  category: string | null;
  action: string | null;
  domains: string[];
  would?: [string, string];
  mailbox?: string;
}

const SEED: Seeded[] = [
  { at: '2026-11-10T08:05:00Z', status: 'delivered', category: 'clean', action: 'deliver', domains: ['a.test'], mailbox: 'owner@a.test' },
  { at: '2026-11-10T08:10:00Z', status: 'delivered', category: 'clean', action: 'deliver', domains: ['a.test', 'b.test'] },
  { at: '2026-11-10T08:59:59.999Z', status: 'bounced', category: 'graymail', action: 'deliver', domains: ['b.test'] },
  { at: '2026-11-10T09:00:00Z', status: 'rejected', category: 'malware', action: 'reject', domains: ['a.test'] },
  { at: '2026-11-10T09:30:00Z', status: 'partial', category: 'spam', action: 'tag', domains: ['a.test', 'b.test'], mailbox: 'owner@a.test' },
  { at: '2026-11-10T09:40:00Z', status: 'deleted', category: 'phishing', action: 'quarantine', domains: ['b.test'] },
  { at: '2026-11-10T10:00:00Z', status: 'delivered', category: 'clean', action: 'deliver', domains: ['a.test'], would: ['reject', 'malware'] },
  { at: '2026-11-10T10:15:00Z', status: 'delivered', category: null, action: null, domains: [] },
  { at: '2026-11-10T10:20:00Z', status: 'delivered', category: 'spam', action: 'deliver', domains: ['a_b.test'] },
  { at: '2026-11-10T10:25:00Z', status: 'delivered', category: 'clean', action: 'deliver', domains: ['axb.test'] },
  // Old but not settled: delivery and the quarantine still need these rows.
  { at: '2026-11-10T10:30:00Z', status: 'quarantined', category: 'bec', action: 'quarantine', domains: ['a.test'] },
  { at: '2026-11-10T11:00:00Z', status: 'queued', category: 'clean', action: 'deliver', domains: ['b.test'] },
  // At and after the cutoff: kept.
  { at: '2026-11-10T12:00:00Z', status: 'delivered', category: 'clean', action: 'deliver', domains: ['a.test'], mailbox: 'owner@a.test' },
  { at: '2026-11-15T00:00:00Z', status: 'rejected', category: 'phishing', action: 'reject', domains: ['b.test'] },
  { at: '2026-11-20T12:00:00Z', status: 'delivered', category: 'graymail', action: 'deliver', domains: ['a.test', 'a_b.test'], would: ['quarantine', 'graymail'] },
];
const PRUNED = SEED.filter((m) => m.at < '2026-11-10T12' && !['queued', 'quarantined'].includes(m.status)).length;

const EVENTS = [
  { at: '2026-11-10T08:00:00.000Z', reason: 'dnsbl', domain: 'a.test' },
  { at: '2026-11-10T08:30:00.000Z', reason: 'dnsbl', domain: 'a.test' },
  { at: '2026-11-10T09:10:00.000Z', reason: 'relay_denied', domain: null },
  { at: '2026-11-10T11:59:59.999Z', reason: 'unknown_recipient', domain: 'b.test' },
  { at: '2026-11-10T12:00:00.000Z', reason: 'unknown_recipient', domain: 'b.test' },
];

async function seed(db: Kysely<Database>): Promise<void> {
  const dir = new Directory(db);
  for (const d of DOMAINS) await dir.addDomain(d);
  await dir.addRecipient('owner@a.test');
  const ids = Object.fromEntries((await db.selectFrom('domains').select(['id', 'name']).execute()).map((d) => [d.name, d.id]));
  let n = 0;
  for (const m of SEED) {
    const id = `R${String(++n).padStart(4, '0')}`;
    await db
      .insertInto('messages')
      .values({ id, received_at: new Date(m.at).toISOString(), node: 'n1', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: 's@x.test', message_id: null, subject: null, size: 100, spool_path: '', status: m.status, category: m.category, score: 0, action: m.action, symbols: '[]', would_action: m.would?.[0] ?? null, would_category: m.would?.[1] ?? null })
      .execute();
    const rcpts: { address: string; domain_id: number | null }[] = m.domains.map((d, i) => ({ address: i === 0 && m.mailbox ? m.mailbox : `u${i}@${d}`, domain_id: ids[d]! }));
    if (!rcpts.length) rcpts.push({ address: 'someone@elsewhere.test', domain_id: null });
    await db
      .insertInto('message_recipients')
      .values(rcpts.map((r) => ({ message_id: id, address: r.address, domain_id: r.domain_id, status: 'delivered' as const, attempts: 1, next_attempt_at: null, last_reply: null, updated_at: m.at })))
      .execute();
    await db.insertInto('delivery_attempts').values({ message_id: id, recipient: rcpts[0]!.address, at: m.at, host: 'mx.test', outcome: 'delivered', reply: '250 ok' }).execute();
  }
  await db.insertInto('connection_events').values(EVENTS.map((e) => ({ ...e, client_ip: '203.0.113.5', helo: null, stage: 'rcpt' as const, detail: null }))).execute();
}

const operator: Principal = { userId: 1, username: 'op', role: 'operator', domainIds: [], domainNames: [], mailbox: null };
async function principals(db: Kysely<Database>): Promise<Record<string, Principal>> {
  const ids = Object.fromEntries((await db.selectFrom('domains').select(['id', 'name']).execute()).map((d) => [d.name, d.id]));
  const admin = (names: string[]): Principal => ({ userId: 2, username: 'admin', role: 'domain_admin', domainIds: names.map((d) => ids[d]!), domainNames: names, mailbox: null });
  return { operator, adminAB: admin(['a.test', 'b.test']), adminB: admin(['b.test']), adminUnderscore: admin(['a_b.test']) };
}

/** The figures without the rolledUp parts, which say where a figure came from, not what it is. */
function figures(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === 'rolledUp' ? undefined : x)));
}

const PERIODS: { since?: string; until?: string }[] = [
  {},
  { since: '2026-11-01T00:00:00Z', until: '2026-12-01T00:00:00Z' },
  { since: '2026-11-10T09:00:00Z', until: '2026-11-10T13:00:00Z' },
  { since: '2026-11-10T08:00:00Z', until: '2026-11-10T09:00:00Z' },
  { since: '2026-11-10T10:00:00Z', until: '2026-11-16T00:00:00Z' },
];

/** Every report the product prints for the seeded data. */
async function everyReport(db: Kysely<Database>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const who = await principals(db);
  for (const p of PERIODS) {
    const since = p.since ? new Date(p.since) : null;
    const until = p.until ? new Date(p.until) : null;
    const key = `${p.since ?? '-'}..${p.until ?? '-'}`;
    for (const domain of [null, ...DOMAINS]) out[`cli ${key} ${domain}`] = figures(await buildReport(db, { domain, since, until }));
    out[`hours ${key}`] = await countByPeriod(db, { since, until });
    out[`days ${key}`] = await countByPeriod(db, { since, until }, 'day');
    out[`domains ${key}`] = (await countByDomain(db, { since, until })).sort((x, y) => `${x.domain}${x.category}`.localeCompare(`${y.domain}${y.category}`));
    if (!p.since || !p.until) continue;
    for (const [name, principal] of Object.entries(who)) {
      const domains = principal.role === 'operator' ? [undefined, ...DOMAINS] : [undefined, ...principal.domainNames];
      for (const domain of domains) out[`console ${key} ${name} ${domain}`] = figures(await consoleReport(db, principal, { since: p.since, until: p.until, ...(domain ? { domain } : {}) }));
    }
  }
  return out;
}

async function rowCounts(db: Kysely<Database>) {
  const n = async (t: 'messages' | 'message_recipients' | 'delivery_attempts' | 'connection_events') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { messages: await n('messages'), recipients: await n('message_recipients'), attempts: await n('delivery_attempts'), events: await n('connection_events') };
}

for (const kind of DATABASES) {
  describe(`trace retention (${kind})`, () => {
    const s = useStore(kind, (store) => seed(store.db));

    it('rolls up the settled records past the retention, keeps the rest, and every report reads the same', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const db = s.store.db;
      assert.equal(retentionCutoff(NOW, RETENTION).toISOString(), '2026-11-10T12:00:00.000Z');
      const reports = await everyReport(db);
      const rows = await rowCounts(db);

      const dry = await pruneTrace(db, { retentionMs: RETENTION, now: NOW, dryRun: true });
      assert.deepEqual([dry.messages, dry.connections], [PRUNED, 4]);
      assert.deepEqual(await rowCounts(db), rows, 'a dry run deletes nothing');

      const r = await pruneTrace(db, { retentionMs: RETENTION, now: NOW });
      assert.deepEqual([r.cutoff.toISOString(), r.messages, r.connections], ['2026-11-10T12:00:00.000Z', PRUNED, 4]);
      const left = await db.selectFrom('messages').select(['received_at', 'status']).orderBy('received_at').execute();
      assert.deepEqual(left.map((m) => m.status), ['quarantined', 'queued', 'delivered', 'rejected', 'delivered']);
      const now = await rowCounts(db);
      assert.equal(now.messages, SEED.length - PRUNED);
      assert.equal(now.attempts, SEED.length - PRUNED, 'delivery attempts go with their message');
      assert.equal(now.recipients, 6, 'and so do recipients: 1 + 1 + 1 + 1 + 2 left');
      assert.equal(now.events, 1);

      assert.deepEqual(await everyReport(db), reports);
      const all = await buildReport(db, {});
      assert.deepEqual(all.rolledUp, { messages: PRUNED, connections: 4 });
      assert.match(formatReport(all), new RegExp(`^Past the trace's retention: ${PRUNED} messages and 4 connection refusals counted from hourly statistics`, 'm'));
      // The console says which part of a figure is behind its link and which is not.
      const c = await consoleReport(db, operator, { since: '2026-11-10', until: '2026-11-10' });
      assert.deepEqual([c.scanned.count, c.scanned.rolledUp, c.rolledUp], [SEED.filter((m) => m.at.startsWith('2026-11-10')).length, PRUNED, { messages: PRUNED, connections: 4 }]);
      assert.equal(c.delivered.byCategory.find((x) => x.category === 'clean')!.figure.rolledUp, 4);
      assert.equal(c.blocked.atConnection.rolledUp, 4);
      // A mailbox owner's own messages are not told apart in the statistics: theirs stop at the horizon.
      const owner: Principal = { userId: 3, username: 'owner', role: 'mailbox_owner', domainIds: [], domainNames: [], mailbox: 'owner@a.test' };
      assert.equal((await consoleReport(db, owner, { since: '2026-11-01', until: '2026-11-30' })).scanned.count, 1);

      // Nothing is counted twice: a second prune finds nothing, and the figures stay.
      assert.deepEqual(await pruneTrace(db, { retentionMs: RETENTION, now: NOW }), { cutoff: r.cutoff, messages: 0, connections: 0 });
      // An old quarantined message settles later (its quarantine lifetime): it joins its hour.
      await db.updateTable('messages').set({ status: 'deleted' }).where('status', '=', 'quarantined').execute();
      assert.equal((await pruneTrace(db, { retentionMs: RETENTION, now: NOW })).messages, 1);
      assert.deepEqual(await everyReport(db), reports);
      const hour = await db.selectFrom('stats_messages_hourly').selectAll().where('hour', '=', hourOf('2026-11-10T10:30:00Z')).where('category', '=', 'bec').execute();
      assert.deepEqual(hour.map((h) => [h.domains, h.status, h.count]), [[domainSet(['a.test']), 'deleted', 1]]);
      assert.deepEqual(await pruneTrace(db, { retentionMs: 0, now: NOW }), { cutoff: retentionCutoff(NOW, 0), messages: 0, connections: 0 }, '0 keeps everything');
    });
  });

  describe(`trace retention, two prunes at once (${kind})`, () => {
    const s = useStore(kind, async (store) => {
      await seed(store.db);
      // Enough rows for several batches each, so the two runs interleave.
      const many = Array.from({ length: 1800 }, (_, i) => ({ id: `B${String(i).padStart(5, '0')}`, received_at: new Date(Date.parse('2026-11-05T00:00:00Z') + i * 60_000).toISOString(), node: 'n1', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: 's@x.test', message_id: null, subject: null, size: 1, spool_path: '', status: 'delivered' as const, category: i % 3 ? 'clean' : 'spam', score: 0, action: 'deliver', symbols: '[]', would_action: null, would_category: null }));
      for (let i = 0; i < many.length; i += 300) await store.db.insertInto('messages').values(many.slice(i, i + 300)).execute();
    });

    it('counts each record once', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const db = s.store.db;
      const before_ = await everyReport(db);
      const [x, y] = await Promise.all([pruneTrace(db, { retentionMs: RETENTION, now: NOW }), pruneTrace(db, { retentionMs: RETENTION, now: NOW })]);
      assert.equal(x.messages + y.messages, PRUNED + 1800);
      assert.equal(x.connections + y.connections, 4);
      assert.deepEqual(await everyReport(db), before_);
    });
  });
}

for (const kind of DATABASES) {
  describe(`trace retention keeps the migration programme's notices (${kind})`, () => {
    const s = useStore(kind, (store) => seed(store.db));

    it("keeps an old notice's record, whose delivery state the programme reads, and prunes the rest", async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const db = s.store.db;
      const a = await db.selectFrom('domains').select('id').where('name', '=', 'a.test').executeTakeFirstOrThrow();
      const rcpt = await db.selectFrom('message_recipients').select(['id', 'message_id']).where('message_id', '=', 'R0001').executeTakeFirstOrThrow();
      const at = '2026-11-10T08:05:00.000Z';
      await db.insertInto('mig_domains').values({ domain_id: a.id, status: 'notified', wave_id: null, pinned_wave_id: null, migration_date: '2026-12-15', hold_override: 0, held_back_at: null, updated_at: at }).execute();
      const contact = await db.insertInto('mig_contacts').values({ domain_id: a.id, name: 'IT', address: 'owner@a.test', role: 'primary', created_at: at }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('mig_notices').values({ domain_id: a.id, contact_id: contact.id, kind: 'notice', for_date: '2026-12-15', reminder_offset: null, queue_id: rcpt.message_id, recipient_row_id: rcpt.id, ack_nonce: 'nonce-1', sent_at: at, ack_at: null, ack_via: null }).execute();

      const r = await pruneTrace(db, { retentionMs: RETENTION, now: NOW });
      assert.equal(r.messages, PRUNED - 1, 'all but the notice');
      const [notice] = await listNotices({ db });
      assert.deepEqual([notice!.queueId, notice!.delivery], ['R0001', 'delivered']);
      assert.ok(await db.selectFrom('messages').select('id').where('id', '=', 'R0002').executeTakeFirst() === undefined, 'an ordinary record of the same hour went');
    });
  });
}

describe('trace retention in the running gateway', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ domains: [{ name: 'protected.test', recipients: ['alice@protected.test'] }], config: { retention: { trace: '2s' } } });
    gw.gateway.ingress!.ingress.setScanHook(async () => ({
      kind: 'reject',
      verdict: { score: 100, category: 'malware', action: 'reject', symbols: [{ name: 'CLAM_VIRUS', score: 100 }], addHeaders: [] },
      reason: 'Message contains malware',
    }));
  });
  after(() => gw.stop());

  it('rolls up a rejected message and a refused recipient once their records are old', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: gw.port, secure: false, ignoreTLS: true, name: 'client.test' });
    await assert.rejects(transport.sendMail({ from: 'sender@outside.test', to: 'alice@protected.test', subject: 'bad', text: 'X' }), /550|554/);
    await assert.rejects(transport.sendMail({ from: 'sender@outside.test', to: 'nobody@protected.test', subject: 'who', text: 'X' }), /550/);
    transport.close();
    const db = gw.db;
    const m = await eventually(() => db.selectFrom('messages').select(['id', 'status']).executeTakeFirst(), 'the rejected message recorded');
    assert.equal(m.status, 'rejected');
    await eventually(() => db.selectFrom('connection_events').select('id').where('reason', '=', 'unknown_recipient').executeTakeFirst(), 'the refusal recorded');
    // Records from the current hour stay (whole hours only); two hours back they go.
    const old = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await db.updateTable('messages').set({ received_at: old }).execute();
    await db.updateTable('connection_events').set({ at: old }).execute();
    await eventually(async () => !(await db.selectFrom('messages').select('id').executeTakeFirst()) && !(await db.selectFrom('connection_events').select('id').executeTakeFirst()), 'pruned by the gateway', 15_000);
    const r = await buildReport(db, {});
    assert.deepEqual([r.scanned, r.blocked.atData, r.blocked.reasons.unknown_recipient, r.rolledUp.messages, r.rolledUp.connections], [2, 1, 1, 1, 1]);
  });
});

describe('rampart prune (SQLite, the real CLI)', () => {
  it('counts, then rolls up, what is past the retention; names a bad setting', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'rampart.yaml');
    writeFileSync(cfg, 'data_dir: .\ndatabase:\n  url: sqlite:rampart.db\nretention:\n  trace: 10d\n');
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    await seed(store.db);
    // The CLI's clock is the real one: the seeded records are all older than ten days.
    await store.close();
    const untouched = await rampart(cfg, 'trace', '--limit', '500');
    assert.equal(untouched.stderr, '', 'nothing pruned yet: no word about retention');
    const dry = await rampart(cfg, 'prune', '--dry-run', '--json');
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    const settled = SEED.filter((m) => !['queued', 'quarantined'].includes(m.status)).length;
    assert.deepEqual([plan.retention, plan.dry_run, plan.messages, plan.connections], ['10d', true, settled, EVENTS.length]);
    const real = await rampart(cfg, 'prune');
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, new RegExp(`^${settled} message records and ${EVENTS.length} connection refusals from before \\S+ \\(retention 10d\\) rolled up into hourly statistics and deleted\\n$`));
    const report = await rampart(cfg, 'report', '--json');
    assert.equal(JSON.parse(report.stdout).scanned, SEED.length + EVENTS.length);
    // The trace lists what is left and says where it stops.
    const trace = await rampart(cfg, 'trace', '--limit', '500');
    assert.equal(trace.code, 0, trace.stderr);
    assert.equal(trace.stdout.match(/^R\d{4} /gm)?.length, SEED.length - settled);
    assert.match(trace.stderr, /^\(records received before \S+ are past retention\.trace, 10d: they are counted in `rampart report`, not listed here\)\n$/);
    assert.equal((await rampart(cfg, 'trace', '--since', '1h')).stderr, '', 'a window inside the trace: no note');
    // The breakdowns read the statistics too; a wrong --by is named.
    const byDay = await rampart(cfg, 'report', '--by', 'day', '--json');
    assert.equal(byDay.code, 0, byDay.stderr);
    assert.deepEqual(byDay.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.day, r.total]), [['2026-11-10', 13], ['2026-11-15', 1], ['2026-11-20', 1]]);
    const byDomain = await rampart(cfg, 'report', '--by', 'domain', '--domain', 'a_b.test');
    assert.match(byDomain.stdout, /^domain\s+total\s+graymail\s+spam\na_b\.test\s+2\s+1\s+1\n$/);
    const bad = await rampart(cfg, 'report', '--by', 'week');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--by: expected one of hour, day, domain, action, got "week"/);

    writeFileSync(cfg, 'data_dir: .\ndatabase:\n  url: sqlite:rampart.db\nretention:\n  trace: ten days\n');
    const badConfig = await rampart(cfg, 'prune');
    assert.notEqual(badConfig.code, 0);
    assert.match(badConfig.stderr, /retention\.trace/);
  });
});
