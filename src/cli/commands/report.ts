// `rampart report [--domain D] [--since] [--until] [--json]`: the programme report from the
// recorded verdicts, for the whole gateway or one domain and a period.
import type { Command } from 'commander';
import { buildReport, formatReport } from '../../stats/report.js';
import { action, printJson, UsageError, withStore } from '../context.js';

function time(name: string, v: string | undefined): Date | null {
  if (v === undefined) return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new UsageError(`--${name}: ${v} is not a date or ISO-8601 time (e.g. 2026-11-01 or 2026-11-01T08:00:00Z)`);
  return new Date(t);
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('messages scanned, blocked and delivered by category, for all domains or one, over a period')
    .option('--domain <domain>', 'only this recipient domain')
    .option('--since <time>', 'from this time (inclusive)')
    .option('--until <time>', 'up to this time (exclusive)')
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
