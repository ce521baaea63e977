// Runs the five threat analyzers on one message the way the pipeline would (same context), and
// derives the category from the highest-precedence symbol: the golden tests and the benchmark use it.
import type { Kysely } from 'kysely';
import { aptAnalyzer } from '../../src/scan/analyzers/apt/index.js';
import { becAnalyzer } from '../../src/scan/analyzers/bec/index.js';
import { malwareAnalyzer } from '../../src/scan/analyzers/malware/index.js';
import { otherThreatsAnalyzer } from '../../src/scan/analyzers/other-threats/index.js';
import { phishingAnalyzer } from '../../src/scan/analyzers/phishing/index.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { CATEGORIES, type Analyzer, type Category, type HeaderField, type ParsedMessage } from '../../src/scan/types.js';
import type { Database } from '../../src/store/schema.js';

export const THREAT_ANALYZERS: readonly Analyzer[] = [malwareAnalyzer, aptAnalyzer, phishingAnalyzer, becAnalyzer, otherThreatsAnalyzer];

export interface ThreatRun {
  symbols: { name: string; detail?: string; category?: Category }[];
  headers: HeaderField[];
  category: Category;
}

export interface HarnessOptions {
  clamd: string | null;
  db: Kysely<Database> | null;
  protectedDomains: string[];
  analyzers?: readonly Analyzer[];
}

export async function runThreats(msg: ParsedMessage, o: HarnessOptions): Promise<ThreatRun> {
  const symbols: ThreatRun['symbols'] = [];
  const headers: HeaderField[] = [];
  for (const a of o.analyzers ?? THREAT_ANALYZERS) {
    const config = a.name === 'malware' ? { clamd: o.clamd ? { address: o.clamd } : { enabled: false } } : {};
    const r = await runAnalyzer(a, msg, { config, db: o.db, protectedDomains: o.protectedDomains, resolve: async () => { throw new Error('no DNS in threat tests'); } });
    for (const e of r.symbols) symbols.push({ name: e.name, ...(e.detail ? { detail: e.detail } : {}), ...(a.symbols.find((s) => s.name === e.name)?.category ? { category: a.symbols.find((s) => s.name === e.name)!.category } : {}) });
    headers.push(...(r.headers ?? []));
  }
  const cats = symbols.map((s) => s.category).filter((c): c is Category => !!c);
  const category = CATEGORIES.find((c) => cats.includes(c)) ?? 'clean';
  return { symbols, headers, category };
}
