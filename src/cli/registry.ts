// Which module registers which top-level command, so that `rampart X` loads only X's module
// (each pulls in its part of the product: loading them all took a third of a second before
// anything ran).
import type { Command } from 'commander';

export type Register = (program: Command) => void;

/** Top-level command names → the module that registers them. */
export const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: () => import('./commands/serve.js').then((m) => m.registerServe),
  domains: () => import('./commands/domains.js').then((m) => m.registerDomainCommands),
  recipients: () => import('./commands/domains.js').then((m) => m.registerDomainCommands),
  scan: () => import('./commands/scan.js').then((m) => m.registerScanCommand),
  scand: () => import('./commands/scand.js').then((m) => m.registerScand),
  policy: () => import('./commands/policy.js').then((m) => m.registerPolicyCommands),
  lists: () => import('./commands/policy.js').then((m) => m.registerPolicyCommands),
  quarantine: () => import('./commands/quarantine.js').then((m) => m.registerQuarantineCommands),
  report: () => import('./commands/report.js').then((m) => m.registerReportCommand),
  users: () => import('./commands/users.js').then((m) => m.registerUserCommands),
  queue: () => import('./commands/queue.js').then((m) => m.registerQueueCommands),
  prune: () => import('./commands/prune.js').then((m) => m.registerPrune),
  trace: () => import('./commands/trace.js').then((m) => m.registerTrace),
  urls: () => import('./commands/urls.js').then((m) => m.registerUrlCommands),
  fuzzy: () => import('./commands/fuzzy.js').then((m) => m.registerFuzzyCommands),
  train: () => import('./commands/train.js').then((m) => m.registerTrain),
  hashes: () => import('./commands/threats.js').then((m) => m.registerThreatCommands),
  vips: () => import('./commands/threats.js').then((m) => m.registerThreatCommands),
  migrate: () => import('./commands/migrate.js').then((m) => m.registerMigrateCommands),
};

/** The command named on the command line: the first argument that is not a global option. */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}
