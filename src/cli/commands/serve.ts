// `rampart serve`: starts the gateway (SMTP ingress, scanning, spool, delivery) and the console,
// and stops it gracefully on SIGTERM or SIGINT (a second signal stops at once).
import v8 from 'node:v8';
import type { Command } from 'commander';
import { action, loadCliConfig } from '../context.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the gateway: SMTP ingress, scanning, spool, delivery and the web console')
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const config = loadCliConfig(cmd);
        // Keep the primary's young generation at its initial size: V8 otherwise grows it to 48 MB
        // under IPC and commit churn and keeps it resident (the workers get --max-semi-space-size).
        v8.setFlagsFromString('--semi-space-growth-factor=1');
        const { startGateway } = await import('../../gateway.js');
        // Handlers first: a signal during start-up waits for the start and then stops cleanly.
        let signals = 0;
        let starting: Promise<{ stop(): Promise<void> }> | undefined;
        const onSignal = (sig: NodeJS.Signals) => {
          if (++signals > 1) process.exit(1);
          process.stderr.write(`rampart: ${sig}: stopping (sessions in flight get up to ${config.smtp.shutdown_grace} ms)\n`);
          if (!starting) process.exit(0);
          starting
            .then((gateway) => gateway.stop())
            .then(
              () => process.exit(0),
              (err) => {
                process.stderr.write(`rampart: error while stopping: ${(err as Error).message}\n`);
                process.exit(1);
              },
            );
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        starting = startGateway(config);
        await starting;
      }),
    );
}
