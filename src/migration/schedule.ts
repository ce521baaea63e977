// Planning and manual overrides: write a plan into the calendar, move a domain to another day,
// pause or resume it, let it go ahead despite a hold-back. Overrides check capacity and blackout
// days so the rest of the plan stays valid, and tell the contacts who had been told a date.
import type { ProgrammeDeps } from './context.js';
import { addDays, dayOf, isDay, type Day } from './dates.js';
import { listNotices, sendToContact } from './notices.js';
import { dayProblem, occupancy, plan, type PlanResult } from './planner.js';
import { MigrationRepository, type ProgrammeDomain } from './repository.js';
import { DATED_STATUSES, MigrationError } from './states.js';

export interface Actor {
  actor: string;
  reason: string;
}

/** Computes the plan for the unscheduled domains; with apply, writes it (pending → scheduled). */
export async function planProgramme(deps: Pick<ProgrammeDeps, 'db' | 'config' | 'now'>, opts: { apply: boolean; actor: string }): Promise<PlanResult> {
  const repo = new MigrationRepository(deps.db);
  const result = plan({ domains: await repo.listDomains(), waves: await repo.waves(), today: dayOf(deps.now()), minNoticeDays: deps.config.min_notice_days });
  if (opts.apply && result.assignments.length) {
    await deps.db.transaction().execute(async (trx) => {
      const r = new MigrationRepository(trx);
      for (const a of result.assignments) {
        await r.transition(a.domainId, 'scheduled', { actor: opts.actor, reason: `planned into wave ${a.waveName} on ${a.date}`, at: deps.now() }, { date: a.date, waveId: a.waveId });
      }
    });
  }
  return result;
}

/** Contacts who were already sent a date for this domain, and so must hear of any change. */
async function wasTold(deps: ProgrammeDeps, domainId: number): Promise<boolean> {
  return (await listNotices(deps, { domainId })).length > 0;
}

async function tellContacts(deps: ProgrammeDeps, domain: ProgrammeDomain, oldDate: Day | null, reason: string): Promise<number> {
  const contacts = await new MigrationRepository(deps.db).contacts(domain.domainId);
  for (const c of contacts) await sendToContact(deps, domain, c, 'change', { oldDate: oldDate ?? 'not set', reason });
  return contacts.length;
}

/**
 * Moves a dated domain to another day. The day must be in a wave, not a blackout day, not full,
 * and at least the minimum notice away (unless force). Contacts who knew the old date get a
 * change-of-date mail and must acknowledge the new one.
 */
export async function moveDomain(deps: ProgrammeDeps, name: string, to: Day, who: Actor & { force?: boolean }): Promise<{ domain: ProgrammeDomain; told: number }> {
  if (!isDay(to)) throw new MigrationError(`date: expected YYYY-MM-DD, got ${JSON.stringify(to)}`);
  const repo = new MigrationRepository(deps.db);
  const d = await repo.requireDomain(name);
  if (!DATED_STATUSES.includes(d.status)) throw new MigrationError(`${d.name} is ${d.status}; only a scheduled, notified or ready domain can be moved (plan it first)`);
  if (d.date === to) throw new MigrationError(`${d.name} is already on ${to}`);
  const today = dayOf(deps.now());
  const earliest = who.force ? addDays(today, 1) : addDays(today, deps.config.min_notice_days);
  const all = await repo.listDomains();
  const used = occupancy(all.filter((x) => x.domainId !== d.domainId));
  const waves = await repo.waves();
  const candidates = waves.filter((w) => to >= w.startsOn && to <= w.endsOn).sort((a, b) => Number(b.id === d.waveId) - Number(a.id === d.waveId));
  if (candidates.length === 0) throw new MigrationError(`${to} is not in any wave (${waves.map((w) => `${w.name}: ${w.startsOn} to ${w.endsOn}`).join('; ') || 'no waves defined'})`);
  const problems = candidates.map((w) => ({ w, p: dayProblem(w, to, used, earliest) }));
  const fit = problems.find((x) => x.p === null);
  if (!fit) throw new MigrationError(`cannot move ${d.name} to ${to}: ${problems.map((x) => x.p).join('; ')}${who.force ? '' : ' (--force only waives the minimum notice)'}`);
  await repo.reschedule(d.domainId, to, fit.w.id, { actor: who.actor, reason: `moved from ${d.date} to ${to}: ${who.reason}`, at: deps.now() });
  const moved = await repo.requireDomain(d.name);
  const told = (await wasTold(deps, d.domainId)) ? await tellContacts(deps, moved, d.date, who.reason) : 0;
  return { domain: moved, told };
}

/** Takes a domain out of the calendar (its day frees up); contacts who knew the date are told. */
export async function pauseDomain(deps: ProgrammeDeps, name: string, who: Actor, opts: { heldBack?: boolean } = {}): Promise<{ told: number }> {
  const repo = new MigrationRepository(deps.db);
  const d = await repo.requireDomain(name);
  await repo.transition(d.domainId, 'paused', { actor: who.actor, reason: who.reason, at: deps.now() }, { date: null, waveId: null, heldBackAt: opts.heldBack ? deps.now().toISOString() : null });
  if (!d.date || !(await wasTold(deps, d.domainId))) return { told: 0 };
  return { told: await tellContacts(deps, { ...d, status: 'paused', date: null }, d.date, who.reason) };
}

/** Puts a paused or rolled-back domain back in the queue for the next plan. */
export async function resumeDomain(deps: Pick<ProgrammeDeps, 'db' | 'now'>, name: string, who: Actor): Promise<void> {
  const repo = new MigrationRepository(deps.db);
  const d = await repo.requireDomain(name);
  await repo.transition(d.domainId, 'pending', { actor: who.actor, reason: who.reason, at: deps.now() }, { date: null, waveId: null, heldBackAt: null });
}

/** Lets a domain go ahead on its date even if no contact acknowledged (the operator takes responsibility). */
export async function overrideHold(deps: Pick<ProgrammeDeps, 'db' | 'now'>, name: string, who: Actor): Promise<void> {
  const repo = new MigrationRepository(deps.db);
  const d = await repo.requireDomain(name);
  await repo.setHoldOverride(d.domainId, true, { actor: who.actor, reason: who.reason, at: deps.now() });
}
