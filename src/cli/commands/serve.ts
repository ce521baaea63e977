// `rampart serve`: starts the gateway (SMTP ingress, scanning, spool, delivery) and the console,
// and stops it gracefully on SIGTERM or SIGINT (a second signal stops at once).
import type { Command } from 'commander';
import { action, loadCliConfig } from '../context.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the gateway: SMTP ingress, scanning, spool, delivery and the web console')
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const config = loadCliConfig(cmd);
        const { startGateway } = await import('../../gateway.js');
        const gateway = await startGateway(config);
        let signals = 0;
        const onSignal = (sig: NodeJS.Signals) => {
          if (++signals > 1) process.exit(1);
          process.stderr.write(`rampart: ${sig}: stopping (sessions in flight get up to ${config.smtp.shutdown_grace} ms)\n`);
          gateway.stop().then(
            () => process.exit(0),
            (err) => {
              process.stderr.write(`rampart: error while stopping: ${(err as Error).message}\n`);
              process.exit(1);
            },
          );
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      }),
    );
}
