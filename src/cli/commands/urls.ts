// `rampart urls …`: the local URL/domain block list used by URL reputation (import, add, remove, list).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addEntry, importEntries, listEntries, normaliseEntry, removeEntry, type UrlEntry } from '../../reputation/url-list.js';
import { action, printJson, UsageError, withStore } from '../context.js';

function entry(value: string): UrlEntry {
  try {
    return normaliseEntry(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function registerUrlCommands(program: Command): void {
  const urls = program.command('urls').description('Local URL and domain block list (URL reputation)');
  urls
    .command('import <file>')
    .description('Import a block list: one domain or http(s) URL a line, # comments; "-" reads stdin')
    .option('--note <text>', 'note stored with each entry (e.g. the source)')
    .action(action(async (file: string, opts: { note?: string }, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const r = await withStore(cmd, (store) => importEntries(store.db, text, opts.note ?? null));
      for (const e of r.errors) process.stderr.write(`rampart: ${file} ${e}\n`);
      process.stdout.write(`${r.added} added, ${r.existing} already listed, ${r.errors.length} rejected\n`);
      if (r.errors.length) process.exitCode = 2;
    }));
  urls
    .command('add <value>')
    .description('Block a domain (and its subdomains) or a URL prefix')
    .option('--note <text>', 'note stored with the entry')
    .action(action(async (value: string, opts: { note?: string }, cmd: Command) => {
      const e = entry(value);
      const added = await withStore(cmd, (store) => addEntry(store.db, e, opts.note ?? null));
      process.stdout.write(`${e.kind} ${e.value} ${added ? 'added' : 'already listed'}\n`);
    }));
  urls
    .command('remove <value>')
    .description('Remove a domain or URL from the block list')
    .action(action(async (value: string, _opts: unknown, cmd: Command) => {
      const e = entry(value);
      const removed = await withStore(cmd, (store) => removeEntry(store.db, e));
      if (!removed) throw new UsageError(`${e.kind} ${e.value} is not on the block list`);
      process.stdout.write(`${e.kind} ${e.value} removed\n`);
    }));
  urls
    .command('list')
    .description('List the block list')
    .option('--json', 'JSON Lines output')
    .action(action(async (opts: { json?: boolean }, cmd: Command) => {
      const rows = await withStore(cmd, (store) => listEntries(store.db));
      if (opts.json) return rows.forEach((r) => printJson(r));
      for (const r of rows) process.stdout.write(`${r.kind}\t${r.value}${r.note ? `\t${r.note}` : ''}\n`);
    }));
}
