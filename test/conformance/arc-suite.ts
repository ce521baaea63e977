// Runs the open ARC validation suite through mailauth's ARC validation with the suite's TXT records
// served by the in-process DNS server; expected cv= None/Pass/Fail compared with mailauth's result.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { arc, dkimVerify } from 'mailauth';
import YAML from 'yaml';
import type { DnsFixture } from '../helpers/dns-server.js';
import { CONFORMANCE_DIR } from './spf-suite.js';

export const ARC_SUITE = path.join(CONFORMANCE_DIR, 'arc/arc-draft-validation-tests.yml');

export interface ArcOutcome {
  name: string;
  expected: string;
  got: string;
  pass: boolean;
}

export async function runArcSuite(dns: DnsFixture, file = ARC_SUITE): Promise<ArcOutcome[]> {
  const resolver = dns.resolver(500);
  const resolve = (n: string, t: string) => resolver.resolve(n, t as 'TXT');
  const out: ArcOutcome[] = [];
  for (const d of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
    const doc = d.toJS() as { tests: Record<string, { message: string; cv: string }>; 'txt-records'?: Record<string, string> };
    for (const k of Object.keys(dns.zone)) delete dns.zone[k];
    for (const [name, txt] of Object.entries(doc['txt-records'] ?? {})) dns.zone[name.toLowerCase()] = [{ type: 'TXT', data: txt.replace(/\s+$/, '') }];
    for (const [name, t] of Object.entries(doc.tests ?? {})) {
      const expected = String(t.cv ?? '').trim().toLowerCase() || 'none';
      const raw = String(t.message ?? '').replace(/\r?\n/g, '\r\n');
      let got: string;
      try {
        const dk = await dkimVerify(raw, { resolver: resolve as any, minBitLength: 1024 } as any);
        const res = await arc((dk as any).arc, { resolver: resolve, minBitLength: 1024 } as any);
        got = String((res as any).status?.result ?? 'none');
      } catch (err) {
        got = `exception: ${(err as Error).message}`;
      }
      out.push({ name, expected, got, pass: got === expected });
    }
  }
  return out;
}
