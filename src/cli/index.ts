#!/usr/bin/env node
// The one `rampart` command. Each subcommand lives in its own file under commands/.
import { Command } from 'commander';
import { registerDomainCommands } from './commands/domains.js';
import { registerServe } from './commands/serve.js';
import { registerUserCommands } from './commands/users.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerTrace } from './commands/trace.js';

const program = new Command();
program
  .name('rampart')
  .description('Inbound email security gateway and domain migration control plane')
  .option('-c, --config <file>', 'configuration file (default: $RAMPART_CONFIG or config/rampart.yaml)')
  .showHelpAfterError();

registerServe(program);
registerDomainCommands(program);
registerUserCommands(program);
registerQueueCommands(program);
registerTrace(program);

await program.parseAsync(process.argv);
