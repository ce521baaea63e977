// What `rampart scan` prints for one message, and what the scan daemon (scan/server.ts) answers:
// the same object, so a verdict reads the same whether it was scanned here or by a daemon.
import type { Decided } from '../policy/decide.js';
import { CATEGORY_LABELS, type Action, type Category } from './types.js';

export interface ScanReport {
  category: Category;
  score: number;
  /** The policy's action; tempfail when the scan could not finish and policy says retry. */
  action: Action | 'tempfail';
  /** Why the scan could not finish (tempfail only). */
  reason?: string;
  /** Monitor mode: what would have been done once the family goes live. */
  would?: { category: Category; action: Action };
  symbols: { name: string; score: number; detail: string | null }[];
  /**
   * Recipients whose policies disagree: what each group's copy gets (the message's category and
   * action above are the strictest of them).
   */
  copies?: { recipients: string[]; category: Category; action: Action }[];
}

export function toReport(d: Decided): ScanReport {
  const v = d.verdict;
  return {
    category: v.category,
    score: v.score,
    ...(d.decision.kind === 'tempfail' ? { action: 'tempfail' as const, reason: d.decision.reason } : { action: v.action }),
    ...(v.would ? { would: v.would } : {}),
    symbols: v.symbols.map((s) => ({ name: s.name, score: s.score, detail: s.detail ?? null })),
    ...(d.decision.kind === 'split' ? { copies: d.decision.copies.map((c) => ({ recipients: c.recipients, category: c.verdict.category, action: c.verdict.action })) } : {}),
  };
}

/** The rspamc-like text form: category, score, action, then the symbols, highest score first. */
export function formatText(file: string, r: ScanReport): string {
  const lines = [`File: ${file}`, `Category: ${r.category} (${CATEGORY_LABELS[r.category]})`, `Score: ${r.score.toFixed(2)}`, `Action: ${r.action}${r.reason ? ` (${r.reason})` : ''}`];
  if (r.would) lines.push(`Would (monitor mode): ${r.would.category} → ${r.would.action}`);
  for (const c of r.copies ?? []) lines.push(`Copy for ${c.recipients.join(', ')}: ${c.category} → ${c.action}`);
  for (const s of [...r.symbols].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))) lines.push(`Symbol: ${s.name} (${s.score.toFixed(2)})${s.detail ? ` [${s.detail}]` : ''}`);
  return lines.join('\n') + '\n\n';
}
