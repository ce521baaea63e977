// Turns the symbols a message collected into its score and category, in one place after all
// analyzers ran: composites first, then the sum, then the category by DESIGN.md precedence.
import { evaluate } from './composite.js';
import type { SymbolRegistry } from './registry.js';
import { CATEGORIES, type Category, type SymbolHit } from './types.js';

export interface Scored {
  score: number;
  category: Category;
  /** The input symbols plus the composites that matched. */
  symbols: SymbolHit[];
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * The category is the highest-precedence one whose evidence crosses its threshold: for `spam` the
 * total score against thresholds.spam; for every other category the summed score of the symbols
 * that are evidence for it (at least one must have fired). `clean` when none does.
 */
export function scoreHits(hits: readonly SymbolHit[], registry: SymbolRegistry): Scored {
  const present = new Set(hits.map((h) => h.name));
  const symbols = [...hits];
  for (const c of registry.composites) {
    if (evaluate(c.expr, present)) {
      symbols.push({ name: c.name, score: c.score, category: c.category, detail: 'composite' });
    }
  }
  const score = round(symbols.reduce((s, h) => s + h.score, 0));
  return { score, category: pickCategory(symbols, score, registry), symbols };
}

function pickCategory(symbols: readonly SymbolHit[], total: number, registry: SymbolRegistry): Category {
  for (const cat of CATEGORIES) {
    if (cat === 'clean') break;
    const threshold = registry.thresholds[cat];
    if (cat === 'spam') {
      if (total >= threshold) return 'spam';
      continue;
    }
    const evidence = symbols.filter((s) => s.category === cat);
    if (evidence.length && round(evidence.reduce((s, h) => s + h.score, 0)) >= threshold) return cat;
  }
  return 'clean';
}
