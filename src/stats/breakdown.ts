// The report's breakdowns (`rampart report --by hour|day|domain|action`): message counts per hour,
// day or recipient domain by category, or per category by action — the same counts as the report,
// records and hourly statistics alike (queries.ts).
import type { Kysely } from 'kysely';
import { ACTIONS } from '../scan/types.js';
import type { Database } from '../store/schema.js';
import { countByCategoryAndAction, countByDomain, countByPeriod, type StatsFilter } from './queries.js';
import { REPORT_ORDER } from './report.js';

export const BREAKDOWNS = ['hour', 'day', 'domain', 'action'] as const;
export type BreakdownBy = (typeof BREAKDOWNS)[number];

export interface Breakdown {
  by: BreakdownBy;
  /** What a row is: the period, the domain, or (by action) the category. */
  rowName: 'hour' | 'day' | 'domain' | 'category';
  /** The categories (by action: the actions) in their report order; `unscanned` / `none` last. */
  columns: string[];
  rows: { key: string; total: number; counts: Record<string, number> }[];
}

/** Messages accepted without a verdict have no category, and those blocked before policy no action. */
const UNSCANNED = 'unscanned';
const NO_ACTION = 'none';

export async function buildBreakdown(db: Kysely<Database>, f: StatsFilter, by: BreakdownBy): Promise<Breakdown> {
  let cells: { row: string; column: string; count: number }[];
  let columns: string[];
  if (by === 'action') {
    cells = (await countByCategoryAndAction(db, f)).map((r) => ({ row: r.category ?? UNSCANNED, column: r.action ?? NO_ACTION, count: r.count }));
    columns = [...ACTIONS, NO_ACTION];
  } else {
    const rows = by === 'domain' ? (await countByDomain(db, f)).filter((r) => !f.domain || r.domain === f.domain.toLowerCase()).map((r) => ({ row: r.domain, category: r.category, count: r.count })) : (await countByPeriod(db, f, by)).map((r) => ({ row: r.period, category: r.category, count: r.count }));
    cells = rows.map((r) => ({ row: r.row, column: r.category ?? UNSCANNED, count: r.count }));
    columns = [...REPORT_ORDER, UNSCANNED];
  }
  const byRow = new Map<string, Record<string, number>>();
  for (const c of cells) {
    const counts = byRow.get(c.row) ?? Object.fromEntries(columns.map((k) => [k, 0]));
    counts[c.column] = (counts[c.column] ?? 0) + c.count;
    byRow.set(c.row, counts);
  }
  // By action the rows are categories, in the report's order; otherwise periods or domains, sorted.
  const order = by === 'action' ? [...REPORT_ORDER, UNSCANNED] : [...byRow.keys()].sort();
  return {
    by,
    rowName: by === 'action' ? 'category' : by,
    columns,
    rows: order.filter((k) => byRow.has(k)).map((key) => {
      const counts = byRow.get(key)!;
      return { key, total: Object.values(counts).reduce((a, b) => a + b, 0), counts };
    }),
  };
}

/** A table for the terminal; columns that are zero in every row are left out. */
export function formatBreakdown(b: Breakdown): string {
  if (!b.rows.length) return 'no messages in the period\n';
  const shown = b.columns.filter((c) => b.rows.some((r) => r.counts[c]));
  const header = [b.rowName, 'total', ...shown];
  const lines = [header, ...b.rows.map((r) => [r.key, String(r.total), ...shown.map((c) => String(r.counts[c] ?? 0))])];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
