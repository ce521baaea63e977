// The programme report (DESIGN.md "The report it must be able to print"): scanned, addresses
// protected, blocked (end-of-DATA rejections and connection-level refusals, with reasons),
// delivered by the ten categories, and what monitor mode would have done — per domain and period.
import type { Kysely } from 'kysely';
import { CATEGORIES, CATEGORY_LABELS, type Category } from '../scan/types.js';
import type { Database } from '../store/schema.js';
import { countAddresses, countByCategoryAndAction, countEventsByReason, countRolledUp, countWould, OUTCOMES, type StatsFilter } from './queries.js';

/** Order of the categories on the "Delivered" line, as the programme prints them. */
export const REPORT_ORDER: readonly Category[] = ['clean', 'graymail', 'spam', 'auth_failed', 'low_url_reputation', 'bec', 'malware', 'phishing', 'apt', 'other_threat'];

export interface ProgrammeReport {
  domain: string | null;
  since: string | null;
  until: string | null;
  scanned: number;
  addresses: number;
  blocked: {
    total: number;
    /** Refused at the end of DATA (status rejected), by category. */
    atData: number;
    atConnection: number;
    reasons: Record<string, number>;
  };
  delivered: {
    total: number;
    byCategory: Record<Category, number>;
    /** Accepted without a verdict (scanning off); counted in total, not in any category. */
    unscanned: number;
    quarantined: number;
  };
  monitor: {
    /** Messages scanned while some family was in monitor mode. */
    messages: number;
    /** Of those, messages whose action would have been different. */
    differing: number;
    wouldActions: Record<string, number>;
  };
  /** Of the figures, the messages and refusals counted from the hourly statistics (records past retention.trace). */
  rolledUp: { messages: number; connections: number };
}

export async function buildReport(db: Kysely<Database>, f: StatsFilter): Promise<ProgrammeReport> {
  const [rows, events, would, addresses, rolledUp] = await Promise.all([countByCategoryAndAction(db, f), countEventsByReason(db, f), countWould(db, f), countAddresses(db, f.domain), countRolledUp(db, f)]);
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const reasons: Record<string, number> = {};
  let atData = 0;
  let delivered = 0;
  let unscanned = 0;
  let quarantined = 0;
  for (const r of rows) {
    if (r.status === 'rejected') {
      atData += r.count;
      const reason = `end of data: ${r.category ? CATEGORY_LABELS[r.category as Category] ?? r.category : 'policy'}`;
      reasons[reason] = (reasons[reason] ?? 0) + r.count;
      continue;
    }
    delivered += r.count;
    if ((OUTCOMES.quarantined as readonly string[]).includes(r.status)) quarantined += r.count;
    if (r.category && r.category in byCategory) byCategory[r.category as Category] += r.count;
    else unscanned += r.count;
  }
  let atConnection = 0;
  for (const e of events) {
    atConnection += e.count;
    reasons[e.reason] = (reasons[e.reason] ?? 0) + e.count;
  }
  const wouldActions: Record<string, number> = {};
  let monitorMessages = 0;
  let differing = 0;
  for (const w of would) {
    monitorMessages += w.count;
    if (w.would_action !== w.action) {
      differing += w.count;
      wouldActions[w.would_action] = (wouldActions[w.would_action] ?? 0) + w.count;
    }
  }
  return {
    domain: f.domain ?? null,
    since: f.since?.toISOString() ?? null,
    until: f.until?.toISOString() ?? null,
    scanned: atData + atConnection + delivered,
    addresses,
    blocked: { total: atData + atConnection, atData, atConnection, reasons },
    delivered: { total: delivered, byCategory, unscanned, quarantined },
    monitor: { messages: monitorMessages, differing, wouldActions },
    rolledUp,
  };
}

const n = (v: number) => v.toLocaleString('en-US');

/** The report as text: the programme's format, then reasons and monitor mode figures. */
export function formatReport(r: ProgrammeReport): string {
  const scope = [r.domain ? `Domain ${r.domain}` : 'All domains', r.since ? `from ${r.since}` : null, r.until ? `until ${r.until}` : null].filter(Boolean).join(', ');
  const lines = [
    `${scope}:`,
    `Scanned ${n(r.scanned)} messages for ${n(r.addresses)} email addresses.`,
    `Blocked ${n(r.blocked.total)} (malicious, refused at connection or at the end of data).`,
    `Delivered ${n(r.delivered.total)}:`,
    `  ${REPORT_ORDER.map((c) => `${CATEGORY_LABELS[c]} ${n(r.delivered.byCategory[c])}`).join(' · ')}`,
  ];
  if (r.delivered.unscanned) lines.push(`  (${n(r.delivered.unscanned)} accepted without a scan verdict)`);
  if (r.delivered.quarantined) lines.push(`  of which quarantined: ${n(r.delivered.quarantined)}`);
  const reasons = Object.entries(r.blocked.reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (reasons.length) lines.push(`Blocked by reason: ${reasons.map(([k, v]) => `${k} ${n(v)}`).join(' · ')}`);
  if (r.monitor.messages) {
    const would = Object.entries(r.monitor.wouldActions).map(([k, v]) => `${k} ${n(v)}`).join(' · ');
    lines.push(`Monitor mode: ${n(r.monitor.messages)} messages scanned before go-live; ${n(r.monitor.differing)} would have been handled differently${would ? ` (${would})` : ''}.`);
  }
  if (r.rolledUp.messages || r.rolledUp.connections) {
    lines.push(`Past the trace's retention: ${n(r.rolledUp.messages)} messages and ${n(r.rolledUp.connections)} connection refusals counted from hourly statistics (whole hours that start in the period).`);
  }
  return lines.join('\n') + '\n';
}
