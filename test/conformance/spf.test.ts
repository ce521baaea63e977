// RFC 7208 (OpenSPF 2014.04) conformance of the SPF path (mailauth + injected resolver + DNS fixture).
// Deviations are listed one by one with the reason; anything else failing fails this test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { loadSpfSuite, runSpfSuite, SPF_SUITE, suitePresent, type SpfOutcome } from './spf-suite.js';

/** Passes achieved when this list was written; the count may only go up. */
const MIN_PASSES = 185;

const EBADNAME = "Node's resolver (c-ares) refuses the query name (EBADNAME) before it reaches DNS; mailauth maps that to temperror";
export const KNOWN_DEVIATIONS: Record<string, string> = {
  'invalid-domain-long': `${EBADNAME} (label over 63 octets)`,
  'invalid-domain-long-via-macro': `${EBADNAME} (macro expands to a label over 63 octets)`,
  'a-colon-domain': `${EBADNAME} (':' and '/' in the a: target)`,
  'a-colon-domain-ip4mapped': `${EBADNAME} (':' and '/' in the a: target)`,
  'mx-colon-domain': `${EBADNAME} (':' and '/' in the mx: target)`,
  'mx-colon-domain-ip4mapped': `${EBADNAME} (':' and '/' in the mx: target)`,
  'macro-mania-in-domain': `${EBADNAME} (space and '%' after macro expansion)`,
  'bare-ip6': 'mailauth accepts "ip6" without an address instead of permerror',
  'exp-syntax-error': 'mailauth does not validate the exp= domain-spec syntax',
  'exp-twice': 'mailauth does not reject a duplicated exp= modifier',
  'exp-only-macro-char': 'mailauth does not reject an exp= made only of a macro character',
  'p-macro-multiple': 'mailauth does not validate the %{p} macro against multiple PTR names',
  'invalid-hello-macro': 'mailauth treats an invalid HELO in %{h} as permerror rather than skipping to fail',
  'hello-domain-literal': 'mailauth rejects a domain-literal HELO as an invalid domain (permerror) instead of continuing to the -all',
  'require-valid-helo': 'mailauth rejects a HELO that is not a domain (permerror) instead of evaluating the record',
};

describe('RFC 7208 SPF conformance', { skip: !suitePresent(SPF_SUITE) && 'suite not present' }, () => {
  let dns: DnsFixture;
  let results: SpfOutcome[];
  before(async () => {
    dns = await startDnsServer();
    results = await runSpfSuite(dns, loadSpfSuite());
  });
  after(() => dns?.close());

  it(`passes at least ${MIN_PASSES} tests and fails only the listed deviations`, () => {
    const passes = results.filter((r) => r.pass).length;
    process.stdout.write(`# RFC 7208 suite: ${passes}/${results.length} pass\n`);
    const unexpected = results.filter((r) => !r.pass && !(r.case.name in KNOWN_DEVIATIONS));
    assert.deepEqual(unexpected.map((r) => `${r.case.name}: expected ${r.case.expected.join('|')}, got ${r.got}`), []);
    assert.ok(passes >= MIN_PASSES, `${passes} passes < ${MIN_PASSES}`);
    assert.ok(results.length >= 200, 'the whole suite ran');
  });

  it('each listed deviation names a test of the suite', () => {
    const names = new Set(results.map((r) => r.case.name));
    for (const n of Object.keys(KNOWN_DEVIATIONS)) assert.ok(names.has(n), `${n} is not in the suite`);
  });
});
