// `rampart domains …` and `rampart recipients …`: the protected domains, their routes and recipients.
import type { Command } from 'commander';
import { exportDomains, exportRecipients, importDomains, importRecipients, parseDomainsCsv, parseRecipientsCsv } from '../../directory/csv.js';
import { Directory, type RouteInput } from '../../directory/repository.js';
import type { TlsMode } from '../../store/schema.js';
import { action, printJson, readInput, repeatable, UsageError, withStore } from '../context.js';

/** host[:port[:preference[:tls[:verify]]]], e.g. mx1.example.org:25:10:required:verify */
export function parseRouteSpec(spec: string): RouteInput {
  const [host, port, preference, tls, verify] = spec.split(':');
  if (!host) throw new UsageError(`--route: empty host in ${JSON.stringify(spec)}`);
  const r: RouteInput = { host };
  if (port) {
    r.port = Number(port);
    if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) throw new UsageError(`--route: port must be 1-65535 in ${JSON.stringify(spec)}`);
  }
  if (preference) {
    r.preference = Number(preference);
    if (!Number.isInteger(r.preference) || r.preference < 0) throw new UsageError(`--route: preference must be a non-negative integer in ${JSON.stringify(spec)}`);
  }
  if (tls) {
    if (!['none', 'opportunistic', 'required'].includes(tls)) throw new UsageError(`--route: tls must be none, opportunistic or required in ${JSON.stringify(spec)}`);
    r.tls = tls as TlsMode;
  }
  if (verify) {
    if (verify !== 'verify' && verify !== 'noverify') throw new UsageError(`--route: the fifth field must be verify or noverify in ${JSON.stringify(spec)}`);
    r.tls_verify = verify === 'verify';
  }
  return r;
}

function printSummary(s: { added: string[]; changed: string[]; unchanged: string[] }, applied: boolean): void {
  const verb = applied ? '' : 'would be ';
  process.stdout.write(`${s.added.length} ${verb}added, ${s.changed.length} ${verb}changed, ${s.unchanged.length} unchanged\n`);
  for (const a of s.added) process.stdout.write(`  + ${a}\n`);
  for (const c of s.changed) process.stdout.write(`  ~ ${c}\n`);
}

export function registerDomainCommands(program: Command): void {
  const domains = program.command('domains').description('protected domains and their delivery routes');

  domains
    .command('list')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          for (const d of await new Directory(db).listDomains()) {
            if (opts.json) printJson({ name: d.name, catch_all: Boolean(d.catch_all), routes: d.routes.map(({ host, port, preference, tls, tls_verify }) => ({ host, port, preference, tls, tls_verify: Boolean(tls_verify) })) });
            else process.stdout.write(`${d.name}${d.catch_all ? ' (catch-all)' : ''}  ${d.routes.map((r) => `${r.host}:${r.port} pref=${r.preference} tls=${r.tls}${r.tls_verify ? '+verify' : ''}`).join(', ') || '(no route)'}\n`);
          }
        }),
      ),
    );

  domains
    .command('add <name>')
    .description('protect a domain')
    .option('--route <spec>', 'host[:port[:preference[:tls[:verify]]]] (repeatable)', repeatable)
    .option('--catch-all', 'accept every local part')
    .action(
      action(async (name: string, opts: { route?: string[]; catchAll?: boolean }, cmd: Command) => {
        const routes = (opts.route ?? []).map(parseRouteSpec);
        await withStore(cmd, async ({ db }) => {
          const d = await new Directory(db).addDomain(name, { catchAll: opts.catchAll, routes });
          process.stdout.write(`added ${d.name}\n`);
        });
      }),
    );

  domains
    .command('remove <name>')
    .action(
      action(async (name: string, _o: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          if (!(await new Directory(db).removeDomain(name))) throw new UsageError(`no such protected domain: ${name}`);
          process.stdout.write(`removed ${name}\n`);
        }),
      ),
    );

  domains
    .command('set-routes <name>')
    .description("replace a domain's delivery routes")
    .requiredOption('--route <spec>', 'host[:port[:preference[:tls[:verify]]]] (repeatable)', repeatable)
    .option('--catch-all <on>', 'true or false')
    .action(
      action(async (name: string, opts: { route: string[]; catchAll?: string }, cmd: Command) => {
        const routes = opts.route.map(parseRouteSpec);
        await withStore(cmd, async ({ db }) => {
          const dir = new Directory(db);
          await dir.setRoutes(name, routes);
          if (opts.catchAll !== undefined) await dir.setCatchAll(name, opts.catchAll === 'true');
          process.stdout.write(`updated ${name}\n`);
        });
      }),
    );

  domains
    .command('import <file>')
    .description('import domains and routes from CSV (columns: domain,host,port,preference,tls,tls_verify,catch_all); - for stdin')
    .option('--dry-run', 'show what would change, write nothing')
    .action(
      action(async (file: string, opts: { dryRun?: boolean }, cmd: Command) => {
        const plan = parseDomainsCsv(readInput(file));
        if (plan.errors.length) throw new UsageError(`${file}: nothing imported:\n  ${plan.errors.join('\n  ')}`);
        await withStore(cmd, async ({ db }) => printSummary(await importDomains(db, plan.rows, !opts.dryRun), !opts.dryRun));
      }),
    );

  domains
    .command('export')
    .description('print domains and routes as CSV')
    .action(action(async (_o: unknown, cmd: Command) => withStore(cmd, async ({ db }) => void process.stdout.write(await exportDomains(db)))));

  const recipients = program.command('recipients').description('recipient addresses and aliases of the protected domains');

  recipients
    .command('list')
    .option('--domain <name>')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { domain?: string; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          for (const r of await new Directory(db).listRecipients(opts.domain)) {
            if (opts.json) printJson({ address: r.address, kind: r.kind, target: r.target, domain: r.domain });
            else process.stdout.write(`${r.address}${r.target ? ` -> ${r.target}` : ''}\n`);
          }
        }),
      ),
    );

  recipients
    .command('add <address>')
    .option('--alias <target>', 'make it an alias delivering to target')
    .action(
      action(async (address: string, opts: { alias?: string }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const r = await new Directory(db).addRecipient(address, { alias: opts.alias });
          process.stdout.write(`added ${r.address}\n`);
        }),
      ),
    );

  recipients
    .command('remove <address>')
    .action(
      action(async (address: string, _o: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          if (!(await new Directory(db).removeRecipient(address))) throw new UsageError(`no such recipient: ${address}`);
          process.stdout.write(`removed ${address}\n`);
        }),
      ),
    );

  recipients
    .command('import <file>')
    .description('import recipients from CSV (columns: address,kind,target); - for stdin')
    .option('--dry-run', 'show what would change, write nothing')
    .action(
      action(async (file: string, opts: { dryRun?: boolean }, cmd: Command) => {
        const plan = parseRecipientsCsv(readInput(file));
        if (plan.errors.length) throw new UsageError(`${file}: nothing imported:\n  ${plan.errors.join('\n  ')}`);
        await withStore(cmd, async ({ db }) => {
          const s = await importRecipients(db, plan.rows, !opts.dryRun);
          if (s.errors.length) throw new UsageError(`${file}: nothing imported:\n  ${s.errors.join('\n  ')}`);
          printSummary(s, !opts.dryRun);
        });
      }),
    );

  recipients
    .command('export')
    .option('--domain <name>')
    .action(action(async (opts: { domain?: string }, cmd: Command) => withStore(cmd, async ({ db }) => void process.stdout.write(await exportRecipients(db, opts.domain)))));
}
