// Rampart's authenticate (mailauth's steps without the Received-chain parse and BIMI) gives what
// mailauth's authenticate() gives: the same DKIM, SPF, DMARC and ARC results and the same header
// block, for signed, unsigned, tampered, forwarded (ARC) and timed-out messages, and the same
// ARC set when sealing (up to its signing time and signatures, which a clock tick changes).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authenticate as mailauthAuthenticate } from 'mailauth';
import { authenticate } from '../../src/scan/analyzers/auth/authenticate.js';
import { withCrlf } from '../../src/scan/analyzers/auth/crlf.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { ed25519Key, message, rsaKey, sign, type TestKey } from './keys.js';

const GOOD_IP = '192.0.2.1';
const BAD_IP = '198.51.100.7';

let dns: DnsFixture;
let k2048: TestKey, ked: TestKey, kseal: TestKey;

before(async () => {
  k2048 = rsaKey(2048);
  ked = ed25519Key();
  kseal = rsaKey(2048);
  const txt = (s: string) => [{ type: 'TXT' as const, data: s }];
  dns = await startDnsServer({
    'example.com': txt(`v=spf1 ip4:${GOOD_IP} -all`),
    '_dmarc.example.com': txt('v=DMARC1; p=reject'),
    's2048._domainkey.example.com': txt(k2048.txt),
    'ed._domainkey.example.com': txt(ked.txt),
    'quar.test': txt('v=spf1 ~all'),
    '_dmarc.quar.test': txt('v=DMARC1; p=quarantine; pct=50'),
    'arc._domainkey.fwd.test': txt(kseal.txt),
  });
  dns.timeout.add('_dmarc.slow.test');
});
after(() => dns.close());

/** Seal-free comparisons need no normalising; a seal carries t= and b= that depend on the second. */
const stable = (headers: string) => headers.replace(/\bt=\d+/g, 't=T').replace(/\bb=[A-Za-z0-9+/=\s]+/g, 'b=B');

async function both(raw: string, ip: string, sender: string | undefined, extra: Record<string, unknown> = {}) {
  const r = dns.resolver(300);
  const resolver = (n: string, t: string) => r.resolve(n, t as 'TXT');
  const input = withCrlf(Buffer.from(raw));
  const opts = { resolver, ip, helo: 'mx.sender.test', sender, mta: 'gw.test', minBitLength: 1024, ...extra };
  const ours = await authenticate(input, opts as Parameters<typeof authenticate>[1]);
  const theirs = await mailauthAuthenticate(input, { ...opts, disableBimi: true } as any);
  return { ours, theirs };
}

function assertSame({ ours, theirs }: Awaited<ReturnType<typeof both>>) {
  const dkim = (d: any) => d.results.map((r: any) => ({ status: r.status, info: r.info, signingDomain: r.signingDomain, selector: r.selector }));
  assert.deepEqual(dkim(ours.dkim), dkim(theirs.dkim));
  assert.deepEqual(ours.spf, theirs.spf);
  assert.deepEqual(ours.dmarc, theirs.dmarc);
  assert.deepEqual(ours.arc, theirs.arc);
  assert.equal(stable(ours.headers), stable(theirs.headers));
}

describe('authenticate (mailauth without Received chain and BIMI)', () => {
  it('matches mailauth for SPF + DKIM + DMARC pass, rsa and ed25519', async () => {
    for (const [sel, key] of [['s2048', k2048], ['ed', ked]] as const) {
      const r = await both(await sign(message('alice@example.com'), 'example.com', sel, key), GOOD_IP, 'alice@example.com');
      assert.equal(r.ours.spf && r.ours.spf.status.result, 'pass');
      assert.equal(r.ours.dmarc && r.ours.dmarc.status.result, 'pass');
      assertSame(r);
    }
  });

  it('matches mailauth for failures: wrong IP, tampered body and header, unsigned, softfail with pct, null sender, no HELO', async () => {
    const signed = await sign(message('alice@example.com'), 'example.com', 's2048', k2048);
    const cases: [string, string, string | undefined][] = [
      [signed, BAD_IP, 'alice@example.com'],
      [signed.replace('the report', 'THE report'), BAD_IP, 'alice@example.com'],
      [signed.replace('Subject: Quarterly', 'Subject: Changed'), BAD_IP, 'alice@example.com'],
      [message('bob@quar.test'), BAD_IP, 'bob@quar.test'],
      [message('mailer-daemon@example.com', 'Bounce'), GOOD_IP, undefined],
      [message('someone@nowhere.test'), BAD_IP, 'someone@nowhere.test'],
    ];
    for (const [raw, ip, sender] of cases) assertSame(await both(raw, ip, sender));
    // No HELO: the client's address stands in for it, in brackets.
    const noHelo = await both(message('mailer-daemon@example.com', 'Bounce'), GOOD_IP, undefined, { helo: undefined });
    assert.match(noHelo.ours.headers, /\[192\.0\.2\.1\]/);
    assertSame(noHelo);
  });

  it('matches mailauth when DMARC lookups time out', async () => {
    const r = await both(message('x@slow.test'), BAD_IP, 'x@slow.test');
    assert.equal(r.ours.dmarc && r.ours.dmarc.status.result, 'temperror');
    assertSame(r);
  });

  it('matches mailauth when sealing, and validates a forwarded chain the same way', async () => {
    const seal = { signingDomain: 'fwd.test', selector: 'arc', privateKey: kseal.privatePem };
    const raw = message('alice@example.com', 'Forwarded');
    const hop1 = await both(raw, GOOD_IP, 'alice@example.com', { seal });
    assert.match(hop1.ours.headers, /^ARC-Seal: i=1; .*\r\nARC-Message-Signature: /s);
    assertSame(hop1);
    const forwarded = hop1.ours.headers.split(/\r\n(?=Received-SPF|Authentication-Results)/)[0] + '\r\n' + raw;
    const hop2 = await both(forwarded, BAD_IP, 'alice@example.com', { seal });
    assert.equal(hop2.ours.arc && (hop2.ours.arc.status as { result: string }).result, 'pass');
    assert.match(hop2.ours.headers, /^ARC-Seal: i=2; /);
    assertSame(hop2);
    const broken = await both(forwarded.replace('Subject: Forwarded', 'Subject: Changed'), BAD_IP, 'alice@example.com');
    assert.equal(broken.ours.arc && (broken.ours.arc.status as { result: string }).result, 'fail');
    assertSame(broken);
  });
});
