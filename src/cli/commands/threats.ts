// `rampart hashes import FILE` and `rampart vips import FILE`: the known-bad hash list and each
// domain's high-profile users, used by the malware and BEC analyzers.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { importHashes, importVips, ListImportError, parseHashList, parseVipCsv } from '../../files/lists.js';
import { action, printJson, UsageError, withStore } from '../context.js';

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** List errors name the line: they are the user's to fix, so they print without a stack. */
function parsed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ListImportError) throw new UsageError(e.message);
    throw e;
  }
}

export function registerThreatCommands(program: Command): void {
  const hashes = program.command('hashes').description('known-bad file hashes (SHA-256) for the malware analyzer');
  hashes
    .command('import <file>')
    .description('import SHA-256 hashes, one per line ("hash [name]" or sha256sum output); - reads stdin')
    .option('--source <name>', 'where the list came from', 'import')
    .option('--json', 'JSON output')
    .action(
      action(async (file: string, opts: { source: string; json?: boolean }, cmd: Command) => {
        const entries = parsed(() => parseHashList(readInput(file)));
        await withStore(cmd, async ({ db }) => {
          const r = await importHashes(db, entries, opts.source);
          if (opts.json) printJson(r);
          else process.stdout.write(`${r.added} added, ${r.unchanged} already known\n`);
        });
      }),
    );
  const vips = program.command('vips').description('high-profile users per protected domain, for impersonation (BEC) checks');
  vips
    .command('import <file>')
    .description('import a CSV with header domain,name,address[,title]; - reads stdin')
    .option('--json', 'JSON output')
    .action(
      action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
        const entries = parsed(() => parseVipCsv(readInput(file)));
        await withStore(cmd, async ({ db }) => {
          const r = await importVips(db, entries);
          if (opts.json) printJson(r);
          else process.stdout.write(`${r.added} added, ${r.changed} changed\n`);
        });
      }),
    );
}
