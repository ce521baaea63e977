// End to end in Debian's Chromium: an operator reads the report, follows a category figure to
// exactly its messages, opens a quarantined message and releases it, and the message arrives at a
// real downstream SMTP server through the real delivery engine; a domain admin sees only their
// domain. The report page is rendered to a PNG and its charts checked for drawn data.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '../../src/log.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { openStore, type Store } from '../../src/store/db.js';
import { buildWebApp } from '../../src/web/app.js';
import { startDownstream, type Downstream } from '../delivery/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { parseMessage } from '../../src/message/parse.js';
import { ALL_DOMAINS, domainsScope } from '../../src/scan/analyzers/fuzzy/scope.js';
import { addFuzzy, listFuzzy } from '../../src/scan/analyzers/fuzzy/store.js';
import { NEWSLETTER } from '../spam/fuzzy-texts.js';
import { PASSWORD, seed, testConfig, type Seeded } from './seed.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const PERIOD = 'since=2026-11-17&until=2026-11-20';

describe('console in Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  const dataDir = tempDir();
  let store: Store;
  let s: Seeded;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let downstream: Downstream;
  let delivery: DeliveryHandle;

  before(async () => {
    store = await openStore({ url: 'sqlite:rampart.db', dataDir });
    s = await seed(store, dataDir);
    downstream = await startDownstream();
    await store.db.updateTable('routes').set({ port: downstream.port }).execute();
    const config = testConfig(dataDir, 'sqlite:rampart.db');
    delivery = startDelivery({ config, store, logger: createLogger('silent'), spool: s.spool, node: 'node1' });
    // The real clock: the browser drops a session cookie whose expiry is already past.
    app = await buildWebApp({ config, store });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await delivery?.stop();
    await downstream?.close();
    await store?.close();
  });

  async function logIn(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/report?${PERIOD}`);
    assert.match(page.url(), /\/login\?next=/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/report\?/);
    return page;
  }

  it('operator: report figure → exactly its messages; charts drawn; release reaches the downstream server', async () => {
    const page = await logIn('op');
    await page.selectOption('#domain', 'a.example');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/domain=a.example/);
    assert.equal(await page.locator('h1').textContent(), 'Report for a.example');
    const spam = page.locator('[data-figure="cat-spam"]');
    assert.equal(await spam.textContent(), String(s.deliveredA.spam));

    // The charts: bars with data, visibly drawn, and a PNG rendering of the page.
    const bars = await page.$$eval('svg[data-chart] rect.bar', (els) => els.map((e) => ({ count: Number(e.getAttribute('data-count')), h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width })));
    assert.ok(bars.filter((b) => b.count > 0).length >= 9, 'time-series and category bars with data');
    assert.ok(bars.filter((b) => b.count > 0).every((b) => b.h > 0 && b.w > 0), 'every non-zero bar is drawn');
    const png = await page.screenshot({ fullPage: true });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    writeFileSync(path.join(dataDir, 'report.png'), png);
    const chartPng = await page.locator('svg[data-chart="timeseries"]').screenshot();
    assert.ok(chartPng.length > 2000, `the chart renders to a non-trivial image (${chartPng.length} bytes)`);

    await spam.click();
    await page.waitForURL(/\/trace\?/);
    const rows = page.locator('table[data-results] tbody tr');
    assert.equal(await rows.count(), s.deliveredA.spam);
    const cells = await rows.locator('td:nth-child(5)').allTextContents();
    assert.deepEqual(cells, Array(s.deliveredA.spam).fill('spam'));
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('category'), 'spam');
    assert.equal(url.searchParams.get('domain'), 'a.example');

    // Quarantine: open alice's message, check the safe preview, release it.
    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.getByText('Messages are held for 30d after they arrive, then deleted unless released.').waitFor();
    await page.getByRole('link', { name: 'Quarantined for alice@a.example' }).click();
    // quarantine.lifetime (30 days by default) after the message arrived.
    const until = await page.locator('[data-held-until]').getAttribute('data-held-until');
    const arrived = await store.db.selectFrom('messages').select('received_at').where('id', '=', s.quarantined.a[0]!).executeTakeFirstOrThrow();
    assert.equal(Date.parse(until!) - Date.parse(arrived.received_at), 30 * 86_400_000);
    const frame = page.locator('iframe.preview');
    assert.equal(await frame.getAttribute('sandbox'), '');
    const inner = page.frameLocator('iframe.preview');
    assert.equal(await inner.locator('b').textContent(), 'friend');
    assert.equal(await inner.locator('script, img').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    await page.getByRole('button', { name: 'Release', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Released to alice@a.example' }).waitFor();

    const id = s.quarantined.a[0]!;
    const deadline = Date.now() + 20_000;
    while (!downstream.received.some((m) => m.to.includes('alice@a.example') && m.raw.includes('Quarantined for alice@a.example')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const got = downstream.received.filter((m) => m.raw.includes('Quarantined for alice@a.example'));
    assert.equal(got.length, 1, 'the released message reached the downstream server once');
    assert.deepEqual(got[0]!.to, ['alice@a.example']);
    // Releasing again (a second click from a stale page) delivers nothing more.
    await page.goto(`${base}/quarantine/${id}`);
    await page.getByRole('status').filter({ hasText: /This message is (queued|delivered)/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Release', exact: true }).count(), 0);
    const token = await page.locator('input[name=_csrf]').first().inputValue();
    const r = await page.request.post(`${base}/api/quarantine/${id}/release`, { headers: { 'x-csrf-token': token } });
    // Depending on how far delivery got: still queued (nothing more released) or delivered (conflict).
    if (r.status() === 200) assert.deepEqual((await r.json()).released, []);
    else assert.equal((await r.json()).error.code, 'conflict');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(downstream.received.filter((m) => m.raw.includes('Quarantined for alice@a.example')).length, 1);
    await page.context().close();
  });

  it('domain admin: sees only their domain, and another domain\'s message is not found', async () => {
    const page = await logIn('admin-b');
    assert.deepEqual(await page.locator('#domain option').allTextContents(), ['All my domains', 'b.example']);
    await page.getByRole('link', { name: 'Message trace' }).click();
    const recipients = await page.locator('table[data-results] tbody tr td:nth-child(3)').allTextContents();
    assert.ok(recipients.length > 0);
    assert.ok(recipients.every((r) => r.split(', ').every((a) => a.endsWith('@b.example'))), recipients.join(' | '));
    const res = await page.goto(`${base}/quarantine/${s.quarantined.a[1]}`);
    assert.equal(res?.status(), 404);
    assert.equal(await page.locator('h1').textContent(), 'Not found');
    const res2 = await page.goto(`${base}/report?domain=a.example`);
    assert.equal(res2?.status(), 404);
    // Keyboard: the skip link is the first stop and moves focus to the main content.
    await page.goto(`${base}/domains`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    await page.context().close();
  });

  it('operator: the fuzzy hashes of judged messages, and taking one back', async () => {
    const text = (n: string) => `Dear ${n}, ${'your account will be suspended unless you confirm your password on the portal today '.repeat(3)}`;
    const parsed = async (subject: string, body: string) => parseMessage(Buffer.from(`From: x@outside.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`));
    const reportKeep = async (at: string) => addFuzzy(store.db, await parsed('Account suspended', text('Ann')), { class: 'phishing', scope: ALL_DOMAINS, source: 'console:op', lifetimeDays: 90, minWords: 24, now: new Date(at) });
    const keep = await reportKeep('2026-11-20T08:30:00Z');
    await reportKeep('2026-11-25T14:05:00Z'); // reported again: the same entry, judged again
    const mistake = await addFuzzy(store.db, await parsed('Staff newsletter', NEWSLETTER), { class: 'spam', scope: domainsScope(['a.example']), source: 'console:admin-a', note: 'by mistake', lifetimeDays: 0, minWords: 24 });
    const page = await logIn('op');
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('link', { name: 'Fuzzy hashes of judged messages' }).click();
    assert.equal(await page.locator('h1').textContent(), 'Fuzzy hashes');
    const row = (id: number) => page.locator(`tr[data-fuzzy="${id}"]`);
    assert.match((await row(keep.text!.id).textContent())!, /phishing\s*all domains\s*text, \d+ words.*Account suspended.*console:op\s*2026-11-20 08:30\s*last judged 2026-11-25 14:05\s*2027-02-23/);
    assert.match((await row(mistake.text!.id).textContent())!, /spam\s*a\.example\s*text.*Staff newsletter.*console:admin-a.*deleted by hand.*by mistake/);
    await row(mistake.text!.id).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/\/fuzzy\?done=/);
    assert.equal(await page.locator('p.notice').textContent(), `Entry #${mistake.text!.id} deleted.`);
    assert.equal(await row(mistake.text!.id).count(), 0);
    assert.equal(await row(keep.text!.id).count(), 1);
    assert.deepEqual((await listFuzzy(store.db)).map((e) => e.id), [keep.text!.id]);
    const audited = await store.db.selectFrom('audit_log').select(['actor', 'target']).where('action', '=', 'fuzzy.delete').execute();
    assert.deepEqual(audited, [{ actor: 'op', target: String(mistake.text!.id) }]);
    // Adding a message pasted as source (the help desk's phishing report).
    await page.getByLabel('Message source').fill(`From: x@outside.test\r\nSubject: Invoice overdue\r\n\r\n${text('Bo').replace('account will be suspended', 'invoice is overdue')}\r\n`);
    await page.getByLabel('Judged as').selectOption('phishing');
    await page.getByLabel('Note').fill('INC-9');
    // A domain that is not protected would make an entry that never matches: refused, naming it.
    await page.getByLabel('For the mail of').fill('b.example, nowhere.example');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.equal(await page.locator('p.error[role=alert]').textContent(), 'domains: nowhere.example: not a protected domain');
    assert.equal((await listFuzzy(store.db)).length, 1);
    await page.getByLabel('Message source').fill(`From: x@outside.test\r\nSubject: Invoice overdue\r\n\r\n${text('Bo').replace('account will be suspended', 'invoice is overdue')}\r\n`);
    await page.getByLabel('Judged as').selectOption('phishing');
    await page.getByLabel('Note').fill('INC-9');
    await page.getByLabel('For the mail of').fill('B.example');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/\/fuzzy\?done=/);
    assert.match((await page.locator('p.notice').textContent())!, /^Added: text #\d+ added for b\.example\.$/);
    const added = (await listFuzzy(store.db)).find((e) => e.subject === 'Invoice overdue')!;
    assert.deepEqual([added.class, added.source, added.note, added.scope], ['phishing', 'console:op', 'INC-9', { kind: 'domains', domains: ['b.example'] }]);
    assert.equal(await row(added.id).count(), 1);
    // Too short to fingerprint: said on the page, nothing added.
    await page.getByLabel('Message source').fill('Subject: hi\r\n\r\nSee you at five.\r\n');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.match((await page.locator('p.error[role=alert]').textContent())!, /^nothing to fingerprint: no text fingerprint \(4 words, fewer than 24\), and no attachment or picture to fingerprint$/);
    assert.equal((await listFuzzy(store.db)).length, 2);
    // Searching: by subject, by class.
    await page.getByLabel('Subject contains').fill('invoice');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/fuzzy\?.*subject=invoice/);
    assert.deepEqual(await page.locator('tr[data-fuzzy]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fuzzy'))), [String(added.id)]);
    await page.getByLabel('Subject contains').fill('');
    await page.getByLabel('Judged', { exact: true }).selectOption('spam');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/class=spam/);
    assert.equal(await page.locator('[data-results="0"]').textContent(), 'No entries match.');
    await page.context().close();
    // A domain admin: the link, the entries for their domain's mail only, taking one back.
    const admin = await logIn('admin-b');
    await admin.goto(`${base}/policy`);
    await admin.getByRole('link', { name: 'Fuzzy hashes of judged messages' }).click();
    assert.deepEqual(await admin.locator('tr[data-fuzzy]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fuzzy'))), [String(added.id)]);
    assert.equal(await admin.getByLabel('For the mail of').getAttribute('placeholder'), 'all my domains (b.example)');
    await admin.locator(`tr[data-fuzzy="${added.id}"]`).getByRole('button', { name: 'Take back' }).click();
    await admin.waitForURL(/\/fuzzy\?done=/);
    assert.equal(await admin.locator('p.notice').textContent(), `Entry #${added.id} deleted.`);
    assert.deepEqual((await listFuzzy(store.db)).map((e) => e.id), [keep.text!.id], "the operator's entry for every domain stays");
    await admin.context().close();
  });

  it("personal lists: a mailbox owner's own senders; a domain admin's view of their domain's mailboxes, not another's", async () => {
    const page = await logIn('alice');
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('link', { name: 'My allowed and blocked senders' }).click();
    assert.equal(await page.locator('h1').textContent(), 'My senders');
    assert.equal(await page.locator('[data-list="allow"]').textContent(), 'None.');
    const add = async (list: string, value: string) => {
      await page.getByLabel('List').selectOption(list);
      await page.getByLabel('Sender address or domain').fill(value);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
    };
    await add('allow', 'News@Shop.Example');
    await page.waitForURL(/\/senders\?done=/);
    assert.equal(await page.locator('p.notice').textContent(), 'News@Shop.Example added to the allowed senders.');
    await add('block', 'pushy.example');
    await page.waitForURL(/\/senders\?done=.*blocked/);
    assert.match((await page.locator('[data-list="allow"]').textContent())!, /news@shop\.example\s*\(address\)/);
    assert.match((await page.locator('[data-list="block"]').textContent())!, /pushy\.example\s*\(the domain and its subdomains\)/);
    // A client IP is not a sender: refused on the page, naming why, nothing stored.
    await add('block', '203.0.113.9');
    assert.match((await page.locator('p.error[role=alert]').textContent())!, /203\.0\.113\.9: a mailbox's list holds sender addresses and domains, not client IP addresses/);
    const stored = async () => (await store.db.selectFrom('scan_lists').select(['domain', 'list', 'value']).where('domain', '=', 'alice@a.example').orderBy('list').execute()).map((r) => `${r.list} ${r.value}`);
    assert.deepEqual(await stored(), ['allow news@shop.example', 'block pushy.example']);
    await page.getByRole('button', { name: 'Remove', exact: true }).first().click();
    await page.waitForURL(/\/senders\?done=.*removed/);
    assert.deepEqual(await stored(), ['block pushy.example']);
    const audited = await store.db.selectFrom('audit_log').select(['actor', 'action', 'target']).where('action', 'like', 'senders.%').orderBy('id').execute();
    assert.deepEqual(audited.map((a) => `${a.actor} ${a.action} ${a.target}`), ['alice senders.add alice@a.example', 'alice senders.add alice@a.example', 'alice senders.remove alice@a.example']);
    await page.context().close();
    // Another mailbox is not hers to see.
    const other = await logIn('alice');
    assert.equal((await other.goto(`${base}/senders?mailbox=bob@a.example`))?.status(), 404);
    await other.context().close();
    // a.example's admin: the domain's Policy page lists the mailboxes with personal lists, and
    // opens one; a mailbox of b.example is not found (page and API).
    const admin = await logIn('admin-a');
    await admin.goto(`${base}/policy/a.example`);
    assert.match((await admin.locator('[data-personal]').textContent())!, /alice@a\.example\s*\(0 allowed, 1 blocked\)/);
    await admin.getByRole('link', { name: 'alice@a.example' }).click();
    assert.equal(await admin.locator('h1').textContent(), 'Senders of alice@a.example');
    await admin.getByLabel('List').selectOption('allow');
    await admin.getByLabel('Sender address or domain').fill('library.example');
    await admin.getByRole('button', { name: 'Add', exact: true }).click();
    await admin.waitForURL(/\/senders\?mailbox=alice%40a\.example&done=/);
    assert.equal(await admin.locator('p.notice').textContent(), 'library.example added to the allowed senders of alice@a.example.');
    assert.deepEqual(await stored(), ['allow library.example', 'block pushy.example']);
    assert.equal((await admin.goto(`${base}/senders?mailbox=dave@b.example`))?.status(), 404);
    assert.equal((await admin.request.get(`${base}/api/senders?mailbox=dave@b.example`)).status(), 404);
    assert.equal((await admin.request.get(`${base}/api/senders`)).status(), 400, 'which mailbox must be said');
    const adminAudit = await store.db.selectFrom('audit_log').select(['actor', 'action', 'target']).where('action', '=', 'senders.add').where('actor', '=', 'admin-a').execute();
    assert.deepEqual(adminAudit, [{ actor: 'admin-a', action: 'senders.add', target: 'alice@a.example' }]);
    await admin.context().close();
  });

  it('works on a phone-sized screen without horizontal page scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('Username').fill('op');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/report/);
    await page.goto(`${base}/report?${PERIOD}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);
    await context.close();
  });
});
