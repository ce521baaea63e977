// `rampart report [--domain D] [--since] [--until] [--by hour|day|domain|action] [--json]`: the
// programme report from the recorded verdicts, for the whole gateway or one domain and a period,
// or one of its breakdowns.
import type { Command } from 'commander';
import { parseWhen } from '../../spool/trace.js';
import { BREAKDOWNS, buildBreakdown, formatBreakdown, type BreakdownBy } from '../../stats/breakdown.js';
import { buildReport, formatReport } from '../../stats/report.js';
import { action, printJson, UsageError, withStore } from '../context.js';

/** As `rampart trace` reads times: an ISO date or time, or a duration ago (7d). */
function time(name: string, v: string | undefined): Date | null {
  if (v === undefined) return null;
  try {
    return new Date(parseWhen(v));
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('messages scanned, blocked and delivered by category, for all domains or one, over a period')
    .option('--domain <domain>', 'only this recipient domain')
    .option('--since <time>', 'from this time (inclusive): ISO date or time, or 7d / 12h ago')
    .option('--until <time>', 'up to this time (exclusive): ISO date or time, or 7d / 12h ago')
    .option('--by <breakdown>', `messages per hour, day or domain by category, or per category by action: ${BREAKDOWNS.join(', ')}`)
    .option('--json', 'JSON output (with --by: JSON Lines, one object per row)')
    .action(
      action(async (opts: { domain?: string; since?: string; until?: string; by?: string; json?: boolean }, cmd: Command) => {
        const filter = { domain: opts.domain ?? null, since: time('since', opts.since), until: time('until', opts.until) };
        const by = opts.by;
        if (by !== undefined && !(BREAKDOWNS as readonly string[]).includes(by)) throw new UsageError(`--by: expected one of ${BREAKDOWNS.join(', ')}, got ${JSON.stringify(by)}`);
        await withStore(cmd, async ({ db }) => {
          if (by) {
            const b = await buildBreakdown(db, filter, by as BreakdownBy);
            if (!opts.json) return void process.stdout.write(formatBreakdown(b));
            for (const r of b.rows) printJson({ [b.rowName]: r.key, total: r.total, counts: r.counts });
            return;
          }
          const r = await buildReport(db, filter);
          if (opts.json) printJson(r);
          else process.stdout.write(formatReport(r));
        });
      }),
    );
}
