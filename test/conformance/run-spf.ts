// Prints the RFC 7208 conformance results: `npx tsx test/conformance/run-spf.ts`.
import { startDnsServer } from '../helpers/dns-server.js';
import { loadSpfSuite, runSpfSuite, SPF_SUITE, suitePresent } from './spf-suite.js';

if (suitePresent(SPF_SUITE)) {
  const dns = await startDnsServer();
  const results = await runSpfSuite(dns, loadSpfSuite());
  await dns.close();
  for (const r of results.filter((x) => !x.pass)) console.log(`FAIL ${r.case.name}: expected ${r.case.expected.join('|')}, got ${r.got}`);
  console.log(`RFC 7208 suite: ${results.filter((r) => r.pass).length}/${results.length} pass`);
}
