// Fills the calendar: assigns unscheduled programme domains to days of the waves, respecting each
// wave's daily capacity, its blackout days, pins, and the minimum notice lead time. Pure: the
// caller decides whether to write the result.
import { addDays, isDay, weekdayOf, type Day } from './dates.js';
import { DATED_STATUSES, type MigrationStatus } from './states.js';
import type { Wave } from './repository.js';

export interface PlanDomain {
  domainId: number;
  name: string;
  status: MigrationStatus;
  date: Day | null;
  waveId: number | null;
  pinnedWaveId: number | null;
}

export interface Assignment {
  domainId: number;
  name: string;
  date: Day;
  waveId: number;
  waveName: string;
}

export interface PlanResult {
  assignments: Assignment[];
  /** Domains that could not be placed, with the reason. */
  unplaced: { name: string; reason: string }[];
}

export function isBlackout(wave: Wave, day: Day): boolean {
  return wave.blackout.some((b) => (isDay(b) ? b === day : b === weekdayOf(day)));
}

/** Domains per day already taken by scheduled, notified or ready domains. */
export function occupancy(domains: PlanDomain[]): Map<Day, number> {
  const used = new Map<Day, number>();
  for (const d of domains) {
    if (d.date && DATED_STATUSES.includes(d.status)) used.set(d.date, (used.get(d.date) ?? 0) + 1);
  }
  return used;
}

/** Why a domain cannot go on this day of this wave, or null when it can. */
export function dayProblem(wave: Wave, day: Day, used: Map<Day, number>, earliest: Day): string | null {
  if (day < wave.startsOn || day > wave.endsOn) return `${day} is outside wave ${wave.name} (${wave.startsOn} to ${wave.endsOn})`;
  if (isBlackout(wave, day)) return `${day} is a blackout day of wave ${wave.name}`;
  if (day < earliest) return `${day} is before the earliest allowed date ${earliest} (minimum notice)`;
  if ((used.get(day) ?? 0) >= wave.dailyCapacity) return `${day} is full (capacity ${wave.dailyCapacity} a day in wave ${wave.name})`;
  return null;
}

export function plan(input: { domains: PlanDomain[]; waves: Wave[]; today: Day; minNoticeDays: number }): PlanResult {
  const earliest = addDays(input.today, input.minNoticeDays);
  const used = occupancy(input.domains);
  const waves = [...input.waves].sort((a, b) => (a.startsOn < b.startsOn ? -1 : a.startsOn > b.startsOn ? 1 : a.id - b.id));
  const candidates = input.domains
    .filter((d) => d.status === 'pending' && d.date === null)
    // Pinned domains (the pilot) go first so that unpinned ones never take their places.
    .sort((a, b) => Number(b.pinnedWaveId !== null) - Number(a.pinnedWaveId !== null) || (a.name < b.name ? -1 : 1));
  // A wave that has pinned domains (a pilot) is reserved for them.
  const reserved = new Set(input.domains.map((d) => d.pinnedWaveId).filter((w): w is number => w !== null));
  const open = waves.filter((w) => !reserved.has(w.id));
  const result: PlanResult = { assignments: [], unplaced: [] };
  for (const d of candidates) {
    const pinned = d.pinnedWaveId === null ? null : waves.find((w) => w.id === d.pinnedWaveId);
    if (d.pinnedWaveId !== null && !pinned) {
      result.unplaced.push({ name: d.name, reason: 'pinned to a wave that no longer exists' });
      continue;
    }
    const slot = firstFreeDay(pinned ? [pinned] : open, used, earliest);
    if (!slot) {
      result.unplaced.push({ name: d.name, reason: pinned ? `no free day left in pinned wave ${pinned.name} on or after ${earliest}` : `no free day left in any wave without pins on or after ${earliest}` });
      continue;
    }
    used.set(slot.day, (used.get(slot.day) ?? 0) + 1);
    result.assignments.push({ domainId: d.domainId, name: d.name, date: slot.day, waveId: slot.wave.id, waveName: slot.wave.name });
  }
  return result;
}

function firstFreeDay(waves: Wave[], used: Map<Day, number>, earliest: Day): { wave: Wave; day: Day } | null {
  for (const wave of waves) {
    for (let day = wave.startsOn > earliest ? wave.startsOn : earliest; day <= wave.endsOn; day = addDays(day, 1)) {
      if (dayProblem(wave, day, used, earliest) === null) return { wave, day };
    }
  }
  return null;
}
