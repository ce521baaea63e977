// Fuzzy hashes: the fingerprint (near-copies agree, unrelated texts do not), the store (added,
// known, lifetime, expiry, delete) and the analyzer over it, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { agreement, fuzzyWords, SHINGLES, shingles } from '../../src/scan/analyzers/fuzzy/fingerprint.js';
import { fuzzy } from '../../src/scan/analyzers/fuzzy/index.js';
import { ALL_DOMAINS, describeScope, domainsScope, namedScope, type FuzzyScope } from '../../src/scan/analyzers/fuzzy/scope.js';
import { addFuzzy, CachedFuzzyIndex, describeAdded, deleteFuzzy, expireFuzzy, FuzzyIndex, FuzzyLimitError, listFuzzy, pageFuzzy, takeBackFuzzy, type FuzzyClass, type FuzzyEntry } from '../../src/scan/analyzers/fuzzy/store.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { DATABASES, sqliteDatabase, useStore } from '../helpers/db.js';
import { campaign, LOGIN_PAGE, mail, mailWithFiles, NEWSLETTER } from './fuzzy-texts.js';

const parse = (subject: string, body: string) => parseMessage(mail(subject, body));
const opts = { source: 'test', lifetimeDays: 90, minWords: 24, scope: ALL_DOMAINS };

describe('fuzzy fingerprint', () => {
  it('agrees on a near-copy, not on an unrelated text of the same length', async () => {
    const a = shingles(fuzzyWords(await parse('Mailbox', campaign('Alice', 500, 24, 'http://a.example/x'))), 24)!;
    const b = shingles(fuzzyWords(await parse('Your mailbox', campaign('Professor Wong', 750, 48, 'http://b.example/y?id=9'))), 24)!;
    const c = shingles(fuzzyWords(await parse('Library', NEWSLETTER)), 24)!;
    assert.equal(a.length, SHINGLES);
    assert.ok(agreement(a, b) >= 24, `near-copy: ${agreement(a, b)} of 32`);
    assert.ok(agreement(a, c) <= 2, `unrelated: ${agreement(a, c)} of 32`);
    assert.equal(agreement(a, a), SHINGLES);
  });

  it('numbers are one word, short texts have no fingerprint, HTML is read as text', async () => {
    assert.deepEqual(fuzzyWords(await parse('x', 'Pay 1,250.00 EUR to IBAN DE44 5001 0517')).slice(0, 4), ['pay', '#', 'eur', 'to']);
    assert.equal(shingles(fuzzyWords(await parse('x', 'Thanks, see you tomorrow at the meeting.')), 24), null);
    const html = await parseMessage(
      Buffer.from(`From: a@outside.test\r\nSubject: h\r\nContent-Type: text/html\r\n\r\n<html><body><p>${campaign('Alice', 500, 24, '<a href="http://a.example/">here</a>')}</p></body></html>\r\n`),
    );
    const text = await parse('t', campaign('Alice', 500, 24, 'here'));
    assert.ok(agreement(shingles(fuzzyWords(html), 24)!, shingles(fuzzyWords(text), 24)!) >= 30);
  });
});

describe('fuzzy index cache', () => {
  it('keeps the entries it has when the store cannot answer, and fails without any', async () => {
    const tdb = await sqliteDatabase();
    const store = await tdb.open();
    const cache = new CachedFuzzyIndex(store.db);
    await addFuzzy(store.db, await parse('A', campaign('Alice', 500, 24, 'x')), { ...opts, class: 'spam' });
    assert.equal((await cache.get(0, 1000)).size, 1);
    const never = new CachedFuzzyIndex(store.db);
    await store.close();
    assert.equal((await cache.get(5000, 1000)).size, 1, 'the last copy, not an error');
    await assert.rejects(never.get(5000, 1000));
  });
});

describe('fuzzy index', () => {
  const entry = (id: number, shingles: number[], cls: FuzzyClass = 'spam', o: { expiresAt?: string; scope?: FuzzyScope; judgedAt?: string } = {}): FuzzyEntry =>
    ({ id, class: cls, kind: 'text', shingles, words: 50, subject: `s${id}`, source: 't', note: null, createdAt: '', judgedAt: o.judgedAt ?? '', expiresAt: o.expiresAt ?? null, scope: o.scope ?? ALL_DOMAINS });
  const now = new Date('2026-12-01T00:00:00Z');

  it('counts agreeing slots per entry, at the edges of the 32-bit values too, best per class', () => {
    const a = Array.from({ length: 32 }, (_, k) => (k % 2 ? 0xffffffff : 0));
    const b = a.map((v, k) => (k < 20 ? v : 12345 + k)); // 20 of 32 shared with a
    const c = a.map((v, k) => (k < 10 ? v : 777 + k)); // 10 shared
    const idx = new FuzzyIndex([entry(1, b), entry(2, c), entry(3, a, 'phishing', { expiresAt: '2026-11-30T00:00:00Z' }), entry(4, b.map((v, k) => (k < 17 ? v : 9)), 'phishing')]);
    const m = idx.match({ shingles: a, files: [], domain: null }, 16, now);
    assert.deepEqual([...m].map(([cls, x]) => [cls, x.entry.id, x.agree]), [['spam', 1, 20], ['phishing', 4, 17]], 'entry 3 has expired; entry 2 is under 16');
    assert.equal(idx.match({ shingles: a.map((v) => v ^ 1), files: [], domain: null }, 1, now).size, 0);
    // A value 5,000 entries share in slot 0 is found (a run of equal values in the sorted keys).
    const many = new FuzzyIndex(Array.from({ length: 5000 }, (_, i) => entry(i, a.map((v, k) => (k === 0 ? 42 : i * 32 + k)))));
    assert.equal(many.match({ shingles: [42, ...a.slice(1)], files: [], domain: null }, 1, now).get('spam')?.agree, 1);
  });

  it("a domain's entries act on the copies for that domain only, spam and ham alike", () => {
    const a = Array.from({ length: 32 }, (_, k) => k * 1000);
    const chem = domainsScope(['Chem.Example.EDU']);
    // Spam and ham of one text would compete (next test): one index each.
    const spam = new FuzzyIndex([entry(1, a, 'spam', { scope: chem })]);
    const ham = new FuzzyIndex([entry(2, a, 'ham', { scope: chem }), entry(3, a, 'ham', { scope: domainsScope(['physics.example.edu', 'chem.example.edu']) })]);
    assert.deepEqual([spam.scoped, new FuzzyIndex([entry(4, a, 'spam')]).scoped], [true, false]);
    const found = (domain: string | null) => [spam, ham].flatMap((idx) => [...idx.match({ shingles: a, files: [], domain }, 16, now)].map(([cls, m]) => `${cls}#${m.entry.id}`));
    assert.deepEqual(found('chem.example.edu'), ['spam#1', 'ham#2']);
    assert.deepEqual(found('physics.example.edu'), ['ham#3']);
    assert.deepEqual(found('history.example.edu'), []);
    // No recipient domain (rampart scan without --rcpt): only entries for all domains.
    assert.deepEqual(found(null), []);
  });

  it('full, an index keeps the most recently judged text entries instead of failing', () => {
    const texts = [1, 2, 3].map((n) => Array.from({ length: 32 }, (_, k) => n * 100_000 + k));
    const idx = new FuzzyIndex(texts.map((sh, i) => entry(i + 1, sh, 'spam', { judgedAt: `2026-11-0${[5, 1, 9][i]}T00:00:00Z` })), 2);
    assert.equal(idx.leftOut, 1);
    const hit = (sh: number[]) => idx.match({ shingles: sh, files: [], domain: null }, 16, now).get('spam')?.entry.id ?? null;
    assert.deepEqual(texts.map(hit), [1, null, 3], 'entry 2, judged first, is left out');
    assert.equal(new FuzzyIndex(texts.map((sh, i) => entry(i + 1, sh)), 3).leftOut, 0);
  });

  it('of a ham entry and spam or phishing ones that a message matches, the later judgement counts', () => {
    const a = Array.from({ length: 32 }, (_, k) => k * 1000 + 7);
    const chem = domainsScope(['chem.example.edu']);
    const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T09:00:00.000Z`;
    const verdict = (entries: FuzzyEntry[], domain: string) =>
      [...new FuzzyIndex(entries).match({ shingles: a, files: [], domain }, 16, now)].map(([cls, m]) => {
        const over = m.over ? `${m.over.winner === m.entry ? '' : `(${m.over.winner.class}#${m.over.winner.id})`}>${m.over.loser.class}#${m.over.loser.id}` : '';
        return `${cls}#${m.entry.id}${over}`;
      });
    // An operator reported the campaign for every domain on the 1st; chem's admin released a copy on the 2nd.
    const report = entry(1, a, 'spam', { judgedAt: at(1) });
    const release = entry(2, a, 'ham', { scope: chem, judgedAt: at(2) });
    assert.deepEqual(verdict([report, release], 'chem.example.edu'), ['ham#2>spam#1']);
    // Not for another domain's copy.
    assert.deepEqual(verdict([report, release], 'physics.example.edu'), ['spam#1']);
    // Reported again on the 3rd: held again, chem's mail too.
    assert.deepEqual(verdict([{ ...report, judgedAt: at(3) }, release], 'chem.example.edu'), ['spam#1>ham#2']);
    // A phishing report after the release outweighs it even when the spam report is older: ham
    // wins only when judged after all of them; the latest of them names the ham it set aside.
    const phish = entry(3, a, 'phishing', { judgedAt: at(4) });
    assert.deepEqual(verdict([report, release, phish], 'chem.example.edu'), ['spam#1', 'phishing#3>ham#2']);
    // So does a later spam report that agrees in fewer slots: the best match is shown, the later one named.
    const later = entry(4, a.map((v, k) => (k < 20 ? v : 5)), 'spam', { judgedAt: at(5) });
    assert.deepEqual(verdict([report, release, later], 'chem.example.edu'), ['spam#1(spam#4)>ham#2']);
    // Judged at the same moment: the report wins.
    assert.deepEqual(verdict([report, { ...release, judgedAt: at(1) }], 'chem.example.edu'), ['spam#1>ham#2']);
  });
});

for (const kind of DATABASES) {
  describe(`fuzzy hashes on ${kind}`, () => {
    const ref = useStore(kind);
    /** The suite's store emptied of entries; null, the test skipped, when PostgreSQL is unreachable. */
    const emptied = async (t: TestContext) => {
      if (!ref.store) {
        t.skip('PostgreSQL not reachable');
        return null;
      }
      const db = ref.store.db;
      for (const e of await listFuzzy(db)) await deleteFuzzy(db, [e.id]);
      return db;
    };

    it('adds once per class, extends the lifetime, refuses short texts, deletes and expires', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const msg = await parse('Mailbox', campaign('Alice', 500, 24, 'http://a.example/x'));
      const t0 = new Date('2026-12-01T10:00:00Z');
      const first = await addFuzzy(db, msg, { ...opts, class: 'phishing', note: 'INC-1', now: t0 });
      assert.equal(first.text?.status, 'added');
      assert.deepEqual(first.files, []);
      // The same text again, later: one entry, its lifetime counted from the second report.
      const again = await addFuzzy(db, msg, { ...opts, class: 'phishing', now: new Date('2026-12-11T10:00:00Z') });
      assert.deepEqual(again, { text: { status: 'known', id: first.text!.id, scope: ALL_DOMAINS }, words: first.words, files: [] });
      // A shorter lifetime does not shorten it.
      await addFuzzy(db, msg, { ...opts, class: 'phishing', lifetimeDays: 1, now: new Date('2026-12-11T10:00:00Z') });
      const [e] = await listFuzzy(db);
      assert.equal(e!.expiresAt, '2027-03-11T10:00:00.000Z');
      // First added on the 1st, last judged on the 11th (a verdict between ham and this counts from then).
      assert.deepEqual([e!.createdAt, e!.judgedAt], ['2026-12-01T10:00:00.000Z', '2026-12-11T10:00:00.000Z']);
      assert.equal(e!.note, 'INC-1');
      assert.equal(e!.subject, 'Mailbox');
      // The same text in another class is another entry.
      assert.equal((await addFuzzy(db, msg, { ...opts, class: 'ham', lifetimeDays: 0 })).text?.status, 'added');
      assert.deepEqual(await addFuzzy(db, await parse('short', 'Thanks, see you tomorrow.'), { ...opts, class: 'spam' }), { text: null, words: 4, files: [] });
      assert.equal((await listFuzzy(db)).length, 2);
      // Expiry deletes the phishing entry once past its date, never the one without a date.
      assert.equal(await expireFuzzy(db, new Date('2027-03-11T09:59:59Z')), 0);
      assert.equal(await expireFuzzy(db, new Date('2027-03-11T10:00:00Z')), 1);
      const left = await listFuzzy(db);
      assert.deepEqual(left.map((x) => [x.class, x.expiresAt]), [['ham', null]]);
      assert.deepEqual(await deleteFuzzy(db, [left[0]!.id, 9999]), [left[0]!.id]);
      assert.equal((await listFuzzy(db)).length, 0);
    });

    it('the analyzer flags near-copies by class and weight, and sees additions and deletions after its refresh', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const config = { refresh_interval: 0 };
      const copy = await parse('Your mailbox', campaign('Professor Wong', 750, 48, 'http://b.example/y?id=9'));
      const unrelated = await parse('Library hours', NEWSLETTER);
      // Empty store: nothing, and no fingerprint work.
      assert.deepEqual((await runAnalyzer(fuzzy, copy, { db, config })).symbols, []);
      const reported = await addFuzzy(db, await parse('Mailbox', campaign('Alice', 500, 24, 'http://a.example/x')), { ...opts, class: 'phishing' });
      const hit = (await runAnalyzer(fuzzy, copy, { db, config })).symbols;
      assert.equal(hit.length, 1);
      assert.equal(hit[0]!.name, 'FUZZY_PHISHING');
      assert.ok(hit[0]!.weight! >= 0.75 && hit[0]!.weight! <= 1, String(hit[0]!.weight));
      assert.match(hit[0]!.detail!, new RegExp(`^#${reported.text!.id} \\d+/32 "Mailbox" \\(test\\)$`));
      assert.deepEqual((await runAnalyzer(fuzzy, unrelated, { db, config })).symbols, []);
      // A ham entry for the newsletter: FUZZY_HAM on its next issue.
      await addFuzzy(db, unrelated, { ...opts, class: 'ham' });
      const nextIssue = await parse('Library hours', NEWSLETTER.replace('midnight', 'one in the morning').replace('ten', 'eleven'));
      assert.deepEqual((await runAnalyzer(fuzzy, nextIssue, { db, config })).symbols.map((s) => s.name), ['FUZZY_HAM']);
      // A threshold of 1 wants all 32 slots: the near-copy no longer matches.
      assert.deepEqual((await runAnalyzer(fuzzy, copy, { db, config: { refresh_interval: 0, threshold: 1 } })).symbols, []);
      // An expired entry no longer matches, even before housekeeping deletes it.
      const later = () => new Date(Date.now() + 91 * 86_400_000);
      assert.deepEqual((await runAnalyzer(fuzzy, copy, { db, config, now: later })).symbols, []);
      await deleteFuzzy(db, [reported.text!.id]);
      assert.deepEqual((await runAnalyzer(fuzzy, copy, { db, config })).symbols, []);
    });

    it('a report whose payload is an attachment: the file is an entry (no images), a copy carrying it matches', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const config = { refresh_interval: 0 };
      const logo = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2000, 7)]);
      const files = [
        { name: 'sign-in.html', type: 'text/html', content: LOGIN_PAGE },
        { name: 'logo.png', type: 'image/png', content: logo },
        { name: 'tiny.txt', type: 'text/plain', content: Buffer.from('x') },
      ];
      const reported = await parseMessage(mailWithFiles('Document shared with you', 'Please open the attached file.', files));
      const r = await addFuzzy(db, reported, { ...opts, class: 'phishing' });
      // One line of text: no text fingerprint; the logo (an image) and the one-byte file are left out.
      assert.equal(r.text, null);
      assert.deepEqual(r.files.map((f) => [f.status, f.filename]), [['added', 'sign-in.html']]);
      const [e] = await listFuzzy(db);
      assert.equal(e!.kind, 'file');
      assert.equal(e!.kind === 'file' && e!.bytes, LOGIN_PAGE.length);
      // Another sender, another text, the same attachment under another name: FUZZY_PHISHING, full weight.
      const copy = await parseMessage(mailWithFiles('Invoice 4411', 'Dear customer, your invoice is attached. Regards, Accounts', [{ name: 'invoice.htm', type: 'application/octet-stream', content: LOGIN_PAGE }]));
      const hit = (await runAnalyzer(fuzzy, copy, { db, config })).symbols;
      assert.deepEqual(hit.map((h) => [h.name, h.weight]), [['FUZZY_PHISHING', 1]]);
      assert.match(hit[0]!.detail!, new RegExp(`^#${e!.id} file sign-in\\.html "Document shared with you" \\(test\\)$`));
      // A genuine message with the same logo is not a copy.
      const genuine = await parseMessage(mailWithFiles('Welcome week', NEWSLETTER, [{ name: 'logo.png', type: 'image/png', content: logo }]));
      assert.deepEqual((await runAnalyzer(fuzzy, genuine, { db, config })).symbols, []);
      // The CLI/console summary of what a report added.
      assert.equal(describeAdded(r, 24), `no text fingerprint (5 words, fewer than 24), file sign-in.html #${e!.id} added`);
    });

    it("a domain admin's limit: a report past it is refused whole; a known digest, expired entries and other sources do not count", async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const at = new Date('2026-12-01T10:00:00Z');
      const amy = { ...opts, source: 'console:amy', limit: 2, now: at };
      // Texts with no word in common: each its own digest.
      const words = (n: number) => Array.from({ length: 40 }, (_, k) => `q${'abcdefghij'[n]}${'abcdefghijklmnopqrstuvwxyz'[k % 26]}${'abcdefghijklmnopqrstuvwxyz'[Math.floor(k / 26)]}`).join(' ');
      const text = (n: number) => parse(`Draw ${n}`, words(n));
      assert.equal((await addFuzzy(db, await text(1), { ...amy, class: 'spam' })).text?.status, 'added');
      // One that expired yesterday does not count; another source's entries do not either.
      assert.equal((await addFuzzy(db, await text(2), { ...amy, class: 'spam', lifetimeDays: 1, now: new Date('2026-11-29T10:00:00Z') })).text?.status, 'added');
      await addFuzzy(db, await text(3), { ...opts, class: 'spam', source: 'console:bob', now: at });
      assert.equal((await addFuzzy(db, await text(4), { ...amy, class: 'spam' })).text?.status, 'added');
      // Now two live entries: a new digest is refused, naming the source and the limit; nothing is written.
      const before = (await listFuzzy(db)).length;
      const report = await parseMessage(mailWithFiles('Draw 5', words(5), [{ name: 'claim.html', type: 'text/html', content: LOGIN_PAGE }]));
      await assert.rejects(addFuzzy(db, report, { ...amy, class: 'spam' }), (e: unknown) => e instanceof FuzzyLimitError && e.message === 'console:amy already keeps 2 fuzzy entries, the most one domain admin keeps is 2: take back old reports, or let them expire');
      assert.equal((await listFuzzy(db)).length, before, 'neither the text nor the file entry was added');
      // The same campaign reported again is no new entry: allowed, its lifetime extended.
      assert.equal((await addFuzzy(db, await text(1), { ...amy, class: 'spam' })).text?.status, 'known');
      // Without a limit (operators, the CLI) there is none.
      assert.equal((await addFuzzy(db, report, { ...opts, class: 'spam', source: 'console:amy', now: at })).text?.status, 'added');
    });

    it('the analyzer judges each recipient domain apart when an entry is scoped: each symbol names the domains it counts for', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const config = { refresh_interval: 0 };
      const msg = await parse('Staff draw', campaign('Max', 300, 24, 'http://draw.example/x'));
      await addFuzzy(db, msg, { ...opts, class: 'spam', scope: domainsScope(['chem.example.edu']) });
      const symbols = async (recipientDomains: string[]) => (await runAnalyzer(fuzzy, msg, { db, config, recipientDomains })).symbols.map((e) => [e.name, e.domains ?? 'all']);
      assert.deepEqual(await symbols(['chem.example.edu', 'bio.example.edu']), [['FUZZY_SPAM', ['chem.example.edu']]]);
      assert.deepEqual(await symbols(['chem.example.edu']), [['FUZZY_SPAM', 'all']]);
      assert.deepEqual(await symbols(['bio.example.edu']), []);
      // Judged for every domain, the symbol counts for the whole message.
      await addFuzzy(db, msg, { ...opts, class: 'spam' });
      assert.deepEqual(await symbols(['chem.example.edu', 'bio.example.edu']), [['FUZZY_SPAM', 'all']]);
    });

    it("a report from another domain widens an entry's scope; an operator's makes it every domain's; named scopes are protected domains", async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const msg = await parse('Draw', campaign('Alice', 500, 24, 'x'));
      const add = (scope: FuzzyScope) => addFuzzy(db, msg, { ...opts, class: 'spam', scope });
      const first = await add(domainsScope(['b.example']));
      assert.deepEqual(first.text, { status: 'added', id: first.text!.id, scope: { kind: 'domains', domains: ['b.example'] } });
      assert.equal(describeAdded(first, 24), `text #${first.text!.id} added for b.example`);
      assert.deepEqual((await add(domainsScope(['a.example']))).text?.scope, { kind: 'domains', domains: ['a.example', 'b.example'] });
      assert.deepEqual((await add(domainsScope(['b.example']))).text?.scope, { kind: 'domains', domains: ['a.example', 'b.example'] });
      assert.deepEqual((await add(ALL_DOMAINS)).text?.scope, ALL_DOMAINS);
      // Never narrowed again.
      assert.deepEqual((await add(domainsScope(['c.example']))).text?.scope, ALL_DOMAINS);
      assert.deepEqual((await listFuzzy(db)).map((e) => [e.id, e.scope]), [[first.text!.id, ALL_DOMAINS]]);
      // Concurrent reports from two domains: both domains end up in the scope (the update is conditional).
      await deleteFuzzy(db, [first.text!.id]);
      await add(domainsScope(['a.example']));
      await Promise.all([add(domainsScope(['b.example'])), add(domainsScope(['c.example']))]);
      assert.deepEqual((await listFuzzy(db))[0]!.scope, { kind: 'domains', domains: ['a.example', 'b.example', 'c.example'] });
      // Scopes named by an operator: protected domains only, the others named.
      await db.insertInto('domains').values([{ name: 'chem.example.edu', catch_all: 0, created_at: new Date().toISOString() }]).execute();
      assert.deepEqual(await namedScope(db, []), { scope: ALL_DOMAINS });
      assert.deepEqual(await namedScope(db, [' Chem.Example.EDU. ']), { scope: { kind: 'domains', domains: ['chem.example.edu'] } });
      assert.deepEqual(await namedScope(db, ['chem.example.edu', 'typo.example.edu']), { unknown: ['typo.example.edu'] });
    });

    it('pages newest first with filters; a domain admin sees and takes back only entries for their domains', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const add = async (subject: string, cls: 'spam' | 'ham', scope: FuzzyScope) => (await addFuzzy(db, await parse(subject, campaign(subject, 100, 1, subject)), { ...opts, class: cls, scope })).text!.id;
      // Each campaign() text with another name/amount is a near-copy, but an entry is per exact digest: five entries.
      const all = await add('Global 100%_off', 'spam', ALL_DOMAINS);
      const chem = await add('Chem only', 'spam', domainsScope(['chem.example']));
      const both = await add('Chem and bio', 'ham', domainsScope(['chem.example', 'bio.example']));
      const bio = await add('Bio only', 'spam', domainsScope(['bio.example']));
      // A name with '_' must not act as LIKE's one-character wildcard: 'chemXexample' is not 'chem_example'.
      const lookalike = await add('Wildcard', 'spam', domainsScope(['chemxexample']));
      const ids = async (q: Parameters<typeof pageFuzzy>[1]) => (await pageFuzzy(db, q)).items.map((e) => e.id);
      assert.deepEqual(await ids({ limit: 10 }), [lookalike, bio, both, chem, all]);
      const first = await pageFuzzy(db, { limit: 2 });
      assert.deepEqual([first.items.map((e) => e.id), first.next], [[lookalike, bio], bio]);
      const second = await pageFuzzy(db, { limit: 2, before: first.next! });
      assert.deepEqual([second.items.map((e) => e.id), second.next], [[both, chem], chem]);
      assert.deepEqual(await ids({ limit: 2, before: second.next! }), [all]);
      assert.deepEqual(await ids({ limit: 10, class: 'ham' }), [both]);
      assert.deepEqual(await ids({ limit: 10, subject: '100%_OFF' }), [all]);
      assert.deepEqual(await ids({ limit: 10, subject: '0%' }), [all]);
      assert.deepEqual(await ids({ limit: 10, subject: 'x%' }), []);
      assert.deepEqual(await ids({ limit: 10, domains: ['chem.example'] }), [both, chem]);
      assert.deepEqual(await ids({ limit: 10, domains: ['chem_example'] }), []);
      assert.deepEqual(await ids({ limit: 10, domains: ['bio.example', 'chem.example'] }), [bio, both, chem]);
      assert.deepEqual(await ids({ limit: 10, domains: [] }), []);
      // Taking back: the admin's domains leave the scope; the last one's leaving deletes the entry;
      // an entry for every domain, for other domains, or absent is not theirs (null, nothing changed).
      assert.deepEqual(await takeBackFuzzy(db, both, ['chem.example']), { deleted: false, scope: { kind: 'domains', domains: ['bio.example'] } });
      assert.equal(await takeBackFuzzy(db, both, ['chem.example']), null);
      assert.deepEqual(await takeBackFuzzy(db, chem, ['chem.example', 'bio.example']), { deleted: true, scope: { kind: 'domains', domains: ['chem.example'] } });
      assert.equal(await takeBackFuzzy(db, all, ['chem.example']), null);
      assert.equal(await takeBackFuzzy(db, bio, ['chem.example']), null);
      assert.equal(await takeBackFuzzy(db, 999_999, ['chem.example']), null);
      assert.deepEqual((await listFuzzy(db)).map((e) => [e.id, e.scope]), [
        [all, ALL_DOMAINS],
        [both, { kind: 'domains', domains: ['bio.example'] }],
        [bio, { kind: 'domains', domains: ['bio.example'] }],
        [lookalike, { kind: 'domains', domains: ['chemxexample'] }],
      ]);
    });

    it('a cached index notices a delete of the newest entry followed by an insert (an id SQLite reuses)', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const cache = new CachedFuzzyIndex(db);
      const a = await parse('A', campaign('Alice', 500, 24, 'x'));
      const b = await parse('B', NEWSLETTER);
      const ra = await addFuzzy(db, a, { ...opts, class: 'spam', now: new Date('2026-12-01T10:00:00Z') });
      assert.deepEqual((await cache.get(0, 60_000)).entries.map((e) => e.subject), ['A']);
      await deleteFuzzy(db, [ra.text!.id]);
      await addFuzzy(db, b, { ...opts, class: 'spam', now: new Date('2026-12-01T10:00:01Z') });
      // Within the refresh interval the copy is kept; after it, the new entry is read.
      assert.deepEqual((await cache.get(1000, 60_000)).entries.map((e) => e.subject), ['A']);
      assert.deepEqual((await cache.get(61_000, 60_000)).entries.map((e) => e.subject), ['B']);
    });

    it('a cached index notices an entry widened, judged again or taken back (no row added or deleted)', async (t) => {
      const db = await emptied(t);
      if (!db) return;
      const cache = new CachedFuzzyIndex(db);
      const msg = await parse('A', campaign('Alice', 500, 24, 'x'));
      const add = (scope: FuzzyScope, at: string) => addFuzzy(db, msg, { ...opts, class: 'spam', scope, now: new Date(at) });
      const id = (await add(domainsScope(['a.example']), '2026-12-01T10:00:00Z')).text!.id;
      const seen = async (ms: number) => (await cache.get(ms, 1000)).entries.map((e) => [describeScope(e.scope), e.judgedAt, e.expiresAt]);
      assert.deepEqual(await seen(0), [['a.example', '2026-12-01T10:00:00.000Z', '2027-03-01T10:00:00.000Z']]);
      await add(domainsScope(['b.example']), '2026-12-02T10:00:00Z');
      assert.deepEqual(await seen(2000), [['a.example, b.example', '2026-12-02T10:00:00.000Z', '2027-03-02T10:00:00.000Z']]);
      await add(domainsScope(['a.example']), '2026-12-03T10:00:00Z');
      assert.deepEqual(await seen(4000), [['a.example, b.example', '2026-12-03T10:00:00.000Z', '2027-03-03T10:00:00.000Z']]);
      await takeBackFuzzy(db, id, ['b.example']);
      assert.deepEqual(await seen(6000), [['a.example', '2026-12-03T10:00:00.000Z', '2027-03-03T10:00:00.000Z']]);
    });
  });
}
