// The programme's progress: domains and addresses by status and wave, the share of addresses
// already protected, what is due this week, what was held back and why, and how the notices
// stand. The same data feeds `rampart migrate report`, its --json and CSV forms and the console.
import { stringify } from 'csv-stringify/sync';
import type { ProgrammeDeps } from './context.js';
import { dayOf, weekOf, type Day } from './dates.js';
import { contactStandings, listNotices, type NoticeState } from './notices.js';
import { MigrationRepository } from './repository.js';
import { MIGRATION_STATUSES, type MigrationStatus } from './states.js';

export interface DomainLine {
  domain: string;
  status: MigrationStatus;
  wave: string | null;
  date: Day | null;
  addresses: number;
  contacts: number;
  acknowledged: number;
  bounced: number;
  heldBack: boolean;
  holdOverride: boolean;
  /** Last reason in the history: why the domain is where it is. */
  lastReason: string;
}

export interface ProgrammeReport {
  generatedAt: string;
  week: { from: Day; to: Day };
  totals: { domains: number; addresses: number; addressesProtected: number; percentProtected: number };
  byStatus: Record<MigrationStatus, { domains: number; addresses: number }>;
  byWave: { wave: string; from: Day; to: Day; dailyCapacity: number; domains: number; addresses: number; byStatus: Partial<Record<MigrationStatus, number>> }[];
  dueThisWeek: DomainLine[];
  heldBack: DomainLine[];
  notices: Record<NoticeState, number>;
  domains: DomainLine[];
}

export async function programmeReport(deps: Pick<ProgrammeDeps, 'db' | 'now'>): Promise<ProgrammeReport> {
  const repo = new MigrationRepository(deps.db);
  const now = deps.now();
  const week = weekOf(dayOf(now));
  const counts = new Map(
    (await deps.db.selectFrom('recipients').select(['domain_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('domain_id').execute()).map((r) => [r.domain_id, Number(r.n)]),
  );
  const domains: DomainLine[] = [];
  for (const d of await repo.listDomains()) {
    const standings = await contactStandings(deps, d);
    const history = await repo.history(d.domainId);
    domains.push({
      domain: d.name,
      status: d.status,
      wave: d.waveName,
      date: d.date,
      addresses: counts.get(d.domainId) ?? 0,
      contacts: standings.length,
      acknowledged: standings.filter((s) => s.acknowledged).length,
      bounced: standings.filter((s) => s.bounced).length,
      heldBack: d.status === 'paused' && d.heldBackAt !== null,
      holdOverride: d.holdOverride,
      lastReason: history[history.length - 1]?.reason ?? '',
    });
  }
  const byStatus = Object.fromEntries(MIGRATION_STATUSES.map((s) => [s, { domains: 0, addresses: 0 }])) as ProgrammeReport['byStatus'];
  for (const d of domains) {
    byStatus[d.status].domains++;
    byStatus[d.status].addresses += d.addresses;
  }
  const byWave: ProgrammeReport['byWave'] = (await repo.waves()).map((w) => {
    const mine = domains.filter((d) => d.wave === w.name);
    const bs: Partial<Record<MigrationStatus, number>> = {};
    for (const d of mine) bs[d.status] = (bs[d.status] ?? 0) + 1;
    return { wave: w.name, from: w.startsOn, to: w.endsOn, dailyCapacity: w.dailyCapacity, domains: mine.length, addresses: mine.reduce((n, d) => n + d.addresses, 0), byStatus: bs };
  });
  const notices = { queued: 0, deferred: 0, delivered: 0, bounced: 0, expired: 0, held: 0, deleted: 0, acknowledged: 0, unknown: 0 } satisfies Record<NoticeState, number>;
  for (const n of await listNotices(deps)) notices[n.state]++;
  const addresses = domains.reduce((n, d) => n + d.addresses, 0);
  const addressesProtected = byStatus.migrated.addresses;
  return {
    generatedAt: now.toISOString(),
    week,
    totals: { domains: domains.length, addresses, addressesProtected, percentProtected: addresses ? Math.round((addressesProtected / addresses) * 1000) / 10 : 0 },
    byStatus,
    byWave,
    dueThisWeek: domains.filter((d) => d.date && d.date >= week.from && d.date <= week.to).sort((a, b) => (a.date! < b.date! ? -1 : 1)),
    heldBack: domains.filter((d) => d.heldBack),
    notices,
    domains,
  };
}

export function reportText(r: ProgrammeReport): string {
  const out: string[] = [];
  out.push(`Migration programme, ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC`);
  out.push(`${r.totals.domains} domains, ${r.totals.addresses} addresses; ${r.totals.addressesProtected} addresses protected (${r.totals.percentProtected}%).`);
  out.push('', 'By status:');
  for (const [s, v] of Object.entries(r.byStatus)) if (v.domains) out.push(`  ${s.padEnd(12)} ${String(v.domains).padStart(5)} domains ${String(v.addresses).padStart(7)} addresses`);
  if (r.byWave.length) {
    out.push('', 'By wave:');
    for (const w of r.byWave) out.push(`  ${w.wave} (${w.from} to ${w.to}, ${w.dailyCapacity}/day): ${w.domains} domains, ${w.addresses} addresses — ${Object.entries(w.byStatus).map(([s, n]) => `${s} ${n}`).join(', ') || 'empty'}`);
  }
  out.push('', `Due this week (${r.week.from} to ${r.week.to}):`);
  if (r.dueThisWeek.length === 0) out.push('  nothing');
  for (const d of r.dueThisWeek) out.push(`  ${d.date} ${d.domain} [${d.status}] ${d.acknowledged}/${d.contacts} contacts acknowledged${d.bounced ? `, ${d.bounced} notice(s) bounced` : ''}${d.holdOverride ? ', hold overridden' : ''}`);
  if (r.heldBack.length) {
    out.push('', 'Held back (no contact acknowledged):');
    for (const d of r.heldBack) out.push(`  ${d.domain}: ${d.lastReason}`);
  }
  out.push('', `Notices: ${Object.entries(r.notices).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(', ') || 'none sent'}`);
  return out.join('\n') + '\n';
}

export function reportCsv(r: ProgrammeReport): string {
  return stringify(
    r.domains.map((d) => [d.domain, d.status, d.wave ?? '', d.date ?? '', d.addresses, d.contacts, d.acknowledged, d.bounced, d.heldBack ? 'yes' : 'no', d.holdOverride ? 'yes' : 'no', d.lastReason]),
    { header: true, columns: ['domain', 'status', 'wave', 'date', 'addresses', 'contacts', 'acknowledged', 'bounced', 'held_back', 'hold_override', 'last_reason'] },
  );
}
