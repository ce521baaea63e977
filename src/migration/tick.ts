// The periodic job of the programme, with the clock injected: first notices, reminders to
// contacts who have not acknowledged, escalations to the programme manager and the sponsor,
// automatic hold-backs, and the migrated check. Each step is idempotent for a given day.
import { nowIso } from '../store/dialect.js';
import { mxPointsAtGateway } from './checks/dns-check.js';
import type { ProgrammeDeps } from './context.js';
import { dayOf, daysBetween, type Day } from './dates.js';
import { composeMail } from './mail.js';
import { contactStandings, listNotices, sendDueNotices, sendToContact, type ContactStanding } from './notices.js';
import { MigrationRepository, type ProgrammeDomain } from './repository.js';
import { pauseDomain } from './schedule.js';
import { DATED_STATUSES } from './states.js';

export interface TickSummary {
  notified: string[];
  reminders: { domain: string; contact: string; offset: number }[];
  escalations: { target: 'manager' | 'sponsor'; address: string; domains: string[]; queueId: string }[];
  heldBack: string[];
  migrated: string[];
  errors: string[];
}

export interface AtRisk {
  domain: ProgrammeDomain;
  daysLeft: number;
  reasons: string[];
  standings: ContactStanding[];
}

/** Dated domains within `days` of their date that nobody acknowledged, or whose notice bounced. */
export async function domainsAtRisk(deps: Pick<ProgrammeDeps, 'db'>, today: Day, days: number): Promise<AtRisk[]> {
  const out: AtRisk[] = [];
  for (const d of await new MigrationRepository(deps.db).listDomains()) {
    if (!d.date || !DATED_STATUSES.includes(d.status)) continue;
    const daysLeft = daysBetween(today, d.date);
    if (daysLeft < 0 || daysLeft > days) continue;
    const standings = await contactStandings(deps, d);
    const reasons: string[] = [];
    if (standings.length === 0) reasons.push('no IT contact on record');
    else if (!standings.some((s) => s.acknowledged)) reasons.push('no contact has acknowledged');
    for (const s of standings.filter((x) => x.bounced)) reasons.push(`notice to ${s.contact.address} ${s.latest!.delivery}: ${s.latest!.reply ?? 'no reply recorded'}`);
    if (reasons.length) out.push({ domain: d, daysLeft, reasons, standings });
  }
  return out;
}

function describe(r: AtRisk): string {
  const contacts = r.standings.map((s) => `    ${s.contact.role} ${s.contact.name} <${s.contact.address}>: ${s.acknowledged ? 'acknowledged' : (s.latest?.delivery ?? 'no notice sent')}`);
  return [`- ${r.domain.name}: migration on ${r.domain.date} (${r.daysLeft} day(s) left)${r.domain.holdOverride ? ', hold-back overridden by an operator' : ''}`, ...r.reasons.map((x) => `    ${x}`), ...contacts].join('\n');
}

export async function runMigrationTick(base: ProgrammeDeps, now: Date = base.now()): Promise<TickSummary> {
  const deps: ProgrammeDeps = { ...base, now: () => now };
  const cfg = deps.config;
  const today = dayOf(now);
  const repo = new MigrationRepository(deps.db);
  const summary: TickSummary = { notified: [], reminders: [], escalations: [], heldBack: [], migrated: [], errors: [] };
  const guard = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      summary.errors.push(`${what}: ${(err as Error).message}`);
    }
  };

  await guard('notices', async () => {
    summary.notified = (await sendDueNotices(deps, 'migration tick')).notified;
  });

  // Reminders: only the latest offset that is due, once per contact, offset and date.
  for (const d of await repo.listDomains()) {
    if (!d.date || (d.status !== 'notified' && d.status !== 'ready')) continue;
    const daysLeft = daysBetween(today, d.date);
    const due = cfg.reminder_days.filter((o) => daysLeft <= o && daysLeft >= 0).sort((a, b) => a - b)[0];
    if (due === undefined) continue;
    const notices = (await listNotices(deps, { domainId: d.domainId })).filter((n) => n.forDate === d.date);
    for (const s of await contactStandings(deps, d)) {
      if (s.acknowledged || s.bounced) continue;
      const mine = notices.filter((n) => n.contactId === s.contact.id);
      if (mine.some((n) => n.kind === 'reminder' && n.reminderOffset === due)) continue;
      // A contact who got mail about this date today needs no reminder today.
      if (mine.some((n) => n.sentAt.slice(0, 10) === today)) continue;
      await guard(`reminder to ${s.contact.address}`, async () => {
        await sendToContact(deps, d, s.contact, 'reminder', { reminderOffset: due });
        summary.reminders.push({ domain: d.name, contact: s.contact.address, offset: due });
      });
    }
  }

  // Escalations: one mail a day to the manager, and to the sponsor when dates are closer still.
  const targets = [
    { target: 'manager' as const, person: cfg.programme_manager, days: cfg.escalate_manager_days, role: 'programme manager' },
    { target: 'sponsor' as const, person: cfg.sponsor, days: cfg.escalate_sponsor_days, role: 'programme sponsor' },
  ];
  for (const t of targets) {
    if (!t.person) continue;
    await guard(`escalation to ${t.target}`, async () => {
      const already = await deps.db.selectFrom('mig_escalations').select('id').where('day', '=', today).where('target', '=', t.target).executeTakeFirst();
      if (already) return;
      const risk = await domainsAtRisk(deps, today, t.days);
      if (risk.length === 0) return;
      const rendered = deps.templates.render('escalation', { recipient_name: t.person!.name, role: t.role, day: today, domains: risk.map(describe).join('\n\n'), count: String(risk.length) });
      const raw = await composeMail({ from: cfg.from, to: t.person!, rendered, date: now, headers: { 'X-Rampart-Migration': `escalation; target=${t.target}; day=${today}` } });
      const queueId = await deps.submit({ from: cfg.from, to: [t.person!.address], raw });
      const names = risk.map((r) => r.domain.name);
      await deps.db.insertInto('mig_escalations').values({ day: today, target: t.target, address: t.person!.address, queue_id: queueId, domains: JSON.stringify(names), sent_at: nowIso(now) }).execute();
      summary.escalations.push({ target: t.target, address: t.person!.address, domains: names, queueId });
    });
  }

  // Hold-backs: nobody acknowledged by hold_back_days before the date, and no operator override.
  for (const r of await domainsAtRisk(deps, today, cfg.hold_back_days)) {
    if (r.domain.holdOverride || r.standings.some((s) => s.acknowledged)) continue;
    await guard(`hold-back of ${r.domain.name}`, async () => {
      await pauseDomain(deps, r.domain.name, { actor: 'migration tick', reason: `held back automatically: no contact acknowledged the migration notice ${cfg.hold_back_days} day(s) before ${r.domain.date}` }, { heldBack: true });
      summary.heldBack.push(r.domain.name);
    });
  }

  // Migrated: on or after its date, a ready domain whose MX points at the gateway.
  for (const d of await repo.listDomains()) {
    if (d.status !== 'ready' || !d.date || d.date > today) continue;
    await guard(`migrated check of ${d.name}`, async () => {
      const mx = await mxPointsAtGateway(d.name, deps.resolver, cfg.gateway);
      if (!mx.ok) return;
      await repo.transition(d.domainId, 'migrated', { actor: 'migration tick', reason: `MX seen pointing at the gateway: ${mx.found}`, at: now });
      summary.migrated.push(d.name);
    });
  }
  return summary;
}

/** Operator confirmation that a domain has moved (when DNS cannot show it, e.g. split horizon). */
export async function confirmMigrated(deps: Pick<ProgrammeDeps, 'db' | 'now'>, name: string, who: { actor: string; reason: string }): Promise<void> {
  const repo = new MigrationRepository(deps.db);
  const d = await repo.requireDomain(name);
  await repo.transition(d.domainId, 'migrated', { ...who, at: deps.now() });
}
