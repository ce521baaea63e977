// The programme report by mail: at the end of each period (report.interval) the report for all
// domains and its By domain breakdown go to report.mail_to, queued through the node's spool like
// quarantine digests — a weekly statistics mail, as Proxmox Mail Gateway and the hosted filters
// send. The period's end is recorded first (report_mail_runs, its primary key): with several
// nodes exactly the one whose insert succeeds sends, and a restart never sends a period twice.
import type { Kysely } from 'kysely';
import { composeTextMail } from '../spool/compose.js';
import { formatDuration } from '../config/schema.js';
import type { Logger } from '../log.js';
import { housekeepingInterval, startPeriodic } from '../periodic.js';
import type { Database } from '../store/schema.js';
import { buildBreakdown, formatBreakdown } from './breakdown.js';
import { buildReport, formatReport } from './report.js';

const DAY = 86_400_000;
// 1970-01-01 was a Thursday: whole weeks counted from the epoch would start on Thursdays.
const MONDAY = 4 * DAY;

export interface ReportMailOptions {
  to: readonly string[];
  from: string;
  intervalMs: number;
  /** The console's URL, for the link to the same report there. */
  publicUrl: string;
  node: string;
  submit: (m: { from: string; to: string[]; raw: Buffer }) => Promise<unknown>;
  now?: Date;
}

/** The last whole period before now: days from UTC midnight, weeks from Monday, others from the epoch. */
export function lastPeriod(now: Date, intervalMs: number): { since: Date; until: Date } {
  const offset = intervalMs % (7 * DAY) === 0 ? MONDAY : 0;
  const until = Math.floor((now.getTime() - offset) / intervalMs) * intervalMs + offset;
  return { since: new Date(until - intervalMs), until: new Date(until) };
}

/** Mails the last period's report unless some node already has; the period mailed, or null. */
export async function mailReport(db: Kysely<Database>, o: ReportMailOptions): Promise<{ since: Date; until: Date } | null> {
  if (!o.to.length || o.intervalMs <= 0) return null;
  const now = o.now ?? new Date();
  const period = lastPeriod(now, o.intervalMs);
  const claimed = await db
    .insertInto('report_mail_runs')
    .values({ period_until: period.until.toISOString(), period_since: period.since.toISOString(), sent_at: now.toISOString(), node: o.node })
    .onConflict((oc) => oc.column('period_until').doNothing())
    .returning('period_until')
    .executeTakeFirst();
  if (!claimed) return null;
  try {
    const [report, byDomain] = await Promise.all([buildReport(db, period), buildBreakdown(db, period, 'domain')]);
    const raw = await composeReportMail(formatReport(report), formatBreakdown(byDomain), { ...o, ...period, now, scanned: report.scanned, blocked: report.blocked.total });
    await o.submit({ from: o.from, to: [...o.to], raw });
  } catch (err) {
    // Not queued: give the period back, for the next run (of any node) to send.
    await db.deleteFrom('report_mail_runs').where('period_until', '=', period.until.toISOString()).execute();
    throw err;
  }
  return period;
}

/** The mail: plain text, composed as the programme's notices are (spool/compose.ts). */
export async function composeReportMail(report: string, byDomain: string, o: { from: string; to: readonly string[]; since: Date; until: Date; now: Date; publicUrl: string; intervalMs: number; scanned: number; blocked: number }): Promise<Buffer> {
  const wholeDays = o.intervalMs % DAY === 0;
  const lastDay = new Date(o.until.getTime() - DAY).toISOString().slice(0, 10);
  // The console takes dates (its "until" date is inclusive) or ISO times.
  const link = wholeDays ? `since=${o.since.toISOString().slice(0, 10)}&until=${lastDay}` : `since=${o.since.toISOString()}&until=${o.until.toISOString()}`;
  const span = wholeDays ? `${o.since.toISOString().slice(0, 10)} to ${lastDay}` : `${o.since.toISOString()} to ${o.until.toISOString()}`;
  const n = (v: number) => v.toLocaleString('en-US');
  const text = [
    `The Rampart report for ${span} (UTC; report.interval ${formatDuration(o.intervalMs)}).`,
    '',
    report.trimEnd(),
    '',
    'By domain (a message to two domains counts in both):',
    byDomain.trimEnd(),
    '',
    `In the console, with every figure linked to its messages: ${o.publicUrl.replace(/\/$/, '')}/report?${link}`,
  ].join('\n');
  return composeTextMail({
    from: { name: 'Rampart report', address: o.from },
    to: o.to.map((address) => ({ address })),
    subject: `Rampart report ${span}: ${n(o.scanned)} scanned, ${n(o.blocked)} blocked`,
    text,
    date: o.now,
  });
}

/** The gateway's job: looks hourly (or at each interval when shorter) for a period to mail. */
export function startReportMail(db: Kysely<Database>, o: Omit<ReportMailOptions, 'now'> & { log: Logger }): (graceMs: number) => Promise<void> {
  if (!o.to.length || o.intervalMs <= 0) return async () => {};
  return startPeriodic({
    what: 'report mail',
    intervalMs: housekeepingInterval(o.intervalMs),
    log: o.log,
    run: async () => {
      const p = await mailReport(db, o);
      if (p) o.log.info({ to: o.to, since: p.since.toISOString(), until: p.until.toISOString() }, 'report mail queued');
    },
  });
}
