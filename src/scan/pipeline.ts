// The scan pipeline: runs the analyzers stage by stage (connect → prefilter → normal →
// postfilter), in parallel within a stage, each under its own time budget and isolated from the
// others. A failure becomes the analyzer's <NAME>_FAIL symbol — never a silent pass — and, for
// families configured so (malware, apt by default), marks the scan incomplete.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ScanConfig } from './config.js';
import { failSymbolName, SymbolRegistry } from './registry.js';
import { asResult } from './run-one.js';
import { round } from './scoring.js';
import type { StageTimer } from './timing.js';
import type { Analyzer, AnalyzerResult, DnsResolve, Facts, HeaderField, ParsedMessage, Stage, SymbolHit } from './types.js';

export const STAGES: readonly Stage[] = ['connect', 'prefilter', 'normal', 'postfilter'];

/** Services the pipeline hands to analyzers; DNS and time are injected. */
export interface PipelineServices {
  resolve: DnsResolve;
  now(): Date;
  db: Kysely<Database> | null;
  protectedDomains: readonly string[];
  /** The message's recipient domains (canonical names). */
  recipientDomains: readonly string[];
  /** RAMPART_SCAN_TIMING: records each analyzer's time. */
  timer?: StageTimer | null;
}

export interface PipelineResult {
  /** Every symbol the analyzers emitted (and the _FAIL ones), with configured score × weight. */
  hits: SymbolHit[];
  headers: HeaderField[];
  facts: Facts;
  /** Analyzers whose failure makes the verdict untrustworthy: the message must not pass as scanned. */
  incomplete: string[];
}

class AnalyzerTimeout extends Error {}

export class Pipeline {
  readonly registry: SymbolRegistry;
  private readonly stages: Analyzer[][];
  /**
   * Each analyzer's section of scan.analyzers, one object for the pipeline's life: analyzers cache
   * what they derive from it (parsed settings, sets, evaluators) keyed by this object, so a section
   * absent from the file must not become a new {} per message.
   */
  private readonly analyzerConfigs = new Map<string, Record<string, unknown>>();

  constructor(
    analyzers: readonly Analyzer[],
    private readonly config: ScanConfig,
  ) {
    this.registry = SymbolRegistry.build(analyzers, config);
    const enabled = analyzers.filter((a) => !config.disabled.includes(a.name));
    this.stages = STAGES.map((st) => enabled.filter((a) => a.stage === st));
    for (const a of enabled) this.analyzerConfigs.set(a.name, config.analyzers[a.name] ?? {});
  }

  async run(message: ParsedMessage, services: PipelineServices): Promise<PipelineResult> {
    const result: PipelineResult = { hits: [], headers: [], facts: {}, incomplete: [] };
    for (const stage of this.stages) {
      if (!stage.length) continue;
      const facts: Readonly<Facts> = Object.freeze({ ...result.facts });
      // The analyzers of a stage start together with the same budget: one deadline (timer and
      // abort signal) serves them all.
      const ctl = new AbortController();
      const budget = this.config.analyzer_timeout;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<Error>((resolve) => {
        timer = setTimeout(() => {
          const err = new AnalyzerTimeout(`timed out after ${budget} ms`);
          ctl.abort(err);
          resolve(err);
        }, budget);
      });
      try {
        const outcomes = await Promise.all(stage.map((a) => this.runOne(a, message, services, facts, ctl.signal, timeout)));
        outcomes.forEach((out, i) => this.collect(stage[i]!, out, result));
      } finally {
        clearTimeout(timer);
      }
    }
    return result;
  }

  private async runOne(a: Analyzer, message: ParsedMessage, services: PipelineServices, facts: Readonly<Facts>, signal: AbortSignal, timeout: Promise<Error>): Promise<AnalyzerResult | Error> {
    const started = services.timer ? performance.now() : 0;
    try {
      const run = (async () =>
        asResult(
          await a.analyze(message, {
            resolve: services.resolve,
            now: services.now,
            config: this.analyzerConfigs.get(a.name)!,
            signal,
            facts,
            protectedDomains: services.protectedDomains,
            recipientDomains: services.recipientDomains,
            db: services.db,
          }),
        ))().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      return await Promise.race([run, timeout]);
    } finally {
      services.timer?.add(a.name, performance.now() - started);
    }
  }

  private collect(a: Analyzer, out: AnalyzerResult | Error, into: PipelineResult): void {
    let error = out instanceof Error ? out.message || out.name : null;
    if (!(out instanceof Error)) {
      const undeclared = out.symbols.find((e) => this.registry.get(e.name)?.analyzer !== a.name);
      if (undeclared) error = `emitted undeclared symbol ${undeclared.name}`;
    }
    if (error !== null || out instanceof Error) {
      const fail = this.registry.get(failSymbolName(a.name))!;
      into.hits.push({ name: fail.name, score: fail.score, detail: (error ?? 'failed').slice(0, 300), family: a.family });
      if (this.registry.failureModes[a.family] === 'tempfail') into.incomplete.push(a.name);
      return;
    }
    for (const e of out.symbols) {
      const def = this.registry.get(e.name)!;
      const hit: SymbolHit = { name: e.name, score: round(def.score * (e.weight ?? 1)), family: def.family ?? a.family };
      if (e.detail) hit.detail = e.detail;
      if (def.category) hit.category = def.category;
      if (e.domains) hit.domains = e.domains;
      into.hits.push(hit);
    }
    if (out.headers) into.headers.push(...out.headers);
    if (out.facts) Object.assign(into.facts, out.facts);
  }
}
