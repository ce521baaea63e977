// Runs the OpenSPF RFC 7208 suite through mailauth's SPF check and the in-process DNS server: each
// scenario's zonedata is loaded into the server, every test is checked through the same resolver path.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spf } from 'mailauth/lib/spf/index.js';
import YAML from 'yaml';
import type { DnsFixture, Zone, ZoneRecord } from '../helpers/dns-server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Next to the checkout (CI, /work/main) or, for a git worktree under wt/, one level further up.
const candidates = [process.env.RAMPART_CONFORMANCE_DIR, path.resolve(repoRoot, '../shared/conformance'), path.resolve(repoRoot, '../../shared/conformance')];
export const CONFORMANCE_DIR = candidates.find((d): d is string => Boolean(d) && existsSync(d!)) ?? path.resolve(repoRoot, '../shared/conformance');
export const SPF_SUITE = path.join(CONFORMANCE_DIR, 'spf/rfc7208-tests.yml');

export interface SpfCase {
  scenario: string;
  name: string;
  host: string;
  mailfrom: string;
  helo: string;
  expected: string[];
}

export interface SpfScenario {
  description: string;
  zone: Zone;
  timeouts: string[];
  cases: SpfCase[];
}

type RawRecord = string | Record<string, unknown>;

/** Converts the suite's record forms (SPF, TXT, A, AAAA, MX, PTR, CNAME, TIMEOUT) into a fixture zone. */
export function toZone(zonedata: Record<string, RawRecord[]>): { zone: Zone; timeouts: string[] } {
  const zone: Zone = {};
  const timeouts: string[] = [];
  for (const [rawName, records] of Object.entries(zonedata ?? {})) {
    const name = rawName.toLowerCase().replace(/\.$/, '');
    const out: ZoneRecord[] = [];
    const spfRecords: ZoneRecord[] = [];
    let hasTxt = false;
    let timedOut = false;
    for (const rec of records ?? []) {
      if (rec === 'TIMEOUT') {
        timedOut = true;
        continue;
      }
      if (typeof rec !== 'object' || rec === null) continue;
      const [type, value] = Object.entries(rec)[0] as [string, any];
      switch (type) {
        case 'TXT':
          hasTxt = true;
          if (value === 'NONE') break; // the suite's marker for "no TXT record here"

          out.push({ type: 'TXT', data: Array.isArray(value) ? value.map(String) : [String(value)] });
          break;
        case 'SPF':
          // RFC 7208 dropped type SPF; the suite expects drivers to serve it as TXT (see its header).
          spfRecords.push({ type: 'TXT', data: Array.isArray(value) ? value.map(String) : [String(value)] });
          break;
        case 'A':
        case 'AAAA':
          for (const a of [].concat(value)) out.push({ type, address: String(a) });
          break;
        case 'MX':
          out.push({ type: 'MX', priority: Number(value[0]), exchange: String(value[1]) });
          break;
        case 'PTR':
        case 'CNAME':
          out.push({ type, domain: String(value) });
          break;
        default:
          throw new Error(`unknown record type ${type} for ${name}`);
      }
    }
    if (!hasTxt) out.push(...spfRecords);
    // Beside real TXT records, TIMEOUT stands for the type-SPF query, which an RFC 7208 checker never sends.
    if (timedOut && !out.some((r) => r.type === 'TXT')) timeouts.push(name);
    zone[name] = out;
  }
  return { zone, timeouts };
}

export function loadSpfSuite(file = SPF_SUITE): SpfScenario[] {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.map((d) => {
    const doc = d.toJS() as { description: string; tests: Record<string, any>; zonedata: Record<string, RawRecord[]> };
    const { zone, timeouts } = toZone(doc.zonedata);
    const cases = Object.entries(doc.tests ?? {}).map(([name, t]) => ({
      scenario: doc.description,
      name,
      host: String(t.host),
      mailfrom: String(t.mailfrom ?? ''),
      helo: String(t.helo ?? ''),
      expected: [].concat(t.result).map(String),
    }));
    return { description: doc.description, zone, timeouts, cases };
  });
}

export interface SpfOutcome {
  case: SpfCase;
  got: string;
  pass: boolean;
}

/** Runs every case; the fixture's zone and timeout set are swapped per scenario. */
export async function runSpfSuite(dns: DnsFixture, scenarios: SpfScenario[], timeoutMs = 300): Promise<SpfOutcome[]> {
  const resolver = dns.resolver(timeoutMs);
  const resolve = (name: string, type: string) => resolver.resolve(name, type as 'TXT');
  const out: SpfOutcome[] = [];
  for (const sc of scenarios) {
    for (const k of Object.keys(dns.zone)) delete dns.zone[k];
    Object.assign(dns.zone, sc.zone);
    dns.timeout.clear();
    for (const t of sc.timeouts) dns.timeout.add(t);
    for (const c of sc.cases) {
      let got: string;
      try {
        const res = await spf({ sender: c.mailfrom || undefined, ip: c.host, helo: c.helo, mta: 'conformance.test', resolver: resolve });
        got = String(res?.status?.result ?? 'none');
      } catch (err) {
        got = `exception: ${(err as Error).message}`;
      }
      out.push({ case: c, got, pass: c.expected.includes(got) });
    }
  }
  return out;
}

export function suitePresent(file: string): boolean {
  if (existsSync(file)) return true;
  process.stderr.write(`\n*** conformance suite ${file} is NOT present: conformance tests are SKIPPED ***\n\n`);
  return false;
}
