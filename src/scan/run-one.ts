// Runs a single analyzer outside the pipeline, with defaults for every injected service: used by
// tests and by tools that examine one check.
import { Resolver } from 'node:dns/promises';
import type { Analyzer, AnalyzerContext, AnalyzerResult, ParsedMessage } from './types.js';

export function defaultContext(overrides: Partial<AnalyzerContext> = {}): AnalyzerContext {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  return {
    resolve: (name, rrtype) => resolver.resolve(name, rrtype as 'TXT'),
    now: () => new Date(),
    config: {},
    signal: new AbortController().signal,
    facts: {},
    protectedDomains: [],
    recipientDomains: [],
    db: null,
    ...overrides,
  };
}

/** Normalises an analyzer's answer to the result shape. */
export function asResult(out: Awaited<ReturnType<Analyzer['analyze']>>): AnalyzerResult {
  return Array.isArray(out) ? { symbols: out } : out;
}

export async function runAnalyzer(analyzer: Analyzer, message: ParsedMessage, overrides: Partial<AnalyzerContext> = {}): Promise<AnalyzerResult> {
  const result = asResult(await analyzer.analyze(message, defaultContext(overrides)));
  const declared = new Set(analyzer.symbols.map((s) => s.name));
  for (const e of result.symbols) {
    if (!declared.has(e.name)) throw new Error(`${analyzer.name} emitted undeclared symbol ${e.name}`);
  }
  return result;
}
