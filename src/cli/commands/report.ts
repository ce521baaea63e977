// `rampart report [--domain D] [--since] [--until] [--json]`: the programme report from the
// recorded verdicts, for the whole gateway or one domain and a period.
import type { Command } from 'commander';
import { parseWhen } from '../../spool/trace.js';
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
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { domain?: string; since?: string; until?: string; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const r = await buildReport(db, { domain: opts.domain ?? null, since: time('since', opts.since), until: time('until', opts.until) });
          if (opts.json) printJson(r);
          else process.stdout.write(formatReport(r));
        }),
      ),
    );
}
