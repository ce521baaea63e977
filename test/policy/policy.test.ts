// Stored policy on SQLite and PostgreSQL: actions per domain over the global default, monitor
// mode before and after go-live, allow/block lists (allow never overrides malware), and messages
// to recipients whose policies disagree: split into one copy per outcome.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DnsConfig } from '../../src/config/schema.js';
import { MAX_PERSONAL_ENTRIES, PolicyError, PolicyRepository } from '../../src/policy/repository.js';
import { ScanConfig } from '../../src/scan/config.js';
import { ScanEngine } from '../../src/scan/engine.js';
import { Directory } from '../../src/directory/repository.js';
import { formatText, toReport } from '../../src/scan/report.js';
import type { Envelope } from '../../src/scan/types.js';
import type { Store } from '../../src/store/db.js';
import { DATABASES, makeDatabase, type TestDatabase } from '../helpers/db.js';
import { FAKES } from '../scan/fake-analyzers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/scan/${name}`, import.meta.url));
const env = (over: Partial<Envelope> = {}): Envelope => ({ clientIp: '192.0.2.10', clientHostname: null, helo: null, tls: false, mailFrom: 'sender@sender.test', rcptTo: ['bob@example.org'], ...over });
const GO_LIVE = '2026-11-28T08:00:00.000Z';

for (const kind of DATABASES) {
  describe(`scan policy (${kind})`, () => {
    let tdb: TestDatabase | null;
    let store: Store;
    let repo: PolicyRepository;
    let now = new Date('2026-11-27T12:00:00Z');
    const engine = () => new ScanEngine({ config: { scan: ScanConfig.parse({}), dns: DnsConfig.parse({}) }, analyzers: FAKES, db: store.db, now: () => now, refreshMs: 0, resolve: async () => [] });

    before(async () => {
      tdb = await makeDatabase(kind);
      if (!tdb) return;
      store = await tdb.open();
      repo = new PolicyRepository(store.db);
    });
    after(async () => {
      await store?.close();
      await tdb?.cleanup();
    });

    it('stores actions per domain over the global default and validates input', async (t) => {
      if (!tdb) return t.skip('PostgreSQL unreachable');
      await repo.setAction('*', 'spam', 'quarantine');
      await repo.setAction('Example.ORG', 'spam', 'tag', { subjectPrefix: '[SPAM]' });
      await repo.setAction('example.org', 'spam', 'tag', { subjectPrefix: '[SPAM]' });
      const snap = await repo.snapshot();
      assert.deepEqual(snap.actionFor('example.org', 'spam'), { action: 'tag', subjectPrefix: '[SPAM]', source: 'example.org' });
      assert.equal(snap.actionFor('other.org', 'spam').action, 'quarantine');
      assert.equal(snap.actionFor('other.org', 'malware').source, 'default');
      await assert.rejects(repo.setAction('example.org', 'spamm', 'tag'), (e: unknown) => e instanceof PolicyError && /category: spamm/.test(e.message));
      await assert.rejects(repo.setAction('example.org', 'spam', 'drop'), /action: drop is not one of deliver, tag, quarantine, reject/);
      await assert.rejects(repo.setMonitor('example.org', 'malware', 'tomorrow'), /until: tomorrow is not an ISO-8601 time/);
      await assert.rejects(repo.addListEntry('example.org', 'allow', '10.0.0.0/33'), /not a valid CIDR/);
    });

    it('monitor mode: before go-live the family only records what it would do', async (t) => {
      if (!tdb) return t.skip('PostgreSQL unreachable');
      await repo.setMonitor('example.org', 'malware', GO_LIVE);
      const e = engine();
      now = new Date('2026-11-28T07:59:00Z');
      const before = await e.scan({ raw: fixture('malware-and-phish.eml'), envelope: env() });
      assert.equal(before.verdict.category, 'phishing', 'malware evidence does not count yet');
      assert.equal(before.verdict.action, 'quarantine');
      assert.deepEqual(before.verdict.would, { category: 'malware', action: 'reject' });
      assert.match(before.verdict.symbols.find((s) => s.name === 'FAKE_VIRUS')?.detail ?? '', /monitor mode/);
      assert.equal(before.decision.kind, 'accept');
      now = new Date('2026-11-28T08:00:01Z');
      const afterLive = await e.scan({ raw: fixture('malware-and-phish.eml'), envelope: env() });
      assert.equal(afterLive.verdict.category, 'malware');
      assert.equal(afterLive.verdict.would, undefined);
      assert.equal(afterLive.decision.kind, 'reject');
      // Another domain is not monitored at all.
      now = new Date('2026-11-28T07:00:00Z');
      const other = await e.scan({ raw: fixture('malware-and-phish.eml'), envelope: env({ rcptTo: ['x@other.org'] }) });
      assert.equal(other.decision.kind, 'reject');
      // Mixed: each domain gets its own outcome. The enforced domain's refusal cannot be the reply
      // (the monitored one accepts the message), so its copy is held, not delivered.
      const mixed = await e.scan({ raw: fixture('malware-and-phish.eml'), envelope: env({ rcptTo: ['bob@example.org', 'x@other.org'] }) });
      assert.deepEqual([mixed.verdict.category, mixed.verdict.action], ['malware', 'reject'], 'the message verdict: the strictest');
      assert.equal(mixed.decision.kind, 'split');
      const copies = mixed.decision.kind === 'split' ? mixed.decision.copies : [];
      assert.deepEqual(
        copies.map((c) => [c.recipients, c.verdict.category, c.verdict.action, c.quarantine, c.verdict.would ?? null]),
        [
          [['bob@example.org'], 'phishing', 'quarantine', true, { category: 'malware', action: 'reject' }],
          [['x@other.org'], 'malware', 'quarantine', true, null],
        ],
      );
      assert.equal(copies[1]!.verdict.symbols.find((s) => s.name === 'POLICY_SPLIT')?.detail, 'copy 2 of 2, for x@other.org: refused by their policy, held because the message was accepted for its other recipients');
      assert.equal(copies[0]!.verdict.addHeaders.find((h) => h.key === 'x-rampart-category')?.value, 'phishing', "each copy's headers carry its own verdict");
      // rampart scan shows each copy under the message's (strictest) verdict.
      const report = formatText('m.eml', toReport(mixed));
      assert.match(report, /^Action: reject\nWould \(monitor mode\): malware → reject\nCopy for bob@example\.org: phishing → quarantine\nCopy for x@other\.org: malware → quarantine\n/m);
      // Both enforced and both refusing: one refusal, no split.
      now = new Date('2026-11-28T08:00:01Z');
      assert.equal((await e.scan({ raw: fixture('malware-and-phish.eml'), envelope: env({ rcptTo: ['bob@example.org', 'x@other.org'] }) })).decision.kind, 'reject');
    });

    it('allow lists deliver anything but malware; block lists refuse', async (t) => {
      if (!tdb) return t.skip('PostgreSQL unreachable');
      now = new Date('2026-12-01T00:00:00Z');
      await repo.addListEntry('example.org', 'allow', 'security@bank-alerts.test');
      await repo.addListEntry('*', 'allow', '198.51.100.0/24');
      await repo.addListEntry('example.org', 'block', 'cheap.test');
      const e = engine();
      const phish = await e.scan({ raw: fixture('phish.eml'), envelope: env({ mailFrom: 'bounce@bank-alerts.test' }) });
      assert.equal(phish.verdict.category, 'phishing');
      assert.equal(phish.verdict.action, 'deliver', 'header From is on the allow list');
      assert.ok(phish.verdict.symbols.some((s) => s.name === 'POLICY_ALLOWLIST'));
      const virus = await e.scan({ raw: fixture('malware-and-phish.eml'), envelope: env({ clientIp: '198.51.100.7' }) });
      assert.equal(virus.decision.kind, 'reject', 'the allowed IP does not let malware through');
      assert.match(virus.verdict.symbols.find((s) => s.name === 'POLICY_ALLOWLIST')?.detail ?? '', /ignored for malware/);
      const clean = await e.scan({ raw: fixture('clean.eml'), envelope: env({ clientIp: '198.51.100.7' }) });
      assert.equal(clean.verdict.action, 'deliver');
      const blocked = await e.scan({ raw: fixture('spam.eml'), envelope: env() });
      assert.equal(blocked.decision.kind, 'reject');
      assert.match(blocked.decision.kind === 'reject' ? blocked.decision.reason : '', /blocked by policy/);
      const entries = await repo.listEntries({ domain: 'example.org' });
      assert.deepEqual(entries.map((x) => [x.list, x.kind, x.value]), [
        ['allow', 'address', 'security@bank-alerts.test'],
        ['block', 'domain', 'cheap.test'],
      ]);
      assert.equal(await repo.removeListEntry('example.org', 'block', 'CHEAP.test'), true);
      assert.equal(await repo.removeListEntry('example.org', 'block', 'cheap.test'), false);
    });

    it("a mailbox's personal lists (also for its sub-addresses and aliases): its allowed senders lift spam and graymail, never a threat; its blocked senders are refused; with other recipients, each gets its own copy", async (t) => {
      if (!tdb) return t.skip('PostgreSQL unreachable');
      now = new Date('2026-12-01T00:00:00Z');
      const e = () => engine();
      // Without entries: the spam is tagged, the phishing quarantined.
      const spamTo = (rcptTo: string[]) => e().scan({ raw: fixture('spam.eml'), envelope: env({ mailFrom: 'deals@cheap.test', rcptTo }) });
      assert.equal(await repo.removeListEntry('example.org', 'block', 'cheap.test'), false, 'the previous test removed it');
      assert.equal(await repo.removeListEntry('example.org', 'allow', 'security@bank-alerts.test'), true, "the previous test's domain entry");
      assert.equal((await spamTo(['kim@example.org'])).verdict.action, 'tag');
      await repo.addListEntry('Kim@Example.org', 'allow', 'cheap.test');
      await repo.addListEntry('kim@example.org', 'allow', 'security@bank-alerts.test');
      const allowed = await spamTo(['kim@example.org']);
      assert.deepEqual([allowed.verdict.category, allowed.verdict.action], ['spam', 'deliver']);
      assert.equal(allowed.verdict.symbols.find((s) => s.name === 'POLICY_ALLOWLIST')?.detail, 'kim@example.org allow list: cheap.test');
      // Mail to Kim's sub-address uses Kim's list.
      assert.equal((await spamTo(['kim+offers@example.org'])).verdict.action, 'deliver');
      assert.equal((await spamTo(['kimberly@example.org'])).verdict.action, 'tag');
      // Mail to the directory's alias of Kim's mailbox (and to its sub-address) is Kim's mail.
      const dir = new Directory(store.db);
      await dir.addDomain('example.org');
      await dir.addRecipient('kim@example.org');
      await dir.addRecipient('k.lee@example.org', { alias: 'kim@example.org' });
      await dir.addRecipient('office@example.org', { alias: 'lee@example.org' });
      assert.equal((await spamTo(['K.Lee@example.org'])).verdict.action, 'deliver');
      assert.equal((await spamTo(['k.lee+shop@example.org'])).verdict.action, 'deliver');
      assert.equal((await spamTo(['office@example.org'])).verdict.action, 'tag', "an alias of a mailbox with no list: the domain's policy");
      // To Kim and Lee: Lee has not allowed it, so Kim's copy is delivered and Lee's tagged.
      const both = await spamTo(['kim@example.org', 'lee@example.org']);
      assert.equal(both.verdict.action, 'tag');
      assert.equal(both.decision.kind, 'split');
      const copies = both.decision.kind === 'split' ? both.decision.copies : [];
      assert.deepEqual(
        copies.map((c) => [c.recipients, c.verdict.action, c.quarantine, c.message ? /\[SPAM\]|=\?UTF-8\?B\?/.test(c.message.toString('latin1')) : null]),
        [
          [['kim@example.org'], 'deliver', false, null],
          [['lee@example.org'], 'tag', false, true],
        ],
      );
      assert.equal(copies[0]!.verdict.symbols.find((s) => s.name === 'POLICY_ALLOWLIST')?.detail, 'kim@example.org allow list: cheap.test');
      assert.equal(copies[1]!.verdict.symbols.find((s) => s.name === 'POLICY_ALLOWLIST'), undefined, "Kim's entry is not in Lee's copy");
      // A threat is not the owner's to let through: the phishing stays quarantined, the entry named as ignored.
      const phish = await e().scan({ raw: fixture('phish.eml'), envelope: env({ rcptTo: ['kim@example.org'] }) });
      assert.deepEqual([phish.verdict.category, phish.verdict.action], ['phishing', 'quarantine']);
      assert.equal(phish.verdict.symbols.find((s) => s.name === 'POLICY_ALLOWLIST')?.detail, 'kim@example.org allow list: security@bank-alerts.test (ignored for phishing)');
      // Blocked by Lee: refused before 250 when Lee is the only recipient; when Kim receives it too,
      // Kim's copy is delivered and Lee's held.
      await repo.addListEntry('lee@example.org', 'block', 'alice@partner.test');
      const clean = (rcptTo: string[]) => e().scan({ raw: fixture('clean.eml'), envelope: env({ mailFrom: 'alice@partner.test', rcptTo }) });
      const refused = await clean(['lee@example.org']);
      assert.equal(refused.decision.kind, 'reject');
      assert.equal(refused.verdict.symbols.find((s) => s.name === 'POLICY_BLOCKLIST')?.detail, 'lee@example.org block list: alice@partner.test');
      const shared = await clean(['lee@example.org', 'kim@example.org']);
      assert.deepEqual(shared.decision.kind === 'split' ? shared.decision.copies.map((c) => [c.recipients, c.verdict.action]) : shared.decision.kind, [
        [['lee@example.org'], 'quarantine'],
        [['kim@example.org'], 'deliver'],
      ]);
      // A domain's block beats a personal allow.
      await repo.addListEntry('example.org', 'block', 'cheap.test');
      assert.equal((await spamTo(['kim@example.org'])).decision.kind, 'reject');
      await repo.removeListEntry('example.org', 'block', 'cheap.test');
      // Personal lists hold senders, not client IPs; a bad mailbox is named.
      await assert.rejects(repo.addListEntry('kim@example.org', 'block', '203.0.113.9'), /value: 203\.0\.113\.9: a mailbox's list holds sender addresses and domains, not client IP addresses/);
      await assert.rejects(repo.addListEntry('kim@', 'block', 'x.test'), /mailbox: kim@ is not a mailbox address/);
      assert.deepEqual((await repo.listEntries({ domain: 'kim@example.org' })).map((x) => [x.list, x.kind, x.value]), [
        ['allow', 'domain', 'cheap.test'],
        ['allow', 'address', 'security@bank-alerts.test'],
      ]);
      // A personal list holds at most MAX_PERSONAL_ENTRIES: one more is refused, naming the mailbox; one already there is not "more".
      await store.db.insertInto('scan_lists').values(Array.from({ length: MAX_PERSONAL_ENTRIES - 2 }, (_, i) => ({ domain: 'kim@example.org', list: 'block' as const, kind: 'domain' as const, value: `s${i}.example`, comment: null, created_at: now.toISOString() }))).execute();
      await assert.rejects(repo.addListEntry('kim@example.org', 'block', 'one-more.example'), /mailbox: kim@example\.org already has 1000 entries, the most a personal list holds/);
      await repo.addListEntry('kim@example.org', 'block', 's1.example');
      await repo.addListEntry('lee@example.org', 'block', 'one-more.example');
      for (const x of await repo.listEntries()) if (x.domain.includes('@')) await repo.removeListEntry(x.domain, x.list, x.value);
    });

    it('tags with the domain subject prefix', async (t) => {
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const e = engine();
      const r = await e.scan({ raw: fixture('spam.eml'), envelope: env() });
      assert.equal(r.verdict.action, 'tag');
      assert.equal(r.decision.kind, 'accept');
      const msg = r.decision.kind === 'accept' ? r.decision.message?.toString('latin1') : '';
      assert.match(msg ?? '', /\r\nSubject: =\?UTF-8\?B\?/);
      assert.match(Buffer.from(/=\?UTF-8\?B\?([^?]+)\?=/.exec(msg ?? '')![1]!, 'base64').toString(), /^\[SPAM\] Grü/);
    });
  });
}
