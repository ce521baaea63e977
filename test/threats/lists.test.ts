// Threat lists on both databases (known-bad hashes, VIPs), the first-contact lookup of the message
// trace, and the `rampart hashes import` / `rampart vips import` commands end to end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { importHashes, importVips, knownBad, parseHashList, parseVipCsv, vipsFor } from '../../src/files/lists.js';
import { parseMessage } from '../../src/message/parse.js';
import { becAnalyzer, contactQuery, historyQuery } from '../../src/scan/analyzers/bec/index.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { DATABASES, makeDatabase } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const H1 = 'a'.repeat(64);
const H2 = 'B'.repeat(64);

describe('list parsing', () => {
  test('hash lists accept sha256sum output and comments; bad lines name their number', () => {
    assert.deepEqual(parseHashList(`# list\n${H1}  evil.exe\n${H2}\n`), [{ sha256: H1, name: 'evil.exe' }, { sha256: H2.toLowerCase(), name: 'known-bad file' }]);
    assert.throws(() => parseHashList(`${H1}\nnot-a-hash\n`), /line 2: expected a SHA-256/);
  });
  test('VIP CSV needs domain, name and address', () => {
    assert.deepEqual(parseVipCsv('domain,name,address,title\nexample.edu,Jane Provost,Jane.Provost@example.edu,President\n'), [{ domain: 'example.edu', name: 'Jane Provost', address: 'jane.provost@example.edu', title: 'President' }]);
    assert.throws(() => parseVipCsv('domain,name,address\nexample.edu,Jane,not-an-address\n'), /line 2: address/);
  });
});

for (const kind of DATABASES) {
  describe(`threat lists on ${kind}`, () => {
    test('import is idempotent; lookups find hashes and VIPs; first contact reads the trace', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        assert.deepEqual(await importHashes(store.db, parseHashList(`${H1} evil\n`), 'test'), { added: 1, unchanged: 0 });
        assert.deepEqual(await importHashes(store.db, parseHashList(`${H1} evil\n${H2}\n`), 'test'), { added: 1, unchanged: 1 });
        assert.deepEqual([...(await knownBad(store.db, [H1, 'c'.repeat(64)])).entries()], [[H1, 'evil']]);
        const vips = parseVipCsv('domain,name,address\nexample.edu,Jane Provost,jane.provost@example.edu\nother.edu,Max Dean,max@other.edu\n');
        assert.deepEqual(await importVips(store.db, vips), { added: 2, changed: 0 });
        assert.deepEqual(await importVips(store.db, [{ ...vips[0]!, title: 'President' }]), { added: 0, changed: 1 });
        assert.deepEqual((await vipsFor(store.db, ['example.edu'])).map((v) => v.name), ['Jane Provost']);

        const raw = Buffer.from('From: Partner <ar@partner.example>\r\nTo: pay@example.edu\r\nSubject: hello\r\n\r\nhello\r\n');
        const env = { clientIp: '192.0.2.1', clientHostname: null, helo: null, tls: false, mailFrom: 'ar@partner.example', rcptTo: ['pay@example.edu'] };
        const ctx = { db: store.db, protectedDomains: ['example.edu'] };
        /** 'first', 'known' or null (the trace cannot tell): which contact symbol the message gets. */
        const scan = async (id: string | null, mailFrom = env.mailFrom, config: Record<string, unknown> = {}) => {
          const names = (await runAnalyzer(becAnalyzer, await parseMessage(raw, { ...env, mailFrom }, id), { ...ctx, config })).symbols.map((s) => s.name);
          const first = names.includes('BEC_FIRST_CONTACT');
          const known = names.includes('BEC_KNOWN_CONTACT');
          assert.ok(!(first && known));
          return first ? 'first' : known ? 'known' : null;
        };
        const now = new Date().toISOString();
        const record = async (id: string, mailFrom: string) => {
          await store.db.insertInto('messages').values({ id, received_at: now, node: 'n', client_ip: '192.0.2.1', client_hostname: null, helo: null, tls: 0, mail_from: mailFrom, message_id: null, subject: null, size: 1, spool_path: 'x', status: 'delivered', category: null, score: null, action: null, symbols: null, would_action: null, would_category: null }).execute();
          await store.db.insertInto('message_recipients').values({ message_id: id, address: 'pay@example.edu', domain_id: null, status: 'delivered', next_attempt_at: null, last_reply: null, updated_at: now }).execute();
        };
        // A trace that does not know the recipient yet cannot tell a first contact (a new
        // installation would call every sender one); with the history requirement off it can.
        assert.equal(await scan('Q2'), null);
        assert.equal(await scan('Q2', env.mailFrom, { first_contact_history: 0 }), 'first');
        for (let i = 0; i < 9; i++) await record(`H${i}`, `n${i}@news.example`);
        assert.equal(await scan('Q2'), null, 'nine earlier messages are not yet a history');
        assert.equal(await scan('Q2', env.mailFrom, { first_contact_history: 9 }), 'first');
        await record('H9', 'n9@news.example');
        assert.equal(await scan('Q2'), 'first', 'ten earlier messages, none from this sender');
        // The message's own trace row is not history.
        assert.equal(await scan('H9', 'someone@partner.example'), null, 'the other nine messages are not yet a history');
        await record('Q1', 'ar@partner.example');
        assert.equal(await scan('Q2'), 'known');
        // Nor is it an earlier contact; without an id every row counts.
        assert.equal(await scan('Q1'), 'first');
        assert.equal(await scan(null), 'known');
        assert.equal(await scan('Q3', 'someone@partner.example'), 'first');
        // Only the message's values are bound: SQLite plans with a bound LIMIT's value, and so
        // compiled a `limit ?` statement again at every run.
        for (const self of [true, false]) {
          const q = contactQuery(store.db, self);
          assert.match(q.sql, / limit 1$/);
          assert.equal(q.parameters.length, self ? 3 : 2);
          const h = historyQuery(store.db, self, 10);
          assert.match(h.sql, / limit 10\)/);
          assert.equal(h.parameters.length, self ? 2 : 1);
        }
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}

describe('CLI', () => {
  test('rampart hashes import and rampart vips import; a bad file gives a clear error', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'rampart.yaml');
    writeFileSync(cfg, `data_dir: ${dir}\ndatabase:\n  url: sqlite:rampart.db\n`);
    writeFileSync(path.join(dir, 'hashes.txt'), `${H1}  evil.exe\n`);
    writeFileSync(path.join(dir, 'vips.csv'), 'domain,name,address\nexample.edu,Jane Provost,jane.provost@example.edu\n');
    writeFileSync(path.join(dir, 'bad.txt'), 'zzz\n');
    // RAMPART_* variables override config keys: the child gets none of the runner's.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
    const cli = (...a: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '-c', cfg, ...a], { env });
    assert.equal((await cli('hashes', 'import', path.join(dir, 'hashes.txt'))).stdout, '1 added, 0 already known\n');
    assert.equal((await cli('hashes', 'import', path.join(dir, 'hashes.txt'))).stdout, '0 added, 1 already known\n');
    assert.equal((await cli('vips', 'import', path.join(dir, 'vips.csv'), '--json')).stdout, '{"added":1,"changed":0}\n');
    const err = await cli('hashes', 'import', path.join(dir, 'bad.txt')).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.equal(err?.code, 2);
    assert.match(err!.stderr, /^rampart: line 1: expected a SHA-256/);
  });
});
