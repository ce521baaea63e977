// `rampart serve`: starts the gateway (SMTP ingress, scanning, spool, delivery) and the console.
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
        await startGateway(config);
      }),
    );
}
