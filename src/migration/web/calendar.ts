// The operators' calendar: each month of the programme as a grid of days showing the wave, its
// capacity, blackout days, and the domains on each day with their status.
import { addDays, dayOf, weekOf, type Day } from '../dates.js';
import { isBlackout } from '../planner.js';
import type { ProgrammeDomain, Wave } from '../repository.js';
import { esc, page } from './html.js';

function monthsSpanned(days: Day[]): string[] {
  const months = [...new Set(days.map((d) => d.slice(0, 7)))].sort();
  if (months.length === 0) return [];
  const out: string[] = [];
  for (let m = months[0]!; m <= months[months.length - 1]!; ) {
    out.push(m);
    const [y, mo] = m.split('-').map(Number) as [number, number];
    m = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  }
  return out;
}

export function calendarPage(domains: ProgrammeDomain[], waves: Wave[], today: Day, month?: string): string {
  const dated = domains.filter((d) => d.date);
  const months = month ? [month] : monthsSpanned([...dated.map((d) => d.date!), ...waves.flatMap((w) => [w.startsOn, w.endsOn])]);
  const byDay = new Map<Day, ProgrammeDomain[]>();
  for (const d of dated) byDay.set(d.date!, [...(byDay.get(d.date!) ?? []), d]);
  const grids = months.map((m) => {
    const first = `${m}-01`;
    let day = weekOf(first).from;
    const rows: string[] = [];
    while (day.slice(0, 7) <= m) {
      const cells: string[] = [];
      for (let i = 0; i < 7; i++, day = addDays(day, 1)) {
        const inMonth = day.slice(0, 7) === m;
        const wave = waves.find((w) => day >= w.startsOn && day <= w.endsOn);
        const blackout = wave ? isBlackout(wave, day) : false;
        const list = byDay.get(day) ?? [];
        const chips = list.map((d) => `<span class="chip ${esc(d.status)}" data-domain="${esc(d.name)}">${esc(d.name)} · ${esc(d.status)}</span>`).join('');
        cells.push(
          `<td class="${!inMonth || blackout ? 'off' : ''}" data-day="${day}"><span class="day">${Number(day.slice(8))}</span>${day === today ? ' <em>today</em>' : ''}${wave && inMonth ? ` <span class="muted">${esc(wave.name)}${blackout ? ' · blackout' : ` · ${list.length}/${wave.dailyCapacity}`}</span>` : ''}${inMonth ? chips : ''}</td>`,
        );
      }
      rows.push(`<tr>${cells.join('')}</tr>`);
    }
    return `<h2>${m}</h2><table class="cal"><thead><tr>${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => `<th>${d}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  const undated = domains.filter((d) => !d.date && d.status !== 'migrated');
  return page(
    'Migration calendar',
    `<h1>Migration calendar</h1><p class="muted">Generated ${esc(dayOf(new Date(`${today}T00:00:00Z`)))}. <a href="/migration/report.csv">Download the progress report (CSV)</a></p>
${grids.join('\n') || '<p>No waves or dates yet: add waves and run <code>rampart migrate plan</code>.</p>'}
${undated.length ? `<h2>Not in the calendar</h2><ul id="undated">${undated.map((d) => `<li>${esc(d.name)}: ${esc(d.status)}${d.heldBackAt ? ' (held back: no contact acknowledged)' : ''}</li>`).join('')}</ul>` : ''}`,
  );
}
