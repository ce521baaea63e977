// End to end: a running gateway (real SMTP through Nodemailer, the scan pool, the console over
// HTTP). An operator reports one quarantined copy of a campaign as spam in the console; the next
// copy, to another domain, is refused before 250 for FUZZY_SPAM. Released-and-learned mail gives
// its next issue FUZZY_HAM; report-as-phishing makes copies phishing. And `rampart fuzzy
// add|list|delete` against the same store.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sendWithNodemailer } from '../helpers/nodemailer.js';
import { PolicyRepository } from '../../src/policy/repository.js';
import { listFuzzy, MAX_ENTRIES_PER_ADMIN } from '../../src/scan/analyzers/fuzzy/store.js';
import { domainsScope, encodeScope } from '../../src/scan/analyzers/fuzzy/scope.js';
import { createHash } from 'node:crypto';
import { addUser } from '../../src/web/users.js';
import { rampart } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { SHIPPED_BUT_LIMITS } from '../scan/fake-analyzers.js';
import { campaign, forwardAsAttachment, mail, mailWithFiles, NEWSLETTER, PARCEL } from './fuzzy-texts.js';
import { jpg, png } from './pictures.js';

const PASSWORD = 'correct horse battery';
const AD = { width: 400, height: 300, seed: 1 };
const PAYROLL = `Hi {name}, the finance office is moving salary payments to a new provider this month. To make
sure your next payment is not delayed, sign in to the staff payroll portal before Friday and confirm
your bank details, home address and tax code. Staff who do not confirm their details in time will be
paid at the end of the following month instead. The portal link below is personal; please do not share
it with colleagues. Kind regards, Payroll Services, Finance Office`;

// Two more campaigns, unlike the ones above (a copy of one would match its entry).
const DRAW = `Dear {name}, we are pleased to inform you that your email address was selected in the annual
international staff appreciation draw held last week. To claim your prize you must send your full name,
date of birth, mobile number and a copy of your identity card to our claims agent within seven working
days, quoting your reference number. Prizes not claimed in time are returned to the fund.
Congratulations once again from the draw committee.`;
const SEMINAR = `Dear colleagues, the department research seminar continues this {day} at four in the afternoon in
the lecture theatre on the ground floor. Our speaker will present recent work on soil microbiology and
climate adaptation, followed by questions and a short reception in the common room. Research students
are especially welcome, and the slides will be posted on the intranet afterwards.`;

function send(port: number, to: string | string[], subject: string, text: string) {
  return sendWithNodemailer(port, { from: 'helpdesk@outside.test', to, subject, text });
}

/** Sends and asserts the 250, the server's reply the message when it is not. */
async function accepted(port: number, to: string | string[], subject: string, text: string): Promise<void> {
  const r = await send(port, to, subject, text);
  assert.ok(r.ok, `${subject}: ${JSON.stringify(r)}`);
}

describe('fuzzy hashes in the running gateway', () => {
  let gw: TestGateway;
  let web: string;
  before(async () => {
    const port = await freePort();
    web = `http://127.0.0.1:${port}`;
    gw = await startTestGateway({
      workers: 0,
      config: {
        web: { port, public_url: web },
        scan: {
          enabled: true,
          threads: 1,
          // Fuzzy alone decides here (the other analyzers have their own tests); checked on every message.
          disabled: SHIPPED_BUT_LIMITS.filter((n) => n !== 'fuzzy'),
          analyzers: { fuzzy: { refresh_interval: 0 } },
        },
      },
      domains: [
        { name: 'held.test', catchAll: true },
        { name: 'open.test', catchAll: true },
        { name: 'spamwatch.test', catchAll: true },
        { name: 'phishwatch.test', catchAll: true },
      ],
    });
    const policy = new PolicyRepository(gw.db);
    await policy.setAction('held.test', 'clean', 'quarantine');
    await policy.setAction('held.test', 'spam', 'quarantine');
    await policy.setAction('open.test', 'spam', 'reject');
    // Monitor mode until a go-live far ahead: the fuzzy analyzer is of the spam family, but
    // FUZZY_PHISHING goes live with the phishing family.
    await policy.setMonitor('spamwatch.test', 'spam', '2099-01-01T00:00:00Z');
    await policy.setMonitor('phishwatch.test', 'phishing', '2099-01-01T00:00:00Z');
    await addUser(gw.db, { username: 'op', password: PASSWORD, role: 'operator' });
    await addUser(gw.db, { username: 'kim', password: PASSWORD, role: 'mailbox_owner', mailbox: 'kim@held.test' });
    await addUser(gw.db, { username: 'amy', password: PASSWORD, role: 'domain_admin', domains: ['held.test'] });
  });
  after(() => gw?.stop());

  const row = (subject: string) => gw.db.selectFrom('messages').selectAll().where('subject', '=', subject).executeTakeFirstOrThrow();

  async function session(username = 'op') {
    const login = await fetch(`${web}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
    assert.equal(login.status, 200);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('rampart_session='))!.split(';')[0]!;
    const { csrf } = (await login.json()) as { csrf: string };
    return { cookie, csrf };
  }

  async function consoleAction(id: string, action: 'report_spam' | 'report_phishing' | 'release_learn', username = 'op') {
    const { cookie, csrf } = await session(username);
    const r = await fetch(`${web}/api/quarantine/${id}/${action}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as { learned: boolean };
  }

  it('report-as-spam in the console: the next copy of the campaign is refused for FUZZY_SPAM', async () => {
    await accepted(gw.port, 'alice@held.test', 'Mailbox quota', campaign('Alice', 500, 24, 'http://a.example/x'));
    // Before the report a copy passes: the test can fail.
    const before = await send(gw.port, 'carol@open.test', 'Mailbox quota (1)', campaign('Carol', 600, 36, 'http://c.example/z'));
    assert.ok(before.ok, JSON.stringify(before));
    const held = await row('Mailbox quota');
    assert.equal(held.status, 'quarantined');
    assert.equal((await consoleAction(held.id, 'report_spam')).learned, true);
    const entries = await listFuzzy(gw.db);
    assert.deepEqual(entries.map((e) => [e.class, e.source, e.subject]), [['spam', 'console:op', 'Mailbox quota']]);
    const r = await send(gw.port, 'bob@open.test', 'Your mailbox quota', campaign('Professor Bob', 750, 48, 'http://b.example/y?id=9'));
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.code, 550, JSON.stringify(r));
    const refused = await row('Your mailbox quota');
    assert.equal(refused.status, 'rejected');
    assert.equal(refused.category, 'spam');
    const fz = JSON.parse(refused.symbols!).find((s: { name: string }) => s.name === 'FUZZY_SPAM');
    assert.ok(fz && fz.score >= 12, JSON.stringify(refused.symbols));
    assert.match(fz.detail, new RegExp(`^#${entries[0]!.id} \\d+/32 "Mailbox quota" \\(console:op\\)$`));
    // Other mail still passes.
    await accepted(gw.port, 'bob@open.test', 'Library hours', NEWSLETTER);
    assert.equal((await row('Library hours')).category, 'clean');
  });

  it('release-and-learn: the next issue of the newsletter gets FUZZY_HAM', async () => {
    const text = NEWSLETTER.replace('Hello everyone', 'Dear students');
    await accepted(gw.port, 'dan@held.test', 'Library news', text);
    const held = await row('Library news');
    await consoleAction(held.id, 'release_learn');
    assert.ok((await listFuzzy(gw.db)).some((e) => e.class === 'ham' && e.subject === 'Library news' && e.source === 'console:op'));
    await accepted(gw.port, 'erin@open.test', 'Library news (2)', text.replace('midnight', 'one in the morning'));
    const next = await row('Library news (2)');
    const ham = JSON.parse(next.symbols!).find((s: { name: string }) => s.name === 'FUZZY_HAM');
    assert.ok(ham && ham.score < 0, next.symbols!);
  });

  it('report-as-phishing in the console: the next copy is phishing, whatever the spam policy', async () => {
    // Another campaign than the one reported as spam above (it would match that one).
    const text = PAYROLL.replace('{name}', 'Hana');
    await accepted(gw.port, 'hana@held.test', 'Payroll update', text);
    const held = await row('Payroll update');
    const { cookie } = await session();
    const page = await fetch(`${web}/quarantine/${held.id}`, { headers: { cookie } });
    assert.match(await page.text(), /data-action="report_phishing">Report as phishing</);
    await consoleAction(held.id, 'report_phishing');
    const reply = await gw.db.selectFrom('message_recipients').select('last_reply').where('message_id', '=', held.id).executeTakeFirstOrThrow();
    assert.equal(reply.last_reply, 'reported as phishing by op');
    assert.ok((await listFuzzy(gw.db)).some((e) => e.class === 'phishing' && e.subject === 'Payroll update' && e.source === 'console:op'));
    // Accepted and quarantined (phishing's default action), not refused as spam would be on open.test.
    await accepted(gw.port, 'ivan@open.test', 'Payroll update (2)', PAYROLL.replace('{name}', 'Ivan').replace('Friday', 'Thursday'));
    const copy = await row('Payroll update (2)');
    assert.equal(copy.category, 'phishing');
    assert.equal(copy.status, 'quarantined');
    assert.ok(JSON.parse(copy.symbols!).some((s: { name: string }) => s.name === 'FUZZY_PHISHING'));
    // Monitor mode: the spam family's does not hold FUZZY_PHISHING back, the phishing family's does.
    await accepted(gw.port, 'jo@spamwatch.test', 'Payroll update (3)', PAYROLL.replace('{name}', 'Jo'));
    const enforced = await row('Payroll update (3)');
    assert.deepEqual([enforced.category, enforced.status], ['phishing', 'quarantined']);
    await accepted(gw.port, 'lee@phishwatch.test', 'Payroll update (4)', PAYROLL.replace('{name}', 'Lee'));
    const watched = await row('Payroll update (4)');
    assert.deepEqual([watched.category, watched.status, watched.would_category, watched.would_action], ['clean', 'queued', 'phishing', 'quarantine']);
  });

  it('a mailbox owner\'s report teaches Bayes but adds no fuzzy hash (one entry acts on a whole domain\'s mail)', async () => {
    const text = PAYROLL.replace('{name}', 'Kim').replace('finance office', 'travel office');
    await accepted(gw.port, 'kim@held.test', 'Travel refund', text);
    const held = await row('Travel refund');
    const before = (await listFuzzy(gw.db)).length;
    const learned = async () => Number((await gw.db.selectFrom('bayes_learned').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const learnedBefore = await learned();
    assert.equal((await consoleAction(held.id, 'report_spam', 'kim')).learned, true);
    assert.equal(await learned(), learnedBefore + 1);
    assert.equal((await listFuzzy(gw.db)).length, before);
  });

  it('the fuzzy API: operators list and delete entries; others are refused', async () => {
    const op = await session();
    const list = await fetch(`${web}/api/fuzzy`, { headers: { cookie: op.cookie } });
    assert.equal(list.status, 200);
    const { items: entries, next } = (await list.json()) as { items: { id: number; class: string; kind: string; source: string; scope: unknown }[]; next: number | null };
    assert.deepEqual(entries.map((e) => e.id), (await listFuzzy(gw.db)).map((e) => e.id).reverse());
    assert.equal(next, null);
    // Pages: newest first, `next` the following page's `before`.
    const paged = (await (await fetch(`${web}/api/fuzzy?limit=1`, { headers: { cookie: op.cookie } })).json()) as { items: { id: number }[]; next: number };
    assert.deepEqual([paged.items.map((e) => e.id), paged.next], [[entries[0]!.id], entries[0]!.id]);
    const rest = (await (await fetch(`${web}/api/fuzzy?limit=500&before=${paged.next}`, { headers: { cookie: op.cookie } })).json()) as { items: { id: number }[] };
    assert.deepEqual(rest.items.map((e) => e.id), entries.slice(1).map((e) => e.id));
    assert.equal((await fetch(`${web}/api/fuzzy?limit=0`, { headers: { cookie: op.cookie } })).status, 400);
    assert.ok(entries.every((e) => e.kind === 'text' && e.source === 'console:op' && e.scope === 'all'));
    const del = (id: number, who = op) => fetch(`${web}/api/fuzzy/${id}/delete`, { method: 'POST', headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' }, body: '{}' });
    assert.equal((await del(999_999)).status, 404);
    const kim = await session('kim');
    assert.equal((await del(entries[0]!.id, kim)).status, 403);
    assert.equal((await fetch(`${web}/api/fuzzy`, { headers: { cookie: kim.cookie } })).status, 403);
    const ok = await del(entries[0]!.id);
    assert.deepEqual(await ok.json(), { id: entries[0]!.id, deleted: true, scope: null });
    assert.ok(!(await listFuzzy(gw.db)).some((e) => e.id === entries[0]!.id));
    // Adding a pasted source: a forward's attached message with attached: true; without it, a 400 that says why.
    const post = (body: unknown, who = op) => fetch(`${web}/api/fuzzy`, { method: 'POST', headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const raw = forwardAsAttachment('FYI', mail('Parcel notice', PARCEL.replace('{name}', 'Rue').replace('courier', 'postal'))).toString('latin1');
    const refused = await post({ raw, class: 'spam' });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /nothing to fingerprint: .* it carries an attached message: tick "attached" to add that one/);
    const added = await post({ raw, class: 'spam', attached: true, note: 'INC-11' });
    assert.equal(added.status, 200);
    const results = ((await added.json()) as { results: { message: string; text: { status: string; id: number } | null }[] }).results;
    assert.deepEqual(results.map((r) => [r.message, r.text?.status]), [['suspicious.eml', 'added']]);
    assert.equal((await post({ raw, class: 'spam', attached: true }, kim)).status, 403);
    assert.equal((await post({ raw, class: 'virus' })).status, 400);
    const unknown = await post({ raw, class: 'spam', attached: true, domains: ['held.test', 'nowhere.test'] });
    assert.equal(unknown.status, 400);
    assert.equal(((await unknown.json()) as { error: { message: string } }).error.message, 'domains: nowhere.test: not a protected domain');
    const scoped = await post({ raw, class: 'ham', attached: true, domains: ['held.test'] });
    assert.deepEqual(((await scoped.json()) as { results: { text: { scope: unknown } }[] }).results.map((r) => r.text.scope), [{ kind: 'domains', domains: ['held.test'] }]);
    const listed = (await (await fetch(`${web}/api/fuzzy`, { headers: { cookie: op.cookie } })).json()) as { items: { class: string; scope: unknown }[] };
    assert.deepEqual(listed.items.filter((e) => e.class === 'ham').map((e) => e.scope).slice(0, 1), [['held.test']]);
  });

  it('rampart fuzzy add / list / delete on the same store: a phishing entry takes effect at once', async () => {
    const config = path.join(gw.dataDir, 'cli.yaml');
    writeFileSync(config, JSON.stringify({ data_dir: gw.dataDir, database: { url: gw.config.database.url } }));
    const file = path.join(gw.dataDir, 'phish.eml');
    const phish = campaign('Frank', 200, 12, 'http://f.example/login').replace('storage quota', 'security review');
    writeFileSync(file, mail('Security review', phish));
    const added = await rampart(config, 'fuzzy', 'add', '--class', 'phishing', '--note', 'INC-7', '--days', '3', file);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^.*phish\.eml: text #\d+ added\n1 entries added, 0 already known\n$/);
    const list = await rampart(config, 'fuzzy', 'list', '--json');
    const entry = list.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.class === 'phishing' && e.source === 'cli');
    assert.equal(entry.note, 'INC-7');
    assert.equal(Date.parse(entry.expires_at) - Date.parse(entry.created_at) > 2.9 * 86_400_000, true);
    await accepted(gw.port, 'gina@open.test', 'Security review (2)', phish.replace('Frank', 'Gina'));
    const m = await row('Security review (2)');
    assert.equal(m.category, 'phishing');
    assert.ok(JSON.parse(m.symbols!).some((s: { name: string }) => s.name === 'FUZZY_PHISHING'));
    // Reported again: one entry, judged again (its judgement is the one a later release is weighed against).
    const again = await rampart(config, 'fuzzy', 'add', '--class', 'phishing', file);
    assert.match(again.stdout, new RegExp(`phish\\.eml: text #${entry.id} already known \\(lifetime extended\\)\n`));
    const relisted = await rampart(config, 'fuzzy', 'list', '--class', 'phishing', '--json');
    const judged = relisted.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.id === entry.id);
    assert.ok(judged.judged_at > judged.created_at, JSON.stringify(judged));
    assert.match((await rampart(config, 'fuzzy', 'list', '--class', 'phishing')).stdout, new RegExp(`^#${entry.id}\tphishing\tall domains\t[^\t]+\t[^\t]+, last judged [^\t]+\tuntil `, 'm'));
    // A report forwarded as an attachment: the forward's note is not the campaign, the attached message is.
    const fwd = path.join(gw.dataDir, 'fwd.eml');
    writeFileSync(fwd, forwardAsAttachment('FYI, this looks odd.', mail('Parcel waiting', PARCEL.replace('{name}', 'Pat'))));
    const plain = await rampart(config, 'fuzzy', 'add', '--class', 'spam', fwd);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /fwd\.eml: nothing to fingerprint .* it carries an attached message: --attached adds that one: not added/);
    const viaAttached = await rampart(config, 'fuzzy', 'add', '--class', 'spam', '--attached', fwd);
    assert.equal(viaAttached.code, 0, viaAttached.stderr);
    assert.match(viaAttached.stdout, /fwd\.eml\[suspicious\.eml\]: text #\d+ added\n/);
    const parcel = await send(gw.port, 'quinn@open.test', 'Parcel waiting (2)', PARCEL.replace('{name}', 'Quinn'));
    assert.equal(parcel.ok ? 0 : parcel.code, 550, 'open.test rejects spam');
    assert.equal((await rampart(config, 'fuzzy', 'add', '--class', 'spam', '--attached', file)).code, 2, 'no attached message: nothing added');
    // A picture campaign: one line and a picture. Added as a picture; its copy, re-encoded as JPEG
    // under another name and sent by Nodemailer, is refused where spam is.
    const pictured = path.join(gw.dataDir, 'offer.eml');
    writeFileSync(pictured, mailWithFiles('Exclusive offer', 'See the picture.', [{ name: 'offer.png', type: 'image/png', content: png(AD) }]));
    const addedPicture = await rampart(config, 'fuzzy', 'add', '--class', 'spam', pictured);
    assert.equal(addedPicture.code, 0, addedPicture.stderr);
    assert.match(addedPicture.stdout, /offer\.eml: no text fingerprint \(3 words, fewer than 24\), picture offer\.png #\d+ added\n/);
    assert.match((await rampart(config, 'fuzzy', 'list', '--subject', 'exclusive')).stdout, /\tpicture offer\.png \(\d+ bytes, phash [0-9a-f]{16}\)\t/);
    const offer = await sendWithNodemailer(gw.port, { from: 'deals@outside.test', to: 'una@open.test', subject: 'Only today', text: 'Look!', attachments: [{ filename: 'today.jpg', content: jpg({ ...AD, width: 360, height: 270 }, 50) }] });
    assert.equal(offer.ok ? 250 : offer.code, 550);
    assert.match(JSON.parse((await row('Only today')).symbols!).find((s: { name: string }) => s.name === 'FUZZY_SPAM').detail, /^#\d+ picture offer\.png, \d\/64 bits differ "Exclusive offer" \(cli\)$/);

    // Bad input: a clear error and nothing written.
    const short = path.join(gw.dataDir, 'short.eml');
    writeFileSync(short, mail('Hi', 'See you at five.'));
    const nothing = await rampart(config, 'fuzzy', 'add', '--class', 'spam', short);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /short\.eml: nothing to fingerprint \(4 words, fewer than scan\.analyzers\.fuzzy\.min_words 24, and no attachment or picture to fingerprint\): not added/);
    const before = (await listFuzzy(gw.db)).length;
    const unknown = await rampart(config, 'fuzzy', 'add', '--class', 'spam', '--domain', 'open.test', '--domain', 'nowhere.test', file);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--domain: nowhere\.test: not a protected domain \(see rampart domains list\)/);
    assert.equal((await listFuzzy(gw.db)).length, before);
    // For one domain's mail: said when added and listed.
    const scoped = path.join(gw.dataDir, 'scoped.eml');
    writeFileSync(scoped, mail('Held parcel', PARCEL.replace('{name}', 'Zed').replace('parcel', 'package').replace('delivery', 'shipment')));
    const forOne = await rampart(config, 'fuzzy', 'add', '--class', 'ham', '--domain', 'Held.Test', scoped);
    assert.equal(forOne.code, 0, forOne.stderr);
    const heldId = Number(/scoped\.eml: text #(\d+) (?:added|already known \(lifetime extended\)) for held\.test\n/.exec(forOne.stdout)?.[1]);
    assert.ok(heldId > 0, forOne.stdout);
    const listed = await rampart(config, 'fuzzy', 'list');
    assert.match(listed.stdout, /^#\d+\tham\theld\.test\ttext \(\d+ words\)\t.*\tHeld parcel$/m);
    assert.match(listed.stdout, /^#\d+\tspam\tall domains\t/m);
    const ids = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => Number(JSON.parse(l).id));
    const all = ids((await rampart(config, 'fuzzy', 'list', '--json')).stdout);
    assert.deepEqual(all, [...all].sort((a, b) => b - a), 'newest first');
    const entries = await listFuzzy(gw.db);
    const forHeld = ids((await rampart(config, 'fuzzy', 'list', '--json', '--domain', 'held.test')).stdout);
    assert.deepEqual(forHeld, entries.filter((e) => e.scope.kind === 'domains' && e.scope.domains.includes('held.test')).map((e) => e.id).reverse());
    assert.ok(forHeld.includes(heldId), `#${heldId} in ${forHeld.join(', ')}`);
    assert.ok(!all.every((id) => forHeld.includes(id)), 'entries for every domain are not listed for held.test');
    const hamHeld = (await rampart(config, 'fuzzy', 'list', '--class', 'ham', '--domain', 'held.test', '--subject', 'held PARCEL')).stdout;
    assert.match(hamHeld.trimEnd(), /^#\d+\tham\theld\.test\ttext \(\d+ words\)\t.*\tHeld parcel$/);
    assert.equal(hamHeld.trim().split('\n').length, 1);
    const noSuch = await rampart(config, 'fuzzy', 'list', '--domain', 'nowhere.test');
    assert.equal(noSuch.code, 2);
    assert.match(noSuch.stderr, /--domain: nowhere\.test: not a protected domain/);
    const bad = await rampart(config, 'fuzzy', 'add', '--class', 'virus', file);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--class <class>' argument 'virus' is invalid\. expected one of spam, phishing, ham/);
    const missing = await rampart(config, 'fuzzy', 'delete', String(entry.id), '99999');
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /^1 deleted\n$/);
    assert.match(missing.stderr, /no entry #99999/);
    assert.ok(!(await listFuzzy(gw.db)).some((e) => e.id === entry.id));
  });

  it("a domain admin's judgements act on their domain's mail only", async () => {
    const symbol = async (subject: string, name: string) => JSON.parse((await row(subject)).symbols!).find((s: { name: string }) => s.name === name);
    /** Each recipient's copy of a message: address, category, status and symbol names. */
    const copies = async (subject: string) =>
      (await gw.db.selectFrom('messages').innerJoin('message_recipients', 'message_recipients.message_id', 'messages.id').select(['address', 'category', 'messages.status', 'symbols']).where('subject', '=', subject).orderBy('address').execute()).map((c) => [
        c.address,
        c.category,
        c.status,
        (JSON.parse(c.symbols!) as { name: string }[]).map((x) => x.name),
      ]);
    // Reported as spam by held.test's admin: an entry for held.test.
    await accepted(gw.port, 'max@held.test', 'Staff draw', DRAW.replace('{name}', 'Max'));
    assert.equal((await consoleAction((await row('Staff draw')).id, 'report_spam', 'amy')).learned, true);
    const spam = (await listFuzzy(gw.db)).find((e) => e.subject === 'Staff draw')!;
    assert.deepEqual([spam.class, spam.source, spam.scope], ['spam', 'console:amy', { kind: 'domains', domains: ['held.test'] }]);
    // Its next copy to open.test (which refuses spam) passes: held.test's judgement is not open.test's.
    await accepted(gw.port, 'ned@open.test', 'Staff draw (2)', DRAW.replace('{name}', 'Ned'));
    assert.equal(await symbol('Staff draw (2)', 'FUZZY_SPAM'), undefined);
    // To held.test it is spam, the scope in the detail.
    await accepted(gw.port, 'ola@held.test', 'Staff draw (3)', DRAW.replace('{name}', 'Ola'));
    assert.equal((await row('Staff draw (3)')).category, 'spam');
    assert.match((await symbol('Staff draw (3)', 'FUZZY_SPAM')).detail, /\(console:amy; for held\.test\)$/);
    // One transaction to both: each domain's copy judged with its own entries — held.test's copy
    // spam (quarantined), open.test's clean (queued).
    await accepted(gw.port, ['pia@held.test', 'raj@open.test'], 'Staff draw (4)', DRAW.replace('{name}', 'colleague'));
    assert.deepEqual(await copies('Staff draw (4)'), [
      ['pia@held.test', 'spam', 'quarantined', ['FUZZY_SPAM', 'POLICY_SPLIT']],
      ['raj@open.test', 'clean', 'queued', ['POLICY_SPLIT']],
    ]);

    // Released as not spam by held.test's admin: FUZZY_HAM for held.test's mail only.
    await accepted(gw.port, 'sam@held.test', 'Seminar', SEMINAR.replace('{day}', 'Tuesday'));
    await consoleAction((await row('Seminar')).id, 'release_learn', 'amy');
    assert.ok((await listFuzzy(gw.db)).some((e) => e.class === 'ham' && e.subject === 'Seminar' && e.scope.kind === 'domains'));
    await accepted(gw.port, 'tom@held.test', 'Seminar (2)', SEMINAR.replace('{day}', 'Thursday'));
    assert.ok((await symbol('Seminar (2)', 'FUZZY_HAM'))?.score < 0);
    await accepted(gw.port, 'uma@open.test', 'Seminar (3)', SEMINAR.replace('{day}', 'Thursday'));
    assert.equal(await symbol('Seminar (3)', 'FUZZY_HAM'), undefined);
    // To both: FUZZY_HAM counts for held.test's copy only (which held.test's policy for clean mail quarantines).
    await accepted(gw.port, ['val@held.test', 'wes@open.test'], 'Seminar (4)', SEMINAR.replace('{day}', 'Friday'));
    assert.deepEqual(await copies('Seminar (4)'), [
      ['val@held.test', 'clean', 'quarantined', ['FUZZY_HAM', 'POLICY_SPLIT']],
      ['wes@open.test', 'clean', 'queued', ['POLICY_SPLIT']],
    ]);

    // An operator reports a copy of the draw too: an entry for every domain's mail (the same
    // message reported again would widen the first entry's scope: test/spam/fuzzy.test.ts).
    await accepted(gw.port, 'xia@held.test', 'Staff draw (5)', DRAW.replace('{name}', 'Xia'));
    await consoleAction((await row('Staff draw (5)')).id, 'report_spam');
    assert.deepEqual((await listFuzzy(gw.db)).find((e) => e.subject === 'Staff draw (5)')?.scope, { kind: 'all' });
    const refused = await send(gw.port, 'yan@open.test', 'Staff draw (6)', DRAW.replace('{name}', 'Yan'));
    assert.equal(refused.ok ? 250 : refused.code, 550);

    // The admin's view of the entries (API): those for held.test's mail only — not the operator's
    // entries for every domain; adding is for their domains; taking back removes held.test.
    const amy = await session('amy');
    const theirs = async () => ((await (await fetch(`${web}/api/fuzzy`, { headers: { cookie: amy.cookie } })).json()) as { items: { id: number; subject: string; scope: unknown }[] }).items;
    const seen = await theirs();
    assert.ok(seen.some((e) => e.id === spam.id));
    assert.ok(seen.every((e) => Array.isArray(e.scope) && e.scope.includes('held.test')), JSON.stringify(seen));
    assert.ok(!seen.some((e) => e.subject === 'Staff draw (5)'));
    const post = (body: unknown) => fetch(`${web}/api/fuzzy`, { method: 'POST', headers: { cookie: amy.cookie, 'x-csrf-token': amy.csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const raw = mail('Grant office', SEMINAR.replace('{day}', 'Monday').replace('research seminar', 'grant writing workshop')).toString('latin1');
    const foreign = await post({ raw, class: 'spam', domains: ['open.test'] });
    assert.equal(foreign.status, 400);
    assert.equal(((await foreign.json()) as { error: { message: string } }).error.message, 'domains: open.test: not one of your domains');
    const added = await post({ raw, class: 'spam' });
    assert.equal(added.status, 200);
    assert.deepEqual(((await added.json()) as { results: { text: { scope: unknown } }[] }).results.map((r) => r.text.scope), [{ kind: 'domains', domains: ['held.test'] }]);
    const takeBack = (id: number) => fetch(`${web}/api/fuzzy/${id}/delete`, { method: 'POST', headers: { cookie: amy.cookie, 'x-csrf-token': amy.csrf, 'content-type': 'application/json' }, body: '{}' });
    assert.deepEqual(await (await takeBack(spam.id)).json(), { id: spam.id, deleted: true, scope: null });
    const global = (await listFuzzy(gw.db)).find((e) => e.subject === 'Staff draw (5)')!;
    assert.equal((await takeBack(global.id)).status, 404);
    assert.ok((await listFuzzy(gw.db)).some((e) => e.id === global.id));
    const audited = await gw.db.selectFrom('audit_log').select(['actor', 'target']).where('action', '=', 'fuzzy.take_back').execute();
    assert.deepEqual(audited, [{ actor: 'amy', target: String(spam.id) }]);
  });

  it("a domain admin's release outweighs an earlier report for every domain, for their domain's mail; a later report holds copies again", async () => {
    const symbols = async (subject: string) => JSON.parse((await row(subject)).symbols!) as { name: string; score: number; detail: string }[];
    // The operator's entry for every domain (the previous test): a copy to held.test is spam.
    const global = (await listFuzzy(gw.db)).find((e) => e.subject === 'Staff draw (5)')!;
    await accepted(gw.port, 'zoe@held.test', 'Staff draw (7)', DRAW.replace('{name}', 'Zoe'));
    assert.equal((await row('Staff draw (7)')).category, 'spam');
    // held.test's admin releases it as not spam: held.test's next copies get FUZZY_HAM alone.
    await consoleAction((await row('Staff draw (7)')).id, 'release_learn', 'amy');
    const release = (await listFuzzy(gw.db)).find((e) => e.subject === 'Staff draw (7)')!;
    assert.deepEqual([release.class, release.scope], ['ham', { kind: 'domains', domains: ['held.test'] }]);
    await accepted(gw.port, 'abe@held.test', 'Staff draw (8)', DRAW.replace('{name}', 'Abe'));
    const held = await symbols('Staff draw (8)');
    assert.deepEqual(held.map((s) => s.name), ['FUZZY_HAM'], JSON.stringify(held));
    assert.match(held[0]!.detail, new RegExp(`^#${release.id} \\d+/32 "Staff draw \\(7\\)" \\(console:amy; for held\\.test; judged after spam #${global.id}\\)$`));
    assert.equal((await row('Staff draw (8)')).category, 'clean');
    // open.test's copies are still refused: the release was held.test's.
    const refused = await send(gw.port, 'bea@open.test', 'Staff draw (9)', DRAW.replace('{name}', 'Bea'));
    assert.equal(refused.ok ? 250 : refused.code, 550);
    // The operator reports a copy again, after the release: held.test's copies are spam again.
    await consoleAction((await row('Staff draw (8)')).id, 'report_spam');
    await accepted(gw.port, 'cal@held.test', 'Staff draw (10)', DRAW.replace('{name}', 'Cal'));
    const again = await symbols('Staff draw (10)');
    assert.deepEqual(again.map((s) => s.name), ['FUZZY_SPAM'], JSON.stringify(again));
    assert.match(again[0]!.detail, new RegExp(`judged after ham #${release.id}\\)$`));
    assert.equal((await row('Staff draw (10)')).category, 'spam');
  });
  it("a domain admin keeps at most MAX_ENTRIES_PER_ADMIN entries: past it a pasted report is refused with 409, a quarantine report still teaches Bayes and says why no fuzzy hash was added", async () => {
    // Amy's earlier reports plus filler file entries up to the limit (as if she had reported that many attachments).
    const live = async () => (await listFuzzy(gw.db)).filter((e) => e.source === 'console:amy').length;
    const filler = MAX_ENTRIES_PER_ADMIN - (await live());
    const at = new Date().toISOString();
    const rows = Array.from({ length: filler }, (_, i) => ({ class: 'spam' as const, kind: 'file' as const, digest: createHash('sha256').update(`filler ${i}`).digest('hex'), size: 100, filename: `f${i}.html`, subject: 'filler', source: 'console:amy', note: null, created_at: at, judged_at: at, expires_at: null, scope: encodeScope(domainsScope(['held.test'])) }));
    for (let i = 0; i < rows.length; i += 500) await gw.db.insertInto('fuzzy_hashes').values(rows.slice(i, i + 500)).execute();
    assert.equal(await live(), MAX_ENTRIES_PER_ADMIN);
    const amy = await session('amy');
    const raw = mail('Lottery office', DRAW.replace('{name}', 'friend').replace('staff appreciation', 'lottery')).toString('latin1');
    const refused = await fetch(`${web}/api/fuzzy`, { method: 'POST', headers: { cookie: amy.cookie, 'x-csrf-token': amy.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ raw, class: 'spam' }) });
    assert.equal(refused.status, 409);
    assert.equal(((await refused.json()) as { error: { message: string } }).error.message, `Lottery office: not added: console:amy already keeps ${MAX_ENTRIES_PER_ADMIN} fuzzy entries, the most one domain admin keeps is ${MAX_ENTRIES_PER_ADMIN}: take back old reports, or let them expire`);
    // An operator is not limited.
    const op = await session();
    const byOperator = await fetch(`${web}/api/fuzzy`, { method: 'POST', headers: { cookie: op.cookie, 'x-csrf-token': op.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ raw, class: 'spam', note: 'operator' }) });
    assert.equal(byOperator.status, 200);
    // Amy reports a held message: Bayes learns, the report is done, no fuzzy entry — and the answer says why.
    await accepted(gw.port, 'dan@held.test', 'Payroll notice', PAYROLL.replace('{name}', 'Dan'));
    const result = (await consoleAction((await row('Payroll notice')).id, 'report_spam', 'amy')) as { learned: boolean; fuzzyRefused?: string };
    assert.equal(result.learned, true);
    assert.match(result.fuzzyRefused ?? '', /^console:amy already keeps 10000 fuzzy entries/);
    assert.equal(await live(), MAX_ENTRIES_PER_ADMIN);
    await gw.db.deleteFrom('fuzzy_hashes').where('subject', '=', 'filler').execute();
  });
});
