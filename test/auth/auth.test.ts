// Sender authentication against an in-process DNS server: SPF, DKIM (RSA 2048/4096, ed25519),
// DMARC policies, pct, sp=, alignment, DNS timeouts, and the gateway's ARC seal.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticate } from 'mailauth';
import { authAnalyzer, MAX_FROM_BYTES } from '../../src/scan/analyzers/auth/index.js';
import { applyPct, pctBucket } from '../../src/scan/analyzers/auth/interpret.js';
import { parseMessage } from '../../src/message/parse.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import type { AnalyzerResult } from '../../src/scan/types.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { tempDir } from '../helpers/tmp.js';
import { ed25519Key, message, rsaKey, sign, type TestKey } from './keys.js';

const GOOD_IP = '192.0.2.1';
const BAD_IP = '198.51.100.7';

let dns: DnsFixture;
let k2048: TestKey, k4096: TestKey, ked: TestKey, kseal: TestKey;

before(async () => {
  k2048 = rsaKey(2048);
  k4096 = rsaKey(4096);
  ked = ed25519Key();
  kseal = rsaKey(2048);
  const spf = (s: string) => [{ type: 'TXT' as const, data: s }];
  dns = await startDnsServer({
    'example.com': spf(`v=spf1 ip4:${GOOD_IP} -all`),
    '_dmarc.example.com': spf('v=DMARC1; p=reject'),
    's2048._domainkey.example.com': spf(k2048.txt),
    'big._domainkey.example.com': spf(k4096.txt),
    'ed._domainkey.example.com': spf(ked.txt),
    'quar.test': spf('v=spf1 -all'),
    '_dmarc.quar.test': spf('v=DMARC1; p=quarantine'),
    'mon.test': spf('v=spf1 -all'),
    '_dmarc.mon.test': spf('v=DMARC1; p=none'),
    'pct.test': spf('v=spf1 -all'),
    '_dmarc.pct.test': spf('v=DMARC1; p=reject; pct=0'),
    '_dmarc.org.test': spf('v=DMARC1; p=reject; sp=none'),
    'news.org.test': spf('v=spf1 -all'),
    'org.test': spf('v=spf1 -all'),
    '_dmarc.strict.test': spf('v=DMARC1; p=reject; adkim=s'),
    's._domainkey.mail.strict.test': spf(k2048.txt),
    '_dmarc.relaxed.test': spf('v=DMARC1; p=reject; adkim=r'),
    's._domainkey.mail.relaxed.test': spf(k2048.txt),
    'nodmarc.test': spf('v=spf1 -all'),
    'mx.sender.test': spf(`v=spf1 ip4:${GOOD_IP} -all`),
    'arc._domainkey.gw.test': spf(kseal.txt),
    'arc._domainkey.fwd.test': spf(kseal.txt),
  });
  for (const n of ['slow.test', '_dmarc.slowdmarc.test', 'sel._domainkey.slowkey.test']) dns.timeout.add(n);
});
after(() => dns.close());

async function check(raw: string, ip: string, mailFrom: string, config: Record<string, unknown> = {}): Promise<AnalyzerResult & { names: string[] }> {
  const msg = await parseMessage(Buffer.from(raw), { clientIp: ip, clientHostname: null, helo: 'mx.sender.test', tls: false, mailFrom, rcptTo: ['bob@dest.test'] });
  const r = dns.resolver(400);
  const res = await runAnalyzer(authAnalyzer, msg, { resolve: (n, t) => r.resolve(n, t as 'TXT'), config: { mta: 'gw.test', ...config } });
  return { ...res, names: res.symbols.map((s) => s.name) };
}

describe('auth analyzer', () => {
  it('passes SPF, DKIM (2048) and DMARC, writes Authentication-Results and facts', async () => {
    const raw = await sign(message('alice@example.com'), 'example.com', 's2048', k2048);
    const res = await check(raw, GOOD_IP, 'alice@example.com');
    // The details (mailauth's comment) say why when this fails: CI once saw "bad signature" here.
    assert.deepEqual(res.names.sort(), ['ARC_NONE', 'DKIM_VALID', 'DMARC_PASS', 'SPF_PASS'], JSON.stringify(res.symbols));
    const ar = res.headers!.find((h) => h.key === 'authentication-results');
    assert.ok(ar, 'Authentication-Results added');
    assert.match(ar.value, /^gw\.test;/);
    assert.match(ar.value, /dkim=pass/);
    assert.match(ar.value, /spf=pass/);
    assert.match(ar.value, /dmarc=pass/);
    assert.equal(res.headers!.some((h) => h.key.startsWith('arc-')), false, 'no ARC set without arc_seal');
    assert.deepEqual(res.facts?.auth?.dmarc, { result: 'pass', policy: 'reject', domain: 'example.com' });
    assert.deepEqual(res.facts?.auth?.dkim, [{ result: 'pass', domain: 'example.com', selector: 's2048', aligned: true }]);
  });

  it('verifies a 4096-bit RSA key whose TXT record is split into 255-byte strings', async () => {
    assert.ok(k4096.txt.length > 255, 'the record really needs splitting');
    const raw = await sign(message('alice@example.com'), 'example.com', 'big', k4096);
    const res = await check(raw, BAD_IP, 'alice@example.com');
    assert.ok(res.names.includes('DKIM_VALID'), res.names.join());
    assert.ok(res.names.includes('DMARC_PASS'), 'aligned DKIM passes DMARC despite SPF fail');
    assert.ok(res.names.includes('SPF_FAIL'));
  });

  it('verifies an ed25519 signature', async () => {
    const raw = await sign(message('alice@example.com'), 'example.com', 'ed', ked);
    const res = await check(raw, BAD_IP, 'alice@example.com');
    assert.ok(res.names.includes('DKIM_VALID'), res.names.join());
  });

  it('a changed body is neutral (body hash), a changed signed header fails', async () => {
    const raw = await sign(message('alice@example.com'), 'example.com', 's2048', k2048);
    const body = await check(raw.replace('the report is attached.', 'wire the money now.'), BAD_IP, 'alice@example.com');
    assert.ok(body.names.includes('DKIM_NEUTRAL'), body.names.join());
    assert.match(body.symbols.find((s) => s.name === 'DKIM_NEUTRAL')!.detail!, /body hash/i);
    const hdr = await check(raw.replace('Subject: Quarterly report', 'Subject: Urgent payment'), BAD_IP, 'alice@example.com');
    assert.ok(hdr.names.includes('DKIM_INVALID'), hdr.names.join());
    // Neither signature is aligned any more, SPF fails: p=reject applies.
    for (const r of [body, hdr]) assert.ok(r.names.includes('DMARC_FAIL_REJECT'));
  });

  it('missing records: no SPF, no DKIM key, no DMARC', async () => {
    const raw = await sign(message('x@nothing.test'), 'nothing.test', 'gone', k2048);
    const res = await check(raw, BAD_IP, 'x@nothing.test');
    assert.ok(res.names.includes('SPF_NONE'), res.names.join());
    assert.ok(res.names.includes('DKIM_PERMERROR'), res.names.join());
    assert.ok(res.names.includes('DMARC_NONE'), res.names.join());
  });

  it('DNS timeouts give temperror symbols, never a crash', async () => {
    const spf = await check(message('a@slow.test'), BAD_IP, 'a@slow.test');
    assert.ok(spf.names.includes('SPF_TEMPERROR'), spf.names.join());
    assert.equal(spf.facts?.auth?.spf.result, 'temperror');
    const key = await check(await sign(message('a@slowkey.test'), 'slowkey.test', 'sel', k2048), BAD_IP, 'a@slowkey.test');
    assert.ok(key.names.includes('DKIM_TEMPERROR'), key.names.join());
    const dm = await check(message('a@slowdmarc.test'), BAD_IP, 'a@slowdmarc.test');
    assert.ok(dm.names.includes('DMARC_TEMPERROR'), dm.names.join());
  });

  it('DMARC policies: reject, quarantine, none, pct=0, sp= for a subdomain', async () => {
    const cat = (r: { names: string[] }, name: string) => assert.ok(r.names.includes(name), `${name} in ${r.names.join()}`);
    cat(await check(message('a@example.com'), BAD_IP, 'a@example.com'), 'DMARC_FAIL_REJECT');
    cat(await check(message('a@quar.test'), BAD_IP, 'a@quar.test'), 'DMARC_FAIL_QUARANTINE');
    cat(await check(message('a@mon.test'), BAD_IP, 'a@mon.test'), 'DMARC_FAIL_NONE');
    const pct = await check(message('a@pct.test'), BAD_IP, 'a@pct.test');
    cat(pct, 'DMARC_FAIL_QUARANTINE'); // pct=0: reject is applied as quarantine (RFC 7489 6.6.4)
    assert.match(pct.symbols.find((s) => s.name === 'DMARC_FAIL_QUARANTINE')!.detail!, /not sampled/);
    cat(await check(message('a@org.test'), BAD_IP, 'a@org.test'), 'DMARC_FAIL_REJECT');
    const sub = await check(message('a@news.org.test'), BAD_IP, 'a@news.org.test');
    cat(sub, 'DMARC_FAIL_NONE'); // sp=none governs the subdomain
    const declared = new Map(authAnalyzer.symbols.map((s) => [s.name, s.category]));
    assert.equal(declared.get('DMARC_FAIL_REJECT'), 'auth_failed');
    assert.equal(declared.get('DMARC_FAIL_QUARANTINE'), 'auth_failed');
  });

  it('DKIM alignment: strict fails a subdomain signature, relaxed passes it', async () => {
    const strict = await check(await sign(message('a@strict.test'), 'mail.strict.test', 's', k2048), BAD_IP, 'a@strict.test');
    assert.ok(strict.names.includes('DKIM_VALID'));
    assert.ok(strict.names.includes('DMARC_FAIL_REJECT'), strict.names.join());
    assert.equal(strict.facts?.auth?.dkim[0]?.aligned, false);
    const relaxed = await check(await sign(message('a@relaxed.test'), 'mail.relaxed.test', 's', k2048), BAD_IP, 'a@relaxed.test');
    assert.ok(relaxed.names.includes('DMARC_PASS'), relaxed.names.join());
  });

  it('SPF fail without DMARC: score only by default, auth_failed when configured', async () => {
    const def = await check(message('a@nodmarc.test'), BAD_IP, 'a@nodmarc.test');
    assert.ok(def.names.includes('SPF_FAIL'));
    assert.ok(!def.names.includes('SPF_FAIL_NO_DMARC'));
    const strict = await check(message('a@nodmarc.test'), BAD_IP, 'a@nodmarc.test', { spf_fail_without_dmarc: 'auth_failed' });
    assert.ok(strict.names.includes('SPF_FAIL_NO_DMARC'));
    // With a DMARC record, DMARC decides: no extra symbol.
    const withDmarc = await check(message('a@quar.test'), BAD_IP, 'a@quar.test', { spf_fail_without_dmarc: 'auth_failed' });
    assert.ok(!withDmarc.names.includes('SPF_FAIL_NO_DMARC'));
  });

  it('rejects a bad config naming the field', async () => {
    await assert.rejects(check(message('a@example.com'), GOOD_IP, 'a@example.com', { spf_fail_without_dmarc: 'maybe' }), /scan\.analyzers\.auth\.spf_fail_without_dmarc/);
  });

  it('ARC-seals with the configured key; mailauth validates the seal downstream; trusted sealers relax DMARC', async () => {
    const dir = tempDir();
    const keyFile = path.join(dir, 'arc.pem');
    writeFileSync(keyFile, kseal.privatePem);
    // First hop: our gateway (fwd.test) receives from an SPF-authorised IP: DMARC passes through SPF.
    const raw = message('alice@example.com', 'Forwarded');
    const hop1 = await check(raw, GOOD_IP, 'alice@example.com', { mta: 'fwd.test', arc_seal: { domain: 'fwd.test', selector: 'arc', private_key_file: keyFile } });
    assert.ok(hop1.names.includes('DMARC_PASS'), hop1.names.join());
    const keys = hop1.headers!.map((h) => h.key);
    for (const k of ['arc-seal', 'arc-message-signature', 'arc-authentication-results']) assert.ok(keys.includes(k), `${k} in ${keys.join()}`);
    const arcBlock = hop1.headers!.filter((h) => h.key.startsWith('arc-')).map((h) => `${h.key === 'arc-seal' ? 'ARC-Seal' : h.key === 'arc-message-signature' ? 'ARC-Message-Signature' : 'ARC-Authentication-Results'}: ${h.value}\r\n`).join('');
    const forwarded = arcBlock + raw;

    // mailauth's own ARC validation accepts the chain we produced.
    const r = dns.resolver(1000);
    const verdict = await authenticate(forwarded, { resolver: (n: string, t: string) => r.resolve(n, t as 'TXT'), ip: BAD_IP, sender: 'alice@example.com', mta: 'next.test', disableBimi: true } as any);
    assert.equal((verdict.arc as any).status.result, 'pass');
    assert.equal((verdict.arc as any).signature.signingDomain, 'fwd.test');

    // Second hop from the forwarder's IP: SPF fails, DMARC fails; a trusted sealer relaxes it.
    const untrusted = await check(forwarded, BAD_IP, 'alice@example.com');
    assert.ok(untrusted.names.includes('ARC_VALID'), untrusted.names.join());
    assert.ok(untrusted.names.includes('DMARC_FAIL_REJECT'));
    const trusted = await check(forwarded, BAD_IP, 'alice@example.com', { trusted_arc_sealers: ['fwd.test'] });
    assert.ok(trusted.names.includes('DMARC_FAIL_ARC_TRUSTED'), trusted.names.join());
    assert.ok(!trusted.names.includes('DMARC_FAIL_REJECT'));

    // A tampered chain is invalid.
    const broken = await check(forwarded.replace('Subject: Forwarded', 'Subject: Changed'), BAD_IP, 'alice@example.com', { trusted_arc_sealers: ['fwd.test'] });
    assert.ok(broken.names.includes('ARC_INVALID'), broken.names.join());
    assert.ok(broken.names.includes('DMARC_FAIL_REJECT'));
  });

  // mailauth reads From (and, for the null sender, Return-Path) with nodemailer's address parser,
  // which is quadratic or worse: 50 KB of ":;" took 6 s, so the 102,000 bytes here (just under the
  // parser's 100 KiB field cut) would hold the test past its time-out, and a worker's CPU as long,
  // if the analyzer handed them to mailauth.
  it('reads no From header over MAX_FROM_BYTES: SPF only, FROM_OVERSIZED (auth_failed)', { timeout: 15_000 }, async () => {
    const declared = new Map(authAnalyzer.symbols.map((s) => [s.name, s.category]));
    assert.equal(declared.get('FROM_OVERSIZED'), 'auth_failed');
    const huge = message('a@example.com').replace('From: Alice <a@example.com>', `From: ${':;'.repeat(51_000)}`);
    const res = await check(huge, BAD_IP, 'a@example.com');
    assert.deepEqual(res.names.sort(), ['FROM_OVERSIZED', 'SPF_FAIL'], JSON.stringify(res.symbols));
    assert.equal(res.symbols.find((s) => s.name === 'FROM_OVERSIZED')?.detail, '102000 bytes');
    const ar = res.headers!.find((h) => h.key === 'authentication-results')!.value;
    assert.match(ar, /spf=fail/);
    assert.match(ar, /dmarc=permerror reason="From header of 102000 bytes not read"/);
    assert.doesNotMatch(ar, /dkim=/);
    assert.deepEqual(res.facts?.auth?.dmarc, { result: 'permerror', policy: null, domain: null });
  });

  it('gives the size of a From cut for the parser (over 100 KiB) as received', { timeout: 15_000 }, async () => {
    const huge = message('a@example.com').replace('From: Alice <a@example.com>', `From: ${':;'.repeat(150_000)}`);
    const res = await check(huge, BAD_IP, 'a@example.com');
    assert.deepEqual(res.names.sort(), ['FROM_OVERSIZED', 'SPF_FAIL'], JSON.stringify(res.symbols));
    // "From: " and the 300,000 bytes after it; the parser read only the first 102,400.
    assert.equal(res.symbols.find((s) => s.name === 'FROM_OVERSIZED')?.detail, '300006 bytes');
  });

  it('authenticates a From of MAX_FROM_BYTES (a long display name) and refuses one byte more', async () => {
    const withName = (bytes: number) => {
      const tail = ' <alice@example.com>';
      return message('alice@example.com').replace('From: Alice <alice@example.com>', `From: ${'N'.repeat(bytes - tail.length)}${tail}`);
    };
    const atLimit = await check(await sign(withName(MAX_FROM_BYTES), 'example.com', 's2048', k2048), GOOD_IP, 'alice@example.com');
    assert.deepEqual(atLimit.names.sort(), ['ARC_NONE', 'DKIM_VALID', 'DMARC_PASS', 'SPF_PASS'], JSON.stringify(atLimit.symbols));
    const over = await check(await sign(withName(MAX_FROM_BYTES + 1), 'example.com', 's2048', k2048), GOOD_IP, 'alice@example.com');
    assert.deepEqual(over.names.sort(), ['FROM_OVERSIZED', 'SPF_PASS'], JSON.stringify(over.symbols));
  });

  it('leaves a Return-Path header unread for the null sender (DKIM and DMARC as usual)', { timeout: 15_000 }, async () => {
    const raw = `Return-Path: ${':;'.repeat(51_000)}\r\n${message('mailer-daemon@example.com', 'Bounce')}`;
    const res = await check(await sign(raw, 'example.com', 's2048', k2048), GOOD_IP, '');
    assert.deepEqual(res.names.sort(), ['ARC_NONE', 'DKIM_VALID', 'DMARC_PASS', 'SPF_PASS'], JSON.stringify(res.symbols));
  });

  it('checks the null sender <> as postmaster@HELO', async () => {
    const ok = await check(message('mailer-daemon@example.com', 'Bounce'), GOOD_IP, '');
    assert.ok(ok.names.includes('SPF_PASS'), ok.names.join());
    assert.equal(ok.facts?.auth?.spf.domain, 'mx.sender.test');
    const bad = await check(message('mailer-daemon@example.com', 'Bounce'), BAD_IP, '');
    assert.ok(bad.names.includes('SPF_FAIL'), bad.names.join());
  });
});

describe('DMARC pct sampling', () => {
  it('applies the policy inside pct and the next weaker one outside, stably per message', () => {
    assert.deepEqual(applyPct('reject', 100, 99), { policy: 'reject', sampled: true });
    assert.deepEqual(applyPct('reject', undefined, 99), { policy: 'reject', sampled: true });
    assert.deepEqual(applyPct('reject', 30, 30), { policy: 'quarantine', sampled: false });
    assert.deepEqual(applyPct('quarantine', 30, 29), { policy: 'quarantine', sampled: true });
    assert.deepEqual(applyPct('quarantine', 0, 0), { policy: 'none', sampled: false });
    assert.equal(pctBucket('<a@b>'), pctBucket('<a@b>'));
    const buckets = new Set(Array.from({ length: 200 }, (_, i) => pctBucket(`<${i}@x>`)));
    assert.ok(buckets.size > 50, 'the buckets spread over 0-99');
  });
});
