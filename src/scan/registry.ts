// The symbol registry: every symbol the engine can emit, declared once — by its analyzer, as the
// automatic <NAME>_FAIL of each analyzer, by policy, or as a configured composite — with the
// score configuration gives it. Building it validates the scan configuration against the symbols.
import { ConfigError } from '../config/error.js';
import { parseExpression, symbolsOf, ExpressionError, type Expr } from './composite.js';
import { DEFAULT_FAILURE_MODES, DEFAULT_THRESHOLDS, type ScanConfig } from './config.js';
import type { Analyzer, Category, Family, SymbolDef } from './types.js';

export type SymbolKind = 'analyzer' | 'fail' | 'policy' | 'composite';

export interface RegisteredSymbol extends SymbolDef {
  kind: SymbolKind;
  family?: Family;
  /** The analyzer that declares it (analyzer and fail symbols). */
  analyzer?: string;
}

export interface Composite {
  name: string;
  expr: Expr;
  score: number;
  category?: Category;
}

/** Symbols the policy step adds to explain list decisions; they carry no score. */
export const POLICY_SYMBOLS: readonly SymbolDef[] = [
  { name: 'POLICY_ALLOWLIST', description: 'Sender or client is on an allow list', group: 'policy', score: 0 },
  { name: 'POLICY_BLOCKLIST', description: 'Sender or client is on a block list', group: 'policy', score: 0 },
  { name: 'POLICY_SPLIT', description: "Recipients' policies disagreed: this copy is for some of them only", group: 'policy', score: 0 },
];

/** AUTH_FAIL for analyzer "auth", URL_REPUTATION_FAIL for "url-reputation". */
export function failSymbolName(analyzer: string): string {
  return `${analyzer.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_FAIL`;
}

export type Thresholds = Record<Exclude<Category, 'clean'>, number>;

export class SymbolRegistry {
  private constructor(
    readonly symbols: ReadonlyMap<string, RegisteredSymbol>,
    readonly composites: readonly Composite[],
    readonly thresholds: Thresholds,
    readonly failureModes: Record<Family, 'tempfail' | 'score'>,
  ) {}

  /** Builds the registry; throws ConfigError naming the offending key when the configuration does not fit. */
  static build(analyzers: readonly Analyzer[], scan: ScanConfig): SymbolRegistry {
    const symbols = new Map<string, RegisteredSymbol>();
    const issues: string[] = [];
    const add = (s: RegisteredSymbol, where: string) => {
      if (symbols.has(s.name)) issues.push(`${where}: symbol ${s.name} is declared twice`);
      else symbols.set(s.name, s);
    };
    const names = new Set<string>();
    for (const a of analyzers) {
      if (names.has(a.name)) issues.push(`analyzer ${a.name}: two analyzers have this name`);
      names.add(a.name);
      for (const s of a.symbols) add({ ...s, kind: 'analyzer', family: s.family ?? a.family, analyzer: a.name }, `analyzer ${a.name}`);
      add(
        {
          name: failSymbolName(a.name),
          description: `The ${a.name} analyzer failed or ran out of time`,
          group: 'failure',
          score: scan.fail_score,
          kind: 'fail',
          family: a.family,
          analyzer: a.name,
        },
        `analyzer ${a.name}`,
      );
    }
    for (const s of POLICY_SYMBOLS) add({ ...s, kind: 'policy' }, 'policy');
    for (const d of scan.disabled) if (!names.has(d)) issues.push(`scan.disabled: unknown analyzer ${d} (known: ${[...names].sort().join(', ') || 'none'})`);
    for (const [name, section] of Object.entries(scan.analyzers)) {
      const a = analyzers.find((x) => x.name === name);
      if (!a) issues.push(`scan.analyzers.${name}: unknown analyzer (known: ${[...names].sort().join(', ') || 'none'})`);
      else if (!a.config) {
        if (Object.keys(section).length) issues.push(`scan.analyzers.${name}: the ${name} analyzer takes no settings`);
      } else {
        const r = a.config.safeParse(section);
        if (!r.success) for (const i of r.error.issues) issues.push(`scan.analyzers.${name}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
      }
    }

    const composites: Composite[] = [];
    for (const [name, c] of Object.entries(scan.composites)) {
      if (symbols.has(name)) {
        issues.push(`scan.composites.${name}: a symbol with this name already exists`);
        continue;
      }
      let expr: Expr;
      try {
        expr = parseExpression(c.expression);
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        issues.push(`scan.composites.${name}.expression: ${err.message}`);
        continue;
      }
      for (const ref of symbolsOf(expr)) if (!symbols.has(ref)) issues.push(`scan.composites.${name}.expression: unknown symbol ${ref}`);
      composites.push({ name, expr, score: c.score, category: c.category });
    }
    for (const c of composites) {
      add({ name: c.name, description: scan.composites[c.name]!.description ?? `composite: ${scan.composites[c.name]!.expression}`, group: 'composite', score: c.score, category: c.category, kind: 'composite' }, `scan.composites.${c.name}`);
    }
    for (const [name, score] of Object.entries(scan.scores)) {
      const s = symbols.get(name);
      if (!s) issues.push(`scan.scores.${name}: unknown symbol`);
      else symbols.set(name, { ...s, score });
    }
    if (issues.length) throw new ConfigError('invalid scan configuration', issues);
    return new SymbolRegistry(symbols, composites, { ...DEFAULT_THRESHOLDS, ...stripUndefined(scan.thresholds) }, { ...DEFAULT_FAILURE_MODES, ...stripUndefined(scan.on_analyzer_failure) });
  }

  get(name: string): RegisteredSymbol | undefined {
    return this.symbols.get(name);
  }
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
