// Prints the ARC validation suite results: `npx tsx test/conformance/run-arc.ts`.
import { startDnsServer } from '../helpers/dns-server.js';
import { ARC_SUITE, runArcSuite } from './arc-suite.js';
import { suitePresent } from './spf-suite.js';

if (suitePresent(ARC_SUITE)) {
  const dns = await startDnsServer();
  const results = await runArcSuite(dns);
  await dns.close();
  for (const r of results.filter((x) => !x.pass)) console.log(`FAIL ${r.name}: expected ${r.expected}, got ${r.got}`);
  console.log(`ARC validation suite: ${results.filter((r) => r.pass).length}/${results.length} pass`);
}
