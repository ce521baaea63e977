#!/usr/bin/env node
// The one `rampart` command. Each subcommand lives in its own file under commands/; only the file
// of the command being run is loaded (registry.ts), all of them for help or an unknown command.
import { Command } from 'commander';
import { commandName, COMMANDS } from './registry.js';

const program = new Command();
program
  .name('rampart')
  .description('Inbound email security gateway and domain migration control plane')
  .option('-c, --config <file>', 'configuration file (default: $RAMPART_CONFIG or config/rampart.yaml)')
  .showHelpAfterError();

const name = commandName(process.argv.slice(2));
const wanted = name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
// One module may register several commands: each is registered once.
for (const register of new Set(await Promise.all(wanted.map((load) => load())))) register(program);

await program.parseAsync(process.argv);
