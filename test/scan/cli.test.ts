// The scan, policy, lists, quarantine and report commands, run as the real `rampart` CLI in a
// child process against a temporary SQLite database.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { SHIPPED_BUT_LIMITS } from './fake-analyzers.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, before } from 'node:test';
import { promisify } from 'node:util';
import { Directory } from '../../src/directory/repository.js';
import { Spool } from '../../src/spool/spool.js';
import { openStore } from '../../src/store/db.js';
import { tempDir } from '../helpers/tmp.js';
import { campaign, mail, NEWSLETTER } from '../spam/fuzzy-texts.js';

const run = promisify(execFile);
/** RAMPART_* variables are configuration overrides: the test runner's RAMPART_LOG_LEVEL must not leak in. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
const CLI = path.resolve('src/cli/index.ts');
const FIX = path.resolve('test/fixtures/scan');

describe('rampart scan / policy / lists / quarantine / report', () => {
  const dir = tempDir();
  const cfg = path.join(dir, 'rampart.yaml');
  const rampart = async (args: string[], input?: string) => {
    const p = run(process.execPath, ['--import', 'tsx', CLI, '-c', cfg, ...args], { env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    if (input !== undefined) (p as unknown as { child?: { stdin: NodeJS.WritableStream } }).child?.stdin.end(input);
    return p;
  };

  before(async () => {
    writeFileSync(cfg, `data_dir: ${dir}\ndatabase:\n  url: sqlite:r.db\nscan:\n  threads: 1\n  disabled: ${JSON.stringify(SHIPPED_BUT_LIMITS)}\n`);
    const store = await openStore({ url: 'sqlite:r.db', dataDir: dir });
    await new Directory(store.db).addDomain('example.org', { catchAll: true });
    await store.close();
  });

  it('scans files, a directory and an mbox; --json gives one object per message', async () => {
    const mbox = path.join(dir, 'box.mbox');
    const msgs = ['clean.eml', 'spam.eml', 'phish.eml'].map((f) => readFileSync(path.join(FIX, f), 'latin1').replace(/\r\n/g, '\n'));
    writeFileSync(mbox, msgs.map((m) => `From sender@x.test Sat Nov 28 10:00:00 2026\n${m}\n`).join(''));
    const r = await rampart(['scan', '--json', '--rcpt', 'bob@example.org', FIX, mbox]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; category: string; score: number; action: string; symbols: unknown[] });
    assert.equal(lines.length, 7 + 3);
    assert.deepEqual(lines.slice(-3).map((l) => path.basename(l.file)), ['box.mbox#1', 'box.mbox#2', 'box.mbox#3']);
    for (const l of lines) {
      assert.equal(typeof l.score, 'number');
      assert.ok(Array.isArray(l.symbols));
    }
    assert.equal(lines[0]!.file, path.join(FIX, 'bulk-dmarc-fail.eml'), 'results come in input order');
  });

  it('applies the stored policy of the recipient domain and explains in text', async () => {
    assert.equal((await rampart(['policy', 'set', 'example.org', 'clean', 'quarantine'])).code, 0);
    const r = await rampart(['scan', '--rcpt', 'bob@example.org', path.join(FIX, 'clean.eml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^File: .*clean\.eml\nCategory: clean \(clean\)\nScore: 0\.00\nAction: quarantine\n/);
    const bad = await rampart(['scan', path.join(dir, 'missing.eml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /missing\.eml: no such file or directory/);
    // A mistyped envelope is refused before anything is scanned (the daemon answers 400 the same way).
    for (const [args, msg] of [
      [['--ip', '999.1.1.1'], /^rampart: --ip: "999\.1\.1\.1" is not an IP address\n$/],
      [['--from', 'alice example.org'], /^rampart: --from: "alice example\.org" is not an address/],
      [['--rcpt', 'bob'], /^rampart: --rcpt: "bob" is not an address \(local@domain\)\n$/],
      [['--helo', 'mx one'], /^rampart: --helo: "mx one" is not a host name/],
    ] as const) {
      const r = await rampart(['scan', ...args, path.join(FIX, 'clean.eml')]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stdout, '');
    }
  });

  it('shows and sets policy, monitor mode and lists, with clear errors', async () => {
    const bad = await rampart(['policy', 'set', 'example.org', 'spamm', 'tag']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /category: spamm is not one of malware, apt/);
    assert.equal((await rampart(['policy', 'monitor', 'example.org', 'malware', '--until', '2099-01-01T08:00:00Z'])).code, 0);
    const show = await rampart(['policy', 'show', 'example.org']);
    assert.match(show.stdout, /^clean\s+quarantine\s+\(example\.org\)$/m);
    assert.match(show.stdout, /^malware\s+reject\s+\(built-in default\)$/m);
    assert.match(show.stdout, /^monitor malware: until 2099-01-01T08:00:00\.000Z$/m);
    assert.equal((await rampart(['lists', 'add', '--domain', 'example.org', '--block', '203.0.113.0/24'])).code, 0);
    const list = await rampart(['lists', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout.trim()), { ...JSON.parse(list.stdout.trim()), domain: 'example.org', list: 'block', kind: 'ip', value: '203.0.113.0/24' });
    assert.equal((await rampart(['lists', 'remove', '--domain', 'example.org', '--block', '203.0.113.0/24'])).code, 0);
  });

  it('lists, shows, releases and deletes quarantined messages; the report counts them', async () => {
    const store = await openStore({ url: 'sqlite:r.db', dataDir: dir });
    const spool = new Spool(store.db, path.join(dir, 'spool'), 'n1');
    const domainId = (await store.db.selectFrom('domains').select('id').executeTakeFirstOrThrow()).id;
    const ids: string[] = [];
    for (const s of ['first held', 'second held']) {
      ids.push(
        await spool.accept({
          envelope: { clientIp: '192.0.2.1', clientHostname: null, helo: 'h', tls: false, mailFrom: 'a@sender.test', rcptTo: ['bob@example.org'] },
          recipients: [{ address: 'bob@example.org', domainId }],
          chunks: [Buffer.from(`Subject: ${s}\r\n\r\nbody\r\n`)],
          messageId: null,
          subject: s,
          status: 'quarantined',
          verdict: { category: 'phishing', score: 5, action: 'quarantine', symbols: JSON.stringify([{ name: 'FAKE_PHISH_URL', score: 5, detail: 'http://phish.test/' }]) },
        }),
      );
    }
    await store.close();
    const list = await rampart(['quarantine', 'list', '--domain', 'example.org', '--json']);
    assert.deepEqual(list.stdout.trim().split('\n').map((l) => JSON.parse(l).id).sort(), [...ids].sort());
    const show = await rampart(['quarantine', 'show', ids[0]!]);
    assert.match(show.stdout, /Symbol: FAKE_PHISH_URL \(5\) \[http:\/\/phish\.test\/\]/);
    assert.match(show.stdout, /Subject: first held/);
    assert.equal((await rampart(['quarantine', 'release', ids[0]!])).code, 0);
    const again = await rampart(['quarantine', 'release', ids[0]!]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not in quarantine \(status queued\)/);
    const spoolPath = path.join(dir, 'spool', 'queue', `${ids[1]}.eml`);
    assert.ok(existsSync(spoolPath));
    assert.equal((await rampart(['quarantine', 'delete', ids[1]!])).code, 0);
    assert.ok(!existsSync(spoolPath));
    const report = await rampart(['report', '--domain', 'example.org']);
    assert.match(report.stdout, /^Scanned 2 messages for 0 email addresses\.$/m);
    assert.match(report.stdout, /potential phishing 2/);
    const badTime = await rampart(['report', '--since', 'yesterday']);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--since: not a time: "yesterday" \(use an ISO date like 2026-11-28T10:00Z, or a duration ago like 2h\)/);
    // A duration ago, as `rampart trace` takes it: the messages above are minutes old.
    const lastWeek = await rampart(['report', '--domain', 'example.org', '--since', '7d']);
    assert.match(lastWeek.stdout, /^Domain example\.org, from \d{4}-\d\d-\d\dT[\d:.]+Z:$/m);
    assert.match(lastWeek.stdout, /^Scanned 2 messages/m);
    assert.match((await rampart(['report', '--domain', 'example.org', '--until', '1h'])).stdout, /^Scanned 0 messages/m);
  });

  it('release --learn and report teach Bayes and the fuzzy hashes before the message leaves the quarantine', async () => {
    const store = await openStore({ url: 'sqlite:r.db', dataDir: dir });
    const spool = new Spool(store.db, path.join(dir, 'spool'), 'n1');
    const domainId = (await store.db.selectFrom('domains').select('id').executeTakeFirstOrThrow()).id;
    const hold = (subject: string, text: string) =>
      spool.accept({
        envelope: { clientIp: '192.0.2.1', clientHostname: null, helo: 'h', tls: false, mailFrom: 'a@sender.test', rcptTo: ['bob@example.org'] },
        recipients: [{ address: 'bob@example.org', domainId }],
        chunks: [mail(subject, text)],
        messageId: null,
        subject,
        status: 'quarantined',
        verdict: { category: 'spam', score: 6, action: 'quarantine', symbols: '[]' },
      });
    const ham = await hold('Library hours', NEWSLETTER);
    const phish = await hold('Mailbox quota', campaign('Alice', 500, 24, 'http://a.example/x'));
    await store.close();
    const released = await rampart(['quarantine', 'release', '--learn', ham]);
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, new RegExp(`^released ${ham}: queued for delivery; Bayes learned it, fuzzy hash #\\d+\n$`));
    const reported = await rampart(['quarantine', 'report', '--as', 'phishing', phish]);
    assert.equal(reported.code, 0, reported.stderr);
    assert.match(reported.stdout, new RegExp(`^reported ${phish} as phishing and discarded it; Bayes learned it, fuzzy hash #\\d+\n$`));
    const entries = (await rampart(['fuzzy', 'list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    // Newest first.
    assert.deepEqual(entries.map((e) => [e.class, e.subject, e.source, e.scope]), [['phishing', 'Mailbox quota', 'cli', 'all'], ['ham', 'Library hours', 'cli', 'all']]);
    const check = await openStore({ url: 'sqlite:r.db', dataDir: dir });
    try {
      const learned = await check.db.selectFrom('bayes_learned').select('class').orderBy('class').execute();
      assert.deepEqual(learned.map((r) => r.class), ['ham', 'spam']);
      const gone = await check.db.selectFrom('messages').select(['status', 'spool_path']).where('id', '=', phish).executeTakeFirstOrThrow();
      assert.equal(gone.status, 'deleted');
      assert.ok(!existsSync(gone.spool_path));
      const reply = await check.db.selectFrom('message_recipients').select('last_reply').where('message_id', '=', phish).executeTakeFirstOrThrow();
      assert.equal(reply.last_reply, 'reported as phishing by the operator');
    } finally {
      await check.close();
    }
    // Gone from the quarantine: a clear answer, nothing learned twice.
    const again = await rampart(['quarantine', 'report', phish]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not in quarantine \(status deleted\)/);
    const badClass = await rampart(['quarantine', 'report', '--as', 'virus', phish]);
    assert.notEqual(badClass.code, 0);
    assert.match(badClass.stderr, /argument 'virus' is invalid\. Allowed choices are spam, phishing/);
  });
});
