// The public migration site and the operators' calendar in a real browser (Debian's Chromium via
// playwright-core): look up a domain, run checks live and read their results, acknowledge a notice
// by its link, see the calendar (operators only). Also the per-domain and per-IP rate limits.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { Directory } from '../../src/directory/repository.js';
import { dnsResolver } from '../../src/migration/checks/resolver.js';
import { importProgramme } from '../../src/migration/import.js';
import { listNotices, sendDueNotices } from '../../src/migration/notices.js';
import { MigrationRepository } from '../../src/migration/repository.js';
import { planProgramme } from '../../src/migration/schedule.js';
import { migrationSitePlugin } from '../../src/migration/service.js';
import formbody from '@fastify/formbody';
import { openStore, type Store } from '../../src/store/db.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { tempDir } from '../helpers/tmp.js';
import { programmeDeps, type Clock } from './harness.js';
import { startMailPeer, type MailPeer } from './peers.js';

const CHROMIUM = '/usr/bin/chromium';

describe('public migration site and calendar in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  const dataDir = tempDir('rampart-mig-site-');
  // Screenshots for a person to look at: kept when RAMPART_TEST_SHOTS names a directory.
  const shots = process.env.RAMPART_TEST_SHOTS ?? tempDir('rampart-mig-shots-');
  const clock: Clock = { now: new Date('2026-11-02T10:00:00Z') };
  let store: Store;
  let dns: DnsFixture;
  let peer: MailPeer;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let deps: ReturnType<typeof programmeDeps>;

  before(async () => {
    store = await openStore({ url: 'sqlite:rampart.db', dataDir });
    peer = await startMailPeer();
    dns = await startDnsServer({
      'good.test': [
        { type: 'MX', exchange: 'mail.good.test', priority: 10, ttl: 300 },
        { type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all', ttl: 300 },
      ],
      'broken.test': [{ type: 'MX', exchange: 'mail.broken.test', priority: 10, ttl: 86400 }],
    });
    const dir = new Directory(store.db);
    await dir.addDomain('good.test', { routes: [{ host: '127.0.0.1', port: peer.port }] });
    await dir.addDomain('broken.test');
    await dir.addDomain('other.test');
    deps = programmeDeps(store, {
      clock,
      spoolDir: `${dataDir}/spool`,
      resolver: dnsResolver([dns.address], 2000),
      config: { min_notice_days: 7, gateway: { mx_hosts: ['mx.gateway.test'], spf_include: '_spf.gateway.test', spf_ips: ['192.0.2.25'] }, site: { checks_per_ip_per_hour: 8, checks_per_domain_per_hour: 5 } },
    });
    const repo = new MigrationRepository(store.db);
    await repo.addWave({ name: 'pilot', startsOn: '2026-11-09', endsOn: '2026-11-13', dailyCapacity: 1, blackout: ['2026-11-10'] });
    await importProgramme(store.db, 'domain,contact_name,contact_address,role\ngood.test,Gina,it@good.test,primary\nbroken.test,Bea,it@broken.test,primary\n', { apply: true, actor: 'test' });
    await planProgramme(deps, { apply: true, actor: 'test' });
    await sendDueNotices(deps);
    app = Fastify({ logger: false });
    // As the console mounts it: a plugin in an app that already parses forms.
    await app.register(formbody);
    await app.register(migrationSitePlugin(deps, (req) => req.headers.cookie?.includes('operator=yes') ?? false));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await peer?.close();
    await dns?.close();
    await store?.close();
  });

  it('looks a domain up, runs checks live and shows each step; a broken domain fails clearly', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/migration`);
    await page.fill('#domain', 'Good.Test');
    await page.click('button[type=submit]');
    assert.equal(new URL(page.url()).pathname, '/migration/domain/good.test');
    assert.equal(await page.textContent('#status'), 'scheduled, contacts notified');
    assert.equal(await page.textContent('#date'), '2026-11-11', 'broken.test took the 9th, the 10th is a blackout day');
    assert.equal(await page.textContent('[data-result=smtp]'), 'Not run yet.');

    await page.click('#run-smtp');
    await page.waitForSelector('[data-result=smtp][data-ok=true]');
    const smtpText = (await page.textContent('[data-result=smtp]'))!;
    assert.match(smtpText, /PASSED/);
    assert.match(smtpText, /RCPT TO:<postmaster@good\.test>/);
    assert.match(smtpText, /250 Accepted/);

    await page.click('#run-dns');
    await page.waitForSelector('[data-result=dns][data-ok=true]');
    assert.match((await page.textContent('[data-result=dns]'))!, /authorised by ip4:192\.0\.2\.0\/24/);

    await page.click('#run-cutover');
    await page.waitForSelector('[data-result=cutover][data-ok=false]');
    assert.equal(await page.textContent('[data-result=cutover] .summary'), 'MX still points at mail.good.test; point it at mx.gateway.test');
    await page.screenshot({ path: `${shots}/good.png`, fullPage: true });

    await page.goto(`${base}/migration`);
    await page.fill('#domain', 'broken.test');
    await page.click('button[type=submit]');
    await page.click('#run-smtp');
    await page.waitForSelector('[data-result=smtp][data-ok=false]');
    assert.equal(await page.textContent('[data-result=smtp] .summary'), 'no delivery route is configured for broken.test; the gateway does not know your mail server yet (ask the gateway team)');
    await page.click('#run-dns');
    await page.waitForSelector('[data-result=dns][data-ok=false]');
    assert.equal(await page.textContent('[data-result=dns] .summary'), 'broken.test has no SPF record; publish one with include:_spf.gateway.test; MX TTL is 86400 s; lower it to 300 s or less');

    await page.goto(`${base}/migration`);
    await page.fill('#domain', 'other.test');
    await page.click('button[type=submit]');
    assert.equal(await page.textContent('#message'), 'other.test is not in the migration programme. Check the spelling, or ask the gateway team.');
    await page.close();
  });

  it('acknowledges a notice by its link in the browser', async () => {
    const good = await new MigrationRepository(store.db).requireDomain('good.test');
    const notice = (await listNotices(deps, { domainId: good.domainId }))[0]!;
    const { ack_nonce: nonce } = await store.db.selectFrom('mig_notices').select('ack_nonce').where('id', '=', notice.id).executeTakeFirstOrThrow();
    const token = deps.links.sign(nonce, new Date(clock.now.getTime() + 86_400_000));
    const page = await browser.newPage();
    await page.goto(`${base}/migration/ack/${token}`);
    assert.equal((await listNotices(deps, { noticeId: notice.id }))[0]!.ackAt, null, 'showing the page does not acknowledge');
    await page.click('#confirm');
    await page.waitForSelector('#ack-done');
    assert.match((await page.textContent('#ack-done'))!, /good\.test \(migration on 2026-11-11\) is recorded/);
    assert.equal((await listNotices(deps, { noticeId: notice.id }))[0]!.ackVia, 'link');
    const expired = deps.links.sign(nonce, new Date(clock.now.getTime() - 1000));
    await page.goto(`${base}/migration/ack/${expired}`);
    assert.equal(await page.textContent('#ack-error'), 'This link has expired.');
    await page.close();
  });

  it('shows the calendar to operators only, with waves, blackout days and domains on their days', async () => {
    const anon = await browser.newPage();
    const res = await anon.goto(`${base}/migration/calendar`);
    assert.equal(res?.status(), 403);
    await anon.close();
    const ctx = await browser.newContext();
    await ctx.addCookies([{ name: 'operator', value: 'yes', url: base }]);
    const page = await ctx.newPage();
    await page.goto(`${base}/migration/calendar`);
    assert.equal(await page.textContent('[data-day="2026-11-11"] [data-domain="good.test"]'), 'good.test · notified');
    assert.equal(await page.textContent('[data-day="2026-11-09"] [data-domain="broken.test"]'), 'broken.test · notified');
    assert.match((await page.textContent('[data-day="2026-11-10"]'))!, /pilot · blackout/);
    assert.match((await page.textContent('[data-day="2026-11-09"]'))!, /pilot · 1\/1/);
    await page.screenshot({ path: `${shots}/calendar.png`, fullPage: true });
    const csv = await page.request.get(`${base}/migration/report.csv`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /^domain,status,wave,date,/);
    await ctx.close();
  });

  it('rate-limits live checks per domain and per client IP', async () => {
    // good.test has had 3 checks in the first test; the limit is 5 per domain per hour.
    const post = (d: string, ip: string) => app.inject({ method: 'POST', url: `/migration/domain/${d}/check/dns`, headers: { accept: 'application/json' }, remoteAddress: ip });
    assert.equal((await post('good.test', '198.51.100.1')).statusCode, 200);
    assert.equal((await post('good.test', '198.51.100.2')).statusCode, 200);
    const limited = await post('good.test', '198.51.100.3');
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // Per IP: 8 an hour across domains, whatever the domain limits say.
    clock.now = new Date(clock.now.getTime() + 2 * 3_600_000);
    const codes: number[] = [];
    for (let i = 0; i < 9; i++) codes.push((await post(i % 2 ? 'good.test' : 'broken.test', '203.0.113.9')).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
  });
});
