// The one list model's values: strict parsing (a bad IP is named, never stored as a "domain"),
// canonical IP/CIDR form, and `rampart lists add|list` exit codes through the real CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ListValueError, matchEntry, normaliseIp, parseListValue } from '../../src/policy/lists.js';
import { openStore } from '../../src/store/db.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);

describe('list values', () => {
  it('normalises IP addresses and networks', () => {
    const cases: [string, string][] = [
      ['192.0.2.1', '192.0.2.1'],
      [' 192.0.2.1/32 ', '192.0.2.1'],
      ['10.1.2.3/8', '10.0.0.0/8'],
      ['2001:DB8:0:0::1', '2001:db8::1'],
      ['2001:db8:1::5/48', '2001:db8:1::/48'],
      ['::ffff:192.0.2.9', '192.0.2.9'],
      ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
      ['0.0.0.0/0', '0.0.0.0/0'],
    ];
    for (const [raw, want] of cases) assert.deepEqual(parseListValue(raw), { kind: 'ip', value: want }, raw);
    for (const bad of ['999.1.1.1', '127.1', '2130706433', '0x7f.0.0.1', '10.0.0.0/33', '10.0.0.0/x', '2001:db8::/129', 'fe80::1%eth0', '2001:db8:::1']) {
      assert.equal(normaliseIp(bad), null, bad);
    }
  });

  it('refuses values that look like an IP or network but are not one, naming the value', () => {
    assert.throws(() => parseListValue('999.1.1.1'), (e: Error) => e instanceof ListValueError && /"999\.1\.1\.1" is not a valid IPv4 address/.test(e.message));
    assert.throws(() => parseListValue('1.2.3'), /"1\.2\.3" is not a valid IPv4 address/);
    assert.throws(() => parseListValue('10.0.0.0/33'), /"10\.0\.0\.0\/33" is not a valid CIDR network \(prefix length 33/);
    assert.throws(() => parseListValue('2001:db8:::1'), /"2001:db8:::1" is not a valid IPv6 address/);
    assert.throws(() => parseListValue('example.com/24'), /not a valid CIDR network/);
    assert.throws(() => parseListValue('user@10.0.0.300'), /not a valid address/);
    assert.deepEqual(parseListValue('@Example.COM'), { kind: 'domain', value: 'example.com' });
    assert.deepEqual(parseListValue('Bob@Example.com'), { kind: 'address', value: 'bob@example.com' });
  });

  it('matches IP entries in any stored form against v4, v4-mapped and v6 clients', () => {
    const e = (value: string) => ({ domain: '*', list: 'block' as const, kind: 'ip' as const, value });
    const m = (entries: ReturnType<typeof e>[], ip: string) => matchEntry(entries, { senders: [], clientIp: ip })?.value ?? null;
    assert.equal(m([e('10.0.0.0/8')], '::ffff:10.9.9.9'), '10.0.0.0/8');
    assert.equal(m([e('2001:db8::/32')], '2001:db8:ffff::1'), '2001:db8::/32');
    assert.equal(m([e('2001:db8::/32')], '10.0.0.1'), null);
    assert.equal(m([e('not an ip')], '10.0.0.1'), null);
  });
});

describe('rampart lists', () => {
  it('add refuses a bad value with exit 2 and a message naming it, and stores nothing', async () => {
    const dir = tempDir();
    const cfgFile = path.join(dir, 'rampart.yaml');
    writeFileSync(cfgFile, `data_dir: ${dir}\ndatabase:\n  url: sqlite:rampart.db\nlog:\n  level: silent\n`);
    // The test runner's RAMPART_LOG_LEVEL would be read as a config override: keep RAMPART_* out.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '-c', cfgFile, 'lists', ...args], { env });
    await assert.rejects(cli('add', '999.1.1.1', '--block'), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /^rampart: value: "999\.1\.1\.1" is not a valid IPv4 address/);
      assert.doesNotMatch(err.stderr, /\n\s+at /, 'no stack trace');
      return true;
    });
    await assert.rejects(cli('add', '10.0.0.0/40', '--block', '--domain', 'dest.test'), (err: { code: number; stderr: string }) => err.code === 2 && /10\.0\.0\.0\/40/.test(err.stderr));
    assert.match((await cli('add', '10.1.2.3/8', '--block', '--comment', 'abuse')).stdout, /added ip 10\.0\.0\.0\/8 to the global block list/);
    assert.match((await cli('add', '2001:DB8::1', '--allow', '--domain', 'Dest.Test')).stdout, /added ip 2001:db8::1 to the dest\.test allow list/);
    // A mailbox's personal list: sender addresses and domains, not client IPs; never with --domain.
    assert.match((await cli('add', 'News@Shop.Test', '--allow', '--mailbox', 'Kim@Dest.Test')).stdout, /added address news@shop\.test to the kim@dest\.test allow list/);
    await assert.rejects(cli('add', '203.0.113.9', '--block', '--mailbox', 'kim@dest.test'), (err: { code: number; stderr: string }) => err.code === 2 && /a mailbox's list holds sender addresses and domains, not client IP addresses/.test(err.stderr));
    await assert.rejects(cli('add', 'x.test', '--block', '--mailbox', 'kim@dest.test', '--domain', 'dest.test'), (err: { code: number; stderr: string }) => err.code === 2 && /give one of --domain or --mailbox, not both/.test(err.stderr));
    await assert.rejects(cli('add', 'x.test', '--block', '--mailbox', 'kim'), (err: { code: number; stderr: string }) => err.code === 2 && /--mailbox: kim is not a mailbox address/.test(err.stderr));
    assert.equal((await cli('list', '--mailbox', 'kim@dest.test')).stdout, 'kim@dest.test\tallow\taddress\tnews@shop.test\n');
    const listed = (await cli('list', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { domain: string; list: string; kind: string; value: string });
    assert.deepEqual(listed.map((r) => [r.domain, r.list, r.kind, r.value]), [
      ['*', 'block', 'ip', '10.0.0.0/8'],
      ['dest.test', 'allow', 'ip', '2001:db8::1'],
      ['kim@dest.test', 'allow', 'address', 'news@shop.test'],
    ]);
    assert.match((await cli('remove', 'news@shop.test', '--allow', '--mailbox', 'kim@dest.test')).stdout, /^removed news@shop\.test\n$/);
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    try {
      assert.equal((await store.db.selectFrom('scan_lists').selectAll().execute()).length, 2);
    } finally {
      await store.close();
    }
  });
});
