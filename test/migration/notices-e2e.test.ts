// The whole notice path against real SMTP peers and an in-process DNS server: import, plan
// (capacity and blackout respected), notices through the spool, one contact's address bounces and
// the programme manager receives the escalation, another contact acknowledges by link, reminders
// go to the rest, a silent domain is held back, the three checks pass for a prepared domain and
// fail with clear messages for a broken one, and the migrated check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import PostalMime from 'postal-mime';
import { Directory } from '../../src/directory/repository.js';
import { dnsResolver } from '../../src/migration/checks/resolver.js';
import { importProgramme } from '../../src/migration/import.js';
import { acknowledgeContact, listNotices } from '../../src/migration/notices.js';
import { programmeReport } from '../../src/migration/report.js';
import { MigrationRepository } from '../../src/migration/repository.js';
import { overrideHold, planProgramme } from '../../src/migration/schedule.js';
import { runMigrationTick } from '../../src/migration/tick.js';
import { registerMigrationSite } from '../../src/migration/web/site.js';
import type { Store } from '../../src/store/db.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { buildProgrammeDeps } from '../../src/migration/service.js';
import type { ProgrammeDeps } from '../../src/migration/context.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { Spool } from '../../src/spool/spool.js';
import { openStore } from '../../src/store/db.js';
import { tempDir } from '../helpers/tmp.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import type { Clock } from './harness.js';
import { startMailPeer, type MailPeer } from './peers.js';

describe('migration notices, escalation and readiness checks end to end', () => {
  let store: Store;
  let dns: DnsFixture;
  let good: MailPeer, bounce: MailPeer, quiet: MailPeer, broken: MailPeer, office: MailPeer;
  let app: FastifyInstance;
  let deps: ProgrammeDeps;
  let engine: DeliveryHandle;
  const clock: Clock = { now: new Date('2026-11-02T10:00:00Z') };
  const at = (iso: string) => (clock.now = new Date(iso));
  // At suite level: a tempDir made inside before() would be removed when the hook ends.
  const dataDir = tempDir('rampart-mig-e2e-');

  /** Waits until the delivery engine has settled every message the programme sent (not DSNs). */
  async function settled(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const open = await store.db
        .selectFrom('message_recipients as r')
        .innerJoin('messages as m', 'm.id', 'r.message_id')
        .select('r.id')
        .where('r.status', 'in', ['queued', 'deferred'])
        .where('m.mail_from', '!=', '')
        .execute();
      if (open.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${open.length} programme message(s) still not delivered or bounced`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    store = await openStore({ url: 'sqlite:rampart.db', dataDir });
    [good, bounce, quiet, broken, office] = await Promise.all([startMailPeer(), startMailPeer(), startMailPeer(), startMailPeer({ rejectAll: true }), startMailPeer()]);
    bounce.reject.add('gone@bounce.test');
    dns = await startDnsServer({
      'good.test': [
        { type: 'MX', exchange: 'mx1.gateway.test', priority: 10, ttl: 300 },
        { type: 'TXT', data: 'v=spf1 include:_spf.gateway.test -all', ttl: 300 },
      ],
      'broken.test': [
        { type: 'MX', exchange: 'mail.broken.test', priority: 10, ttl: 3600 },
        { type: 'TXT', data: 'v=spf1 mx -all', ttl: 3600 },
        { type: 'TXT', data: 'google-site-verification=abc', ttl: 3600 },
      ],
    });
    const dir = new Directory(store.db);
    await dir.addDomain('good.test', { routes: [{ host: '127.0.0.1', port: good.port }] });
    await dir.addDomain('bounce.test', { routes: [{ host: '127.0.0.1', port: bounce.port }] });
    await dir.addDomain('quiet.test', { routes: [{ host: '127.0.0.1', port: quiet.port }] });
    await dir.addDomain('broken.test', { routes: [{ host: '127.0.0.1', port: broken.port, tls: 'none' }] });
    await dir.addDomain('office.test', { routes: [{ host: '127.0.0.1', port: office.port }] });
    for (const a of ['a@good.test', 'b@good.test', 'c@good.test', 'x@quiet.test']) await dir.addRecipient(a);
    const config = parseConfig({
      data_dir: dataDir,
      smtp: { hostname: 'gw.rampart.test' },
      dns: { servers: [dns.address], timeout: '2s' },
      delivery: { retry_schedule: ['200ms'], poll_interval: '50ms', connection_timeout: '5s', postmaster: 'postmaster@gw.rampart.test' },
      web: { public_url: 'http://gateway.test' },
      migration: {
        from: 'migration@office.test',
        min_notice_days: 14,
        reminder_days: [7, 3, 1],
        escalate_manager_days: 5,
        escalate_sponsor_days: 2,
        hold_back_days: 1,
        programme_manager: { name: 'Pat Manager', address: 'manager@office.test' },
        sponsor: { name: 'Sam Sponsor', address: 'sponsor@office.test' },
        gateway: { mx_hosts: ['mx1.gateway.test', 'mx2.gateway.test'], spf_include: '_spf.gateway.test', spf_ips: ['192.0.2.25'], max_mx_ttl: 300, round_trip_timeout: 30, probe_timeout: 10 },
      },
    });
    const spool = new Spool(store.db, `${dataDir}/spool`, 'node-a');
    // The real wiring: local submission into the spool, the real delivery engine relaying it.
    deps = buildProgrammeDeps(config, store, { spool, now: () => clock.now });
    engine = startDelivery({ config, store, spool, logger: createLogger('silent'), resolver: dns.resolver(2000) });
    app = Fastify({ logger: false });
    await registerMigrationSite(app, deps);
    await app.ready();
  });

  after(async () => {
    await engine?.stop();
    await app?.close();
    await Promise.all([good, bounce, quiet, broken, office].map((p) => p?.close()));
    await dns?.close();
    await store?.close();
  });

  it('imports, plans with capacity and blackout days, and notifies every contact through the spool', async () => {
    const repo = new MigrationRepository(store.db);
    await repo.addWave({ name: 'w1', startsOn: '2026-11-16', endsOn: '2026-11-20', dailyCapacity: 2, blackout: ['2026-11-17'] });
    const csv = [
      'domain,contact_name,contact_address,role',
      'good.test,Gina Good,it@good.test,primary',
      'good.test,Dan Deputy,deputy@good.test,deputy',
      'bounce.test,Gone Contact,gone@bounce.test,primary',
      'quiet.test,Quinn Quiet,it@quiet.test,primary',
      'broken.test,Bea Broken,it@broken.test,primary',
    ].join('\n');
    assert.deepEqual((await importProgramme(store.db, csv, { apply: true, actor: 'test' })).errors, []);
    const planned = await planProgramme(deps, { apply: true, actor: 'test' });
    assert.deepEqual(planned.assignments.map((a) => `${a.name} ${a.date}`), ['bounce.test 2026-11-16', 'broken.test 2026-11-16', 'good.test 2026-11-18', 'quiet.test 2026-11-18']);

    const tick = await runMigrationTick(deps, clock.now);
    assert.deepEqual(tick.notified.sort(), ['bounce.test', 'broken.test', 'good.test', 'quiet.test']);
    assert.deepEqual(tick.errors, []);
    const notices = await listNotices(deps);
    assert.equal(notices.length, 5);
    // Each notice is tracked by its queue id and its own message_recipients row.
    assert.ok(notices.every((n) => n.queueId.length > 0 && n.delivery !== 'unknown'), JSON.stringify(notices));
    assert.equal(new Set(notices.map((n) => n.queueId)).size, 5, 'one message per contact');
    await settled();
    // Broken.test's server refuses every recipient, so its contact's notice bounces too.
    const byAddress = Object.fromEntries((await listNotices(deps)).map((n) => [n.contactAddress, n]));
    assert.equal(byAddress['it@good.test']!.state, 'delivered');
    assert.match(byAddress['it@good.test']!.reply!, /^250/);
    assert.equal(byAddress['gone@bounce.test']!.state, 'bounced');
    assert.match(byAddress['gone@bounce.test']!.reply!, /^550 5\.1\.1 <gone@bounce\.test>: Recipient address rejected/);
    assert.equal(byAddress['it@broken.test']!.state, 'bounced');
    // Delivery also sent a DSN for the bounced notice to the programme's own address.
    const deadline = Date.now() + 15_000;
    while (!office.received.some((m) => m.to.includes('migration@office.test') && /gone@bounce\.test/.test(m.raw)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(office.received.some((m) => m.to.includes('migration@office.test') && m.from === '' && /gone@bounce\.test/.test(m.raw)), 'a DSN reached migration@office.test');
    const mail = await PostalMime.parse(good.received.find((m) => m.to.includes('it@good.test'))!.raw);
    assert.equal(mail.subject, 'Action needed: good.test moves to the Rampart mail gateway on 2026-11-18');
    assert.match(mail.text!, /add "include:_spf\.gateway\.test" to your domain's SPF record/);
    assert.match(mail.text!, /point your MX records at mx1\.gateway\.test, mx2\.gateway\.test/);
  });

  it('acknowledges by signed link (GET shows a button, POST records), and refuses a tampered link', async () => {
    const mail = await PostalMime.parse(good.received.find((m) => m.to.includes('it@good.test'))!.raw);
    const link = /http:\/\/gateway\.test(\/migration\/ack\/[A-Za-z0-9_-]{22}\.[0-9]+\.[A-Za-z0-9_-]{43})/.exec(mail.text!)?.[1];
    assert.ok(link, 'the notice carries an acknowledgement link');
    const show = await app.inject({ method: 'GET', url: link });
    assert.equal(show.statusCode, 200);
    assert.match(show.body, /good\.test<\/strong> moves to the mail gateway on <strong>2026-11-18/);
    assert.equal((await listNotices(deps)).find((n) => n.contactAddress === 'it@good.test')!.state, 'delivered', 'opening the link alone does not acknowledge');
    // Another notice's nonce with this link's signature: refused.
    const other = await store.db.selectFrom('mig_notices').select('ack_nonce').where('kind', '=', 'notice').execute();
    const tampered = link.replace(/ack\/[A-Za-z0-9_-]{22}/, `ack/${other.map((o) => o.ack_nonce).find((n) => !link.includes(n))}`);
    const bad = await app.inject({ method: 'POST', url: tampered });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /not valid/);
    const done = await app.inject({ method: 'POST', url: link });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /is recorded/);
    const n = (await listNotices(deps)).find((x) => x.contactAddress === 'it@good.test')!;
    assert.equal(n.state, 'acknowledged');
    assert.equal(n.ackVia, 'link');
    // Broken.test's contact confirms by phone; the operator records it in the console.
    const repo = new MigrationRepository(store.db);
    await acknowledgeContact(deps, await repo.requireDomain('broken.test'), 'it@broken.test');
  });

  it('reminds the contacts who have not acknowledged, escalates the bounced and silent ones, holds back the silent', async () => {
    // 7 days before bounce/broken (16th): reminders only to unacknowledged, undelivered-not-bounced contacts.
    at('2026-11-09T08:00:00Z');
    let tick = await runMigrationTick(deps, clock.now);
    assert.deepEqual(tick.reminders, [], 'bounced and acknowledged contacts get no reminder; good/quiet are 9 days out');
    // 7 days before good/quiet (18th): the deputy of good.test and quiet's contact are reminded.
    at('2026-11-11T08:00:00Z');
    tick = await runMigrationTick(deps, clock.now);
    assert.deepEqual(tick.reminders.map((r) => `${r.contact} ${r.offset}`).sort(), ['deputy@good.test 7', 'it@quiet.test 7']);
    // 5 days before the 16th: the manager is told about bounce.test (bounced, nobody acknowledged)
    // and broken.test (acknowledged by phone, but its contact's address bounced: fix the record).
    assert.deepEqual(tick.escalations.map((e) => `${e.target} ${e.domains.join(',')}`), ['manager bounce.test,broken.test']);
    const again = await runMigrationTick(deps, clock.now);
    assert.deepEqual([again.reminders, again.escalations], [[], []], 'a second tick the same day sends nothing twice');
    await settled();
    const toManager = office.received.filter((m) => m.to.includes('manager@office.test'));
    assert.equal(toManager.length, 1);
    const escalation = await PostalMime.parse(toManager[0]!.raw);
    assert.equal(escalation.subject, 'Migration escalation 2026-11-11: 2 domain(s) without an acknowledged contact');
    assert.match(escalation.text!, /- bounce\.test: migration on 2026-11-16 \(5 day\(s\) left\)\n {4}no contact has acknowledged\n {4}notice to gone@bounce\.test bounced: 550 5\.1\.1/);
    assert.match(escalation.text!, /- broken\.test: .*\n {4}notice to it@broken\.test bounced: 550/);
    assert.doesNotMatch(escalation.text!, /good\.test|quiet\.test/);
    const reminder = quiet.received.find((m) => m.to.includes('it@quiet.test') && /Reminder/.test(m.raw));
    assert.ok(reminder, 'the reminder reached quiet.test');
    assert.equal((await PostalMime.parse(reminder.raw)).subject, 'Reminder: quiet.test moves to the Rampart mail gateway on 2026-11-18 (7 days left)');

    // 2 days before the 16th: the sponsor too.
    at('2026-11-14T08:00:00Z');
    tick = await runMigrationTick(deps, clock.now);
    assert.deepEqual(tick.escalations.map((e) => `${e.target} ${e.domains.join(',')}`), ['manager bounce.test,broken.test,quiet.test', 'sponsor bounce.test,broken.test']);
    await settled();
    assert.equal(office.received.filter((m) => m.to.includes('sponsor@office.test')).length, 1);

    // The day before: bounce.test has no acknowledged contact and is held back; broken.test was confirmed.
    at('2026-11-15T08:00:00Z');
    tick = await runMigrationTick(deps, clock.now);
    assert.deepEqual(tick.heldBack, ['bounce.test']);
    const repo = new MigrationRepository(store.db);
    const held = await repo.requireDomain('bounce.test');
    assert.equal(held.status, 'paused');
    assert.match((await repo.history(held.domainId)).at(-1)!.reason, /held back automatically: no contact acknowledged/);
    assert.equal((await repo.requireDomain('broken.test')).status, 'notified');
    const report = await programmeReport(deps);
    assert.deepEqual(report.heldBack.map((d) => d.domain), ['bounce.test']);
    assert.match(report.heldBack[0]!.lastReason, /held back automatically/);
    // quiet.test (18th) has no acknowledged contact either; an operator lets it go ahead anyway.
    await overrideHold(deps, 'quiet.test', { actor: 'operator', reason: 'confirmed with the college by phone call to the head of IT' });
  });

  it('runs the three checks live: they pass for a prepared domain (→ ready) and fail clearly for a broken one', async () => {
    at('2026-11-16T09:00:00Z');
    const run = async (domain: string, check: string) => {
      const res = await app.inject({ method: 'POST', url: `/migration/domain/${domain}/check/${check}`, headers: { accept: 'application/json' } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { result: { ok: boolean; summary: string; steps: { step: string; ok: boolean; found: string }[] }; status: string };
    };
    const smtp = await run('good.test', 'smtp');
    assert.equal(smtp.result.ok, true, smtp.result.summary);
    assert.deepEqual(smtp.result.steps.map((s) => s.step.split(' ')[0]), ['connect', 'greeting', 'EHLO', 'STARTTLS', 'TLS', 'EHLO', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
    assert.match(smtp.result.steps.find((s) => s.step.startsWith('RCPT'))!.found, /^250/);
    const dnsr = await run('good.test', 'dns');
    assert.equal(dnsr.result.ok, true, dnsr.result.summary);
    assert.match(dnsr.result.steps[0]!.found, /authorised by include:_spf\.gateway\.test/);
    // The round trip: submitted to the spool, relayed by the delivery engine, seen delivered.
    const cut = await run('good.test', 'cutover');
    assert.equal(cut.result.ok, true, cut.result.summary);
    assert.match(cut.result.summary, /test message \w+ was delivered to your server/);
    assert.equal(cut.status, 'ready');
    assert.ok(good.received.some((m) => m.to.includes('postmaster@good.test') && /round-trip test for good\.test/.test(m.raw)));

    const bs = await run('broken.test', 'smtp');
    assert.equal(bs.result.ok, false);
    assert.match(bs.result.summary, /^the server refused the recipient postmaster@broken\.test: 550 5\.1\.1/);
    const bd = await run('broken.test', 'dns');
    assert.equal(bd.result.ok, false);
    assert.equal(bd.result.summary, 'the SPF record does not include the gateway: add include:_spf.gateway.test; MX TTL is 3600 s; lower it to 300 s or less');
    const bc = await run('broken.test', 'cutover');
    assert.equal(bc.result.ok, false);
    assert.equal(bc.result.summary, 'MX still points at mail.broken.test; point it at mx1.gateway.test, mx2.gateway.test');
    assert.equal(bc.status, 'notified');
    // The page shows the kept results with their time.
    const pageRes = await app.inject({ method: 'GET', url: '/migration/domain/broken.test' });
    assert.match(pageRes.body, /FAILED<\/strong> at 2026-11-16 09:00:00 UTC/);
    assert.doesNotMatch(pageRes.body, /it@broken\.test/, 'contacts are never shown');
    const unknown = await app.inject({ method: 'GET', url: '/migration/domain/office.test' });
    assert.equal(unknown.statusCode, 404, 'a protected domain outside the programme reveals nothing');
  });

  it('marks a ready domain migrated when MX points at the gateway after its date', async () => {
    at('2026-11-17T09:00:00Z');
    const before = await runMigrationTick(deps, clock.now);
    assert.deepEqual(before.migrated, [], 'not before its date');
    assert.deepEqual(before.heldBack, [], 'quiet.test is not held back: the operator overrode the hold');
    const quietLine = (await programmeReport(deps)).domains.find((d) => d.domain === 'quiet.test')!;
    assert.equal(quietLine.holdOverride, true);
    assert.equal(quietLine.status, 'notified');
    at('2026-11-18T09:00:00Z');
    const tick = await runMigrationTick(deps, clock.now);
    assert.deepEqual(tick.migrated, ['good.test']);
    const r = await programmeReport(deps);
    assert.equal(r.byStatus.migrated.domains, 1);
    assert.equal(r.totals.addressesProtected, 3);
    assert.equal(r.totals.percentProtected, 75);
  });
});
