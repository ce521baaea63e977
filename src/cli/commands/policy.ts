// `rampart policy show|set|monitor` and `rampart lists add|remove|list`: the scan policy per
// domain (or '*' for the global default), monitor mode go-live times, allow and block lists.
import type { Command } from 'commander';
import { exportLists, importLists, parseListsCsv } from '../../policy/lists-csv.js';
import { PolicyRepository } from '../../policy/repository.js';
import { GLOBAL } from '../../policy/snapshot.js';
import { CATEGORIES, FAMILIES } from '../../scan/types.js';
import { action, printJson, readInput, UsageError, withStore } from '../context.js';

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('category → action per domain, monitor mode');

  policy
    .command('show')
    .argument('[domain]', 'a domain, or * for the global default', GLOBAL)
    .option('--json', 'JSON Lines output')
    .action(
      action(async (domain: string, opts: { json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const repo = new PolicyRepository(db);
          const snap = await repo.snapshot();
          const d = domain === GLOBAL ? GLOBAL : domain.toLowerCase();
          const now = new Date();
          for (const c of CATEGORIES) {
            const eff = snap.actionFor(d, c);
            if (opts.json) printJson({ domain: d, category: c, action: eff.action, subject_prefix: eff.subjectPrefix, source: eff.source });
            else process.stdout.write(`${c.padEnd(19)} ${eff.action.padEnd(10)} ${eff.subjectPrefix ? `prefix ${JSON.stringify(eff.subjectPrefix)} ` : ''}(${eff.source === 'default' ? 'built-in default' : eff.source === GLOBAL ? 'global' : eff.source})\n`);
          }
          for (const f of FAMILIES) {
            const m = snap.monitorFor(d, f);
            if (!m) continue;
            const active = Date.parse(m.until) > now.getTime();
            if (opts.json) printJson({ domain: d, family: f, monitor_until: m.until, active, source: m.domain });
            else process.stdout.write(`monitor ${f}: ${active ? `until ${m.until}` : `ended ${m.until} (enforced)`}${m.domain === GLOBAL && d !== GLOBAL ? ' (global)' : ''}\n`);
          }
        }),
      ),
    );

  policy
    .command('set')
    .argument('<domain>', 'a domain, or * for the global default')
    .argument('<category>', CATEGORIES.join('|'))
    .argument('<action>', 'deliver|tag|quarantine|reject')
    .option('--subject-prefix <text>', 'for tag: put this in front of the Subject')
    .action(
      action(async (domain: string, category: string, act: string, opts: { subjectPrefix?: string }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          await new PolicyRepository(db).setAction(domain, category, act, { subjectPrefix: opts.subjectPrefix ?? null });
          process.stdout.write(`${domain} ${category} → ${act}${opts.subjectPrefix ? ` (subject prefix ${JSON.stringify(opts.subjectPrefix)})` : ''}\n`);
        }),
      ),
    );

  policy
    .command('monitor')
    .description('keep an analyzer family in monitor mode for a domain until a go-live time (UTC)')
    .argument('<domain>', 'a domain, or * for every domain')
    .argument('<family>', FAMILIES.join('|'))
    .requiredOption('--until <iso>', 'go-live time, e.g. 2026-11-28T08:00:00Z')
    .action(
      action(async (domain: string, family: string, opts: { until: string }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          await new PolicyRepository(db).setMonitor(domain, family, opts.until);
          process.stdout.write(`${domain} ${family}: monitor mode until ${new Date(opts.until).toISOString()}\n`);
        }),
      ),
    );

  const lists = program.command('lists').description('allow and block lists (sender address, sender domain, client IP or CIDR), global, per domain or per mailbox');
  // --mailbox names a personal list (its owner's allowed and blocked senders) instead of a domain's.
  const scopeOf = (o: { domain?: string; mailbox?: string }): string | undefined => {
    if (o.mailbox !== undefined && o.domain !== undefined) throw new UsageError('give one of --domain or --mailbox, not both');
    if (o.mailbox !== undefined && !o.mailbox.includes('@')) throw new UsageError(`--mailbox: ${o.mailbox} is not a mailbox address`);
    return o.mailbox ?? o.domain;
  };
  const label = (scope: string) => (scope === GLOBAL ? 'global' : scope);
  const which = (o: { allow?: boolean; block?: boolean }, required: boolean): 'allow' | 'block' | undefined => {
    if (o.allow && o.block) throw new UsageError('give one of --allow or --block, not both');
    if (!o.allow && !o.block) {
      if (required) throw new UsageError('--allow or --block is required');
      return undefined;
    }
    return o.allow ? 'allow' : 'block';
  };
  for (const verb of ['add', 'remove'] as const) {
    lists
      .command(verb)
      .argument('<value>', 'user@domain, domain, IP address or CIDR range')
      .option('--domain <domain>', 'the protected domain (default: global)')
      .option('--mailbox <address>', "a mailbox's personal list (sender addresses and domains)")
      .option('--allow', 'the allow list')
      .option('--block', 'the block list')
      .option('--comment <text>', 'why (add only)')
      .action(
        action(async (value: string, opts: { domain?: string; mailbox?: string; allow?: boolean; block?: boolean; comment?: string }, cmd: Command) =>
          withStore(cmd, async ({ db }) => {
            const list = which(opts, true)!;
            const scope = scopeOf(opts) ?? GLOBAL;
            const repo = new PolicyRepository(db);
            if (verb === 'add') {
              const e = await repo.addListEntry(scope, list, value, { comment: opts.comment });
              process.stdout.write(`added ${e.kind} ${e.value} to the ${label(e.domain)} ${list} list\n`);
            } else if (await repo.removeListEntry(scope, list, value)) process.stdout.write(`removed ${value}\n`);
            else throw new UsageError(`${value} is not on the ${label(scope)} ${list} list`);
          }),
        ),
      );
  }
  lists
    .command('import <file>')
    .description('add entries from CSV (columns: scope,list,value,comment; scope * or empty: global, a protected domain, or a mailbox of one); - for stdin')
    .option('--dry-run', 'show what would be added, write nothing')
    .action(
      action(async (file: string, opts: { dryRun?: boolean }, cmd: Command) => {
        const text = readInput(file);
        await withStore(cmd, async ({ db }) => {
          const domains = new Set((await db.selectFrom('domains').select('name').execute()).map((d) => d.name));
          const plan = parseListsCsv(text, domains);
          if (plan.errors.length) throw new UsageError(`${file}: nothing imported:\n  ${plan.errors.join('\n  ')}`);
          const r = await importLists(db, plan.rows, !opts.dryRun);
          process.stdout.write(`${r.added.length} ${opts.dryRun ? 'would be ' : ''}added, ${r.known.length} already listed\n`);
          for (const a of r.added) process.stdout.write(`  + ${label(a.scope)} ${a.list} ${a.value}\n`);
        });
      }),
    );
  lists
    .command('export')
    .description('print every entry as CSV (the columns import reads)')
    .action(action(async (_o: unknown, cmd: Command) => withStore(cmd, async ({ db }) => void process.stdout.write(await exportLists(db)))));
  lists
    .command('list')
    .option('--domain <domain>', 'only this domain (* for the global entries)')
    .option('--mailbox <address>', "only this mailbox's personal list")
    .option('--allow', 'only the allow list')
    .option('--block', 'only the block list')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { domain?: string; mailbox?: string; allow?: boolean; block?: boolean; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          for (const e of await new PolicyRepository(db).listEntries({ domain: scopeOf(opts), list: which(opts, false) })) {
            if (opts.json) printJson({ domain: e.domain, list: e.list, kind: e.kind, value: e.value, comment: e.comment, created_at: e.created_at });
            else process.stdout.write(`${e.domain === GLOBAL ? '*' : e.domain}\t${e.list}\t${e.kind}\t${e.value}${e.comment ? `\t# ${e.comment}` : ''}\n`);
          }
        }),
      ),
    );
}
