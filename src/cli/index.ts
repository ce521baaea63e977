#!/usr/bin/env node
// The one `rampart` command. Each subcommand lives in its own file under commands/.
import { Command } from 'commander';
import { registerDomainCommands } from './commands/domains.js';
import { registerServe } from './commands/serve.js';
import { registerScanCommand } from './commands/scan.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerQuarantineCommands } from './commands/quarantine.js';
import { registerReportCommand } from './commands/report.js';
import { registerUserCommands } from './commands/users.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerTrace } from './commands/trace.js';
import { registerUrlCommands } from './commands/urls.js';
import { registerTrain } from './commands/train.js';
import { registerThreatCommands } from './commands/threats.js';
import { registerMigrateCommands } from './commands/migrate.js';

const program = new Command();
program
  .name('rampart')
  .description('Inbound email security gateway and domain migration control plane')
  .option('-c, --config <file>', 'configuration file (default: $RAMPART_CONFIG or config/rampart.yaml)')
  .showHelpAfterError();

registerServe(program);
registerDomainCommands(program);
registerScanCommand(program);
registerPolicyCommands(program);
registerQuarantineCommands(program);
registerReportCommand(program);
registerUserCommands(program);
registerQueueCommands(program);
registerTrace(program);
registerUrlCommands(program);
registerTrain(program);
registerThreatCommands(program);
registerMigrateCommands(program);

await program.parseAsync(process.argv);
