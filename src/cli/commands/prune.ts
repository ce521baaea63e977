// `rampart prune [--dry-run] [--json]`: the trace's retention by hand — message records and
// connection refusals older than retention.trace counted into hourly statistics and deleted, as
// the gateway does every hour.
import type { Command } from 'commander';
import { formatDuration } from '../../config/schema.js';
import { pruneTrace } from '../../stats/retention.js';
import { action, printJson, withStore } from '../context.js';

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('count trace records older than retention.trace into hourly statistics and delete them (the gateway does it hourly)')
    .option('--dry-run', 'only count what would be rolled up')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { dryRun?: boolean; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }, config) => {
          const retentionMs = config.retention.trace;
          const r = await pruneTrace(db, { retentionMs, dryRun: opts.dryRun });
          const kept = retentionMs > 0;
          const summary = { retention: kept ? formatDuration(retentionMs) : null, received_before: kept ? r.cutoff.toISOString() : null, dry_run: Boolean(opts.dryRun), messages: r.messages, connections: r.connections };
          if (opts.json) return printJson(summary);
          if (!kept) return void process.stdout.write('retention.trace is 0: every record is kept\n');
          const verb = opts.dryRun ? 'would be rolled up' : 'rolled up into hourly statistics and deleted';
          process.stdout.write(`${r.messages} message records and ${r.connections} connection refusals from before ${summary.received_before} (retention ${summary.retention}) ${verb}\n`);
        }),
      ),
    );
}
