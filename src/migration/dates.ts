// Calendar days as YYYY-MM-DD strings in UTC: the unit of migration dates, blackout days and
// reminder offsets. Kept as strings so SQLite and PostgreSQL compare them the same way.

export type Day = string;

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function dayOf(t: Date): Day {
  return t.toISOString().slice(0, 10);
}

export function addDays(day: Day, n: number): Day {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return dayOf(d);
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: Day, b: Day): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function weekdayOf(day: Day): Weekday {
  return WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]!;
}

export function isWeekday(s: string): s is Weekday {
  return (WEEKDAYS as readonly string[]).includes(s);
}

/** Monday..Sunday of the week holding day. */
export function weekOf(day: Day): { from: Day; to: Day } {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
  const from = addDays(day, -((dow + 6) % 7));
  return { from, to: addDays(from, 6) };
}
