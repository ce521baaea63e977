// Connection reputation pieces against the in-process DNS server: DNSBL names (v4, v6), return-code
// mapping, threshold, lookup errors, local lists (config and table, v4 and v6), and the analyzer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reputationConfig } from '../../src/reputation/config.js';
import { createReputationCheck } from '../../src/reputation/check.js';
import { reverseIp } from '../../src/reputation/dnsbl.js';
import { matchEntry, type ListEntry } from '../../src/policy/lists.js';
import { PolicyRepository } from '../../src/policy/repository.js';
import { reputationAnalyzer } from '../../src/reputation/analyzer.js';
import { parseMessage } from '../../src/message/parse.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { DATABASES, makeDatabase } from '../helpers/db.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';

let dns: DnsFixture;
const resolve = (n: string, t: string) => dns.resolver(300).resolve(n, t as 'A');

before(async () => {
  dns = await startDnsServer({
    '2.0.0.127.zen.test': [{ type: 'A', address: '127.0.0.2' }],
    '4.3.0.192.zen.test': [{ type: 'A', address: '127.0.0.4' }, { type: 'A', address: '127.0.0.11' }],
    '4.3.0.192.weak.test': [{ type: 'A', address: '127.0.0.2' }],
    '9.9.0.192.zen.test': [{ type: 'A', address: '127.255.255.254' }],
    [`${reverseIp('2001:db8::5')}.zen.test`]: [{ type: 'A', address: '127.0.0.2' }],
  });
  dns.timeout.add('7.7.0.192.zen.test');
});
after(() => dns.close());

const ZONES = {
  reject_threshold: 10,
  dnsbl: [
    { zone: 'zen.test', codes: { '127.0.0.2': { score: 10, meaning: 'SBL' }, '127.0.0.4': { score: 6, meaning: 'XBL' } }, default_score: 2 },
    { zone: 'weak.test', default_score: 3 },
  ],
};

describe('DNSBL names and lists', () => {
  it('reverses IPv4 and IPv6 (nibbles) addresses', () => {
    assert.equal(reverseIp('192.0.2.4'), '4.2.0.192');
    assert.equal(reverseIp('::ffff:192.0.2.4'), '4.2.0.192');
    assert.equal(reverseIp('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
  });

  it('matches CIDR entries, v4, v6 and v4-mapped clients (the one matcher, src/policy/lists.ts)', () => {
    const entries: ListEntry[] = ['10.0.0.0/8', '192.0.2.7', '2001:db8:1::/48'].map((value) => ({ domain: '*', list: 'block', kind: 'ip', value }));
    const m = (ip: string) => matchEntry(entries, { senders: [], clientIp: ip })?.value ?? null;
    assert.equal(m('10.20.30.40'), '10.0.0.0/8');
    assert.equal(m('::ffff:10.1.1.1'), '10.0.0.0/8');
    assert.equal(m('192.0.2.7'), '192.0.2.7');
    assert.equal(m('192.0.2.8'), null);
    assert.equal(m('2001:db8:1:ffff::1'), '2001:db8:1::/48');
    assert.equal(m('2001:db8:2::1'), null);
    assert.throws(() => reputationConfig({ block: ['10.0.0.0/33'] }), /scan\.analyzers\.reputation\.block\.0: not an IP address or CIDR network/);
  });

  it('config errors name the field', () => {
    assert.throws(() => reputationConfig({ block: ['nonsense'] }), /scan\.analyzers\.reputation\.block\.0/);
    assert.throws(() => reputationConfig({ dnsbl: [{ zone: 'z', codes: { '1.2.3.4': { score: 1 } } }] }), /scan\.analyzers\.reputation\.dnsbl\.0\.codes/);
  });
});

describe('connection check', () => {
  it('refuses at connect with 554 5.7.1 naming the list, over the threshold only', async () => {
    const check = createReputationCheck(reputationConfig(ZONES), { resolve, db: null });
    const r = await check({ ip: '127.0.0.2', helo: null, stage: 'connect' });
    assert.deepEqual(r && { code: r.code, enhanced: r.enhanced, reason: r.reason, detail: r.detail }, { code: 554, enhanced: '5.7.1', reason: 'dnsbl', detail: 'zen.test=127.0.0.2' });
    assert.match(r!.message, /listed in zen\.test \(127\.0\.0\.2 SBL\)/);
    // 127.0.0.4 (6) + 127.0.0.11 (default 2) from zen count once at the best score 6; weak.test adds 3: 9 < 10.
    assert.equal(await check({ ip: '192.0.3.4', helo: null, stage: 'connect' }), null);
    // Other stages are not asked when the stage is connect.
    assert.equal(await check({ ip: '127.0.0.2', helo: null, stage: 'rcpt', recipient: 'a@b.test' }), null);
    // IPv6 listing.
    assert.equal((await check({ ip: '2001:db8::5', helo: null, stage: 'connect' }))?.reason, 'dnsbl');
  });

  it('sums zones to reach the threshold; a list error code or a timeout never refuses', async () => {
    const check = createReputationCheck(reputationConfig({ ...ZONES, reject_threshold: 9 }), { resolve, db: null });
    const r = await check({ ip: '192.0.3.4', helo: null, stage: 'connect' });
    assert.equal(r?.detail, 'zen.test=127.0.0.4 weak.test=127.0.0.2');
    assert.equal(await check({ ip: '192.0.9.9', helo: null, stage: 'connect' }), null);
    assert.equal(await check({ ip: '192.0.7.7', helo: null, stage: 'connect' }), null);
  });

  it('rcpt stage refuses with 550 5.7.1; the allow list wins over DNSBLs; the block list refuses', async () => {
    const check = createReputationCheck(reputationConfig({ ...ZONES, stage: 'rcpt', allow: ['127.0.0.0/30'], block: ['198.51.100.0/24', '2001:db8:bad::/48'] }), { resolve, db: null });
    assert.equal(await check({ ip: '127.0.0.2', helo: null, stage: 'rcpt', recipient: 'a@b.test' }), null);
    const b = await check({ ip: '198.51.100.9', helo: null, stage: 'rcpt', recipient: 'a@b.test' });
    assert.deepEqual(b && [b.code, b.enhanced, b.reason, b.detail], [550, '5.7.1', 'blocklist', 'global:198.51.100.0/24']);
    assert.equal((await check({ ip: '2001:db8:bad::1', helo: null, stage: 'rcpt' }))?.reason, 'blocklist');
  });

  for (const kind of DATABASES) {
    it(`reads the global IP entries of scan_lists (${kind})`, async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const repo = new PolicyRepository(store.db);
        await repo.addListEntry('*', 'block', '203.0.113.0/24', { comment: 'abuse' });
        await repo.addListEntry('*', 'allow', '127.0.0.2');
        const check = createReputationCheck(reputationConfig(ZONES), { resolve, db: store.db });
        assert.equal((await check({ ip: '203.0.113.50', helo: null, stage: 'connect' }))?.reason, 'blocklist');
        assert.equal(await check({ ip: '127.0.0.2', helo: null, stage: 'connect' }), null);
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });
  }
});

describe('reputation analyzer', () => {
  it('turns listings into weighted RBL_LISTED symbols and errors into RBL_ERROR', async () => {
    const raw = Buffer.from('From: a@x.test\r\nTo: b@y.test\r\nSubject: s\r\n\r\nbody\r\n');
    const run = async (ip: string) => runAnalyzer(reputationAnalyzer, await parseMessage(raw, { clientIp: ip, clientHostname: null, helo: 'h', tls: false, mailFrom: 'a@x.test', rcptTo: ['b@y.test'] }), { resolve, config: ZONES });
    const listed = await run('192.0.3.4');
    assert.deepEqual(listed.symbols.map((s) => [s.name, s.weight, s.detail]), [
      ['RBL_LISTED', 6, 'zen.test 127.0.0.4 XBL'],
      ['RBL_LISTED', 3, 'weak.test 127.0.0.2 listed'],
    ]);
    const err = await run('192.0.7.7');
    assert.deepEqual(err.symbols.map((s) => s.name), ['RBL_ERROR']);
    assert.deepEqual((await run('192.0.2.200')).symbols, []);
  });
});
