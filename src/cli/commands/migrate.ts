// `rampart migrate …`: the migration programme from the command line: import domains and contacts,
// waves and pins, planning, manual overrides, notices and the periodic tick, checks and reports.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { CHECK_NAMES, type CheckName } from '../../migration/checks/types.js';
import { latestResults, runCheck } from '../../migration/checks/run.js';
import { isDay } from '../../migration/dates.js';
import { importProgramme } from '../../migration/import.js';
import { acknowledgeContact, contactStandings, listNotices, sendDueNotices } from '../../migration/notices.js';
import { programmeReport, reportCsv, reportText } from '../../migration/report.js';
import { MigrationRepository } from '../../migration/repository.js';
import { moveDomain, overrideHold, pauseDomain, planProgramme, resumeDomain } from '../../migration/schedule.js';
import { buildProgrammeDeps } from '../../migration/service.js';
import { confirmMigrated, runMigrationTick } from '../../migration/tick.js';
import type { ProgrammeDeps } from '../../migration/context.js';
import type { RampartConfig } from '../../config/schema.js';
import type { Store } from '../../store/db.js';
import { action, printJson, UsageError, withStore } from '../context.js';

const USER_ERRORS = new Set(['MigrationError', 'TemplateError']);

/** Opens the store, builds the programme's dependencies, and turns programme errors into usage errors. */
async function withProgramme(cmd: Command, fn: (deps: ProgrammeDeps, store: Store, config: RampartConfig) => Promise<void>, now?: Date): Promise<void> {
  await withStore(cmd, async (store, config) => {
    try {
      await fn(buildProgrammeDeps(config, store, now ? { now: () => now } : {}), store, config);
    } catch (err) {
      if (USER_ERRORS.has((err as Error)?.name)) throw new UsageError((err as Error).message);
      throw err;
    }
  });
}

function actorOf(opts: { actor?: string }): string {
  return opts.actor ?? os.userInfo().username;
}

const out = (s: string) => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');

export function registerMigrateCommands(program: Command): void {
  const m = program.command('migrate').description('the migration programme: waves, notices, escalations, readiness checks');
  const withActor = (c: Command) => c.option('--actor <name>', 'who is doing this (recorded in the history; default: the user name)');

  m.command('import <file>')
    .description('import programme domains and contacts from CSV (columns: domain,contact_name,contact_address,role[,pin_wave]); - for stdin')
    .option('--dry-run', 'show what would change, write nothing')
    .action(
      action(async (file: string, opts: { dryRun?: boolean; actor?: string }, cmd: Command) =>
        withProgramme(cmd, async ({ db }) => {
          const text = readFileSync(file === '-' ? 0 : file, 'utf8');
          const p = await importProgramme(db, text, { apply: !opts.dryRun, actor: actorOf(opts) });
          if (p.errors.length) throw new UsageError(`${file}: nothing imported:\n  ${p.errors.join('\n  ')}`);
          const verb = opts.dryRun ? 'would be ' : '';
          out(`${p.domainsAdded.length} domain(s) ${verb}added, ${p.contactsAdded} contact(s) ${verb}added, ${p.contactsChanged} ${verb}changed`);
          for (const c of p.changes) out(`  ${c}`);
        }),
      ),
    );

  const waves = m.command('waves').description('waves (tranches) of the programme');
  waves
    .command('add <name>')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
    .requiredOption('--capacity <n>', 'domains a day')
    .option('--blackout <days>', 'comma-separated YYYY-MM-DD dates and weekdays (sat,sun)', '')
    .action(
      action(async (name: string, opts: { from: string; to: string; capacity: string; blackout: string }, cmd: Command) =>
        withProgramme(cmd, async ({ db }) => {
          const blackout = opts.blackout.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
          const w = await new MigrationRepository(db).addWave({ name, startsOn: opts.from, endsOn: opts.to, dailyCapacity: Number(opts.capacity), blackout });
          out(`added wave ${w.name}: ${w.startsOn} to ${w.endsOn}, ${w.dailyCapacity} a day${blackout.length ? `, blackout ${blackout.join(', ')}` : ''}`);
        }),
      ),
    );
  waves
    .command('list')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) =>
        withProgramme(cmd, async ({ db }) => {
          for (const w of await new MigrationRepository(db).waves()) {
            if (opts.json) printJson(w);
            else out(`${w.name}  ${w.startsOn} to ${w.endsOn}  ${w.dailyCapacity}/day${w.blackout.length ? `  blackout: ${w.blackout.join(', ')}` : ''}`);
          }
        }),
      ),
    );

  m.command('pin <domain> [wave]')
    .description('pin a domain to a wave (a pilot), or unpin it when no wave is given')
    .action(
      action(async (domain: string, wave: string | undefined, _o: unknown, cmd: Command) =>
        withProgramme(cmd, async ({ db }) => {
          const repo = new MigrationRepository(db);
          const d = await repo.requireDomain(domain);
          await repo.pin(d.domainId, wave ? (await repo.requireWave(wave)).id : null);
          out(wave ? `pinned ${d.name} to ${wave}` : `unpinned ${d.name}`);
        }),
      ),
    );

  withActor(m.command('plan'))
    .description('fill the waves with unscheduled domains (capacity, blackout days, pins, minimum notice)')
    .option('--dry-run', 'show the plan, write nothing')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { dryRun?: boolean; json?: boolean; actor?: string }, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const r = await planProgramme(deps, { apply: !opts.dryRun, actor: actorOf(opts) });
          if (opts.json) return printJson({ applied: !opts.dryRun, ...r });
          out(`${r.assignments.length} domain(s) ${opts.dryRun ? 'would be ' : ''}scheduled${r.unplaced.length ? `, ${r.unplaced.length} could not be placed` : ''}`);
          for (const a of r.assignments) out(`  ${a.date}  ${a.waveName}  ${a.name}`);
          for (const u of r.unplaced) out(`  ! ${u.name}: ${u.reason}`);
        }),
      ),
    );

  withActor(m.command('move <domain> <date>'))
    .description('move a scheduled domain to another day; contacts already notified get a change-of-date mail')
    .requiredOption('--reason <text>', 'why (recorded, and told to the contacts)')
    .option('--force', 'allow a day closer than the minimum notice (still within a wave, not full, not a blackout day)')
    .action(
      action(async (domain: string, date: string, opts: { reason: string; force?: boolean; actor?: string }, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          if (!isDay(date)) throw new UsageError(`date: expected YYYY-MM-DD, got ${JSON.stringify(date)}`);
          const r = await moveDomain(deps, domain, date, { actor: actorOf(opts), reason: opts.reason, force: opts.force });
          out(`moved ${r.domain.name} to ${date}${r.told ? `; change-of-date mail queued to ${r.told} contact(s)` : ''}`);
        }),
      ),
    );

  withActor(m.command('pause <domain>'))
    .description('take a domain out of the calendar; contacts who knew its date are told')
    .requiredOption('--reason <text>', 'why')
    .action(
      action(async (domain: string, opts: { reason: string; actor?: string }, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const r = await pauseDomain(deps, domain, { actor: actorOf(opts), reason: opts.reason });
          out(`paused ${domain}${r.told ? `; change mail queued to ${r.told} contact(s)` : ''}`);
        }),
      ),
    );

  withActor(m.command('resume <domain>'))
    .description('put a paused or rolled-back domain back in the queue for the next plan')
    .requiredOption('--reason <text>', 'why')
    .action(action(async (domain: string, opts: { reason: string; actor?: string }, cmd: Command) => withProgramme(cmd, async (deps) => (await resumeDomain(deps, domain, { actor: actorOf(opts), reason: opts.reason }), out(`${domain} is pending again; run rampart migrate plan`)))));

  withActor(m.command('override-hold <domain>'))
    .description('let a domain go ahead on its date although no contact acknowledged')
    .requiredOption('--reason <text>', 'why')
    .action(action(async (domain: string, opts: { reason: string; actor?: string }, cmd: Command) => withProgramme(cmd, async (deps) => (await overrideHold(deps, domain, { actor: actorOf(opts), reason: opts.reason }), out(`${domain} will not be held back`)))));

  withActor(m.command('confirm <domain>'))
    .description('confirm that a ready domain has migrated')
    .option('--reason <text>', 'why', 'confirmed by an operator')
    .action(action(async (domain: string, opts: { reason: string; actor?: string }, cmd: Command) => withProgramme(cmd, async (deps) => (await confirmMigrated(deps, domain, { actor: actorOf(opts), reason: opts.reason }), out(`${domain} migrated`)))));

  withActor(m.command('rollback <domain>'))
    .description('record that a migrated domain was rolled back')
    .requiredOption('--reason <text>', 'why')
    .action(
      action(async (domain: string, opts: { reason: string; actor?: string }, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const repo = new MigrationRepository(deps.db);
          await repo.transition((await repo.requireDomain(domain)).domainId, 'rolled-back', { actor: actorOf(opts), reason: opts.reason });
          out(`${domain} rolled back`);
        }),
      ),
    );

  m.command('ack <domain> <address>')
    .description("record a contact's acknowledgement given outside the link (phone, console)")
    .action(
      action(async (domain: string, address: string, _o: unknown, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const n = await acknowledgeContact(deps, await new MigrationRepository(deps.db).requireDomain(domain), address).catch((e: Error) => {
            throw new UsageError(e.message);
          });
          out(`acknowledged: ${n.contactAddress} for ${domain} (${n.forDate})`);
        }),
      ),
    );

  m.command('notify')
    .description('send the first notice to the contacts of every scheduled domain')
    .action(
      action(async (_o: unknown, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const r = await sendDueNotices(deps, 'rampart migrate notify');
          out(`notified ${r.notified.length} domain(s)${r.notified.length ? `: ${r.notified.join(', ')}` : ''}`);
          if (r.noContacts.length) out(`no contacts on record (not notified): ${r.noContacts.join(', ')}`);
        }),
      ),
    );

  m.command('tick')
    .description('run the periodic job once: notices, reminders, escalations, hold-backs, migrated check')
    .option('--now <time>', 'pretend it is this ISO time (for rehearsals)')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { now?: string; json?: boolean }, cmd: Command) => {
        const now = opts.now ? new Date(opts.now) : new Date();
        if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not a time: ${JSON.stringify(opts.now)}`);
        await withProgramme(
          cmd,
          async (deps) => {
            const s = await runMigrationTick(deps, now);
            if (opts.json) return printJson(s);
            out(`notified: ${s.notified.join(', ') || 'none'}`);
            out(`reminders: ${s.reminders.map((r) => `${r.contact} (${r.domain}, ${r.offset} d)`).join(', ') || 'none'}`);
            out(`escalations: ${s.escalations.map((e) => `${e.target} <${e.address}>: ${e.domains.join(', ')}`).join('; ') || 'none'}`);
            out(`held back: ${s.heldBack.join(', ') || 'none'}`);
            out(`migrated: ${s.migrated.join(', ') || 'none'}`);
            for (const e of s.errors) out(`error: ${e}`);
            if (s.errors.length) process.exitCode = 1;
          },
          now,
        );
      }),
    );

  m.command('status <domain>')
    .description("a domain's status, date, contacts with their notices, history and check results")
    .option('--json', 'JSON output')
    .action(
      action(async (domain: string, opts: { json?: boolean }, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const repo = new MigrationRepository(deps.db);
          const d = await repo.requireDomain(domain);
          const standings = await contactStandings(deps, d);
          const notices = await listNotices(deps, { domainId: d.domainId });
          const history = await repo.history(d.domainId);
          const checks = await latestResults(deps, d.domainId);
          if (opts.json) return printJson({ ...d, contacts: standings.map((s) => ({ ...s.contact, acknowledged: s.acknowledged, bounced: s.bounced })), notices, history, checks });
          out(`${d.name}: ${d.status}${d.date ? ` on ${d.date}` : ''}${d.waveName ? ` (wave ${d.waveName})` : ''}${d.holdOverride ? ', hold-back overridden' : ''}`);
          out('contacts:');
          for (const s of standings) out(`  ${s.contact.role} ${s.contact.name} <${s.contact.address}>: ${s.acknowledged ? 'acknowledged' : (s.latest?.state ?? 'no notice for the current date')}`);
          out('notices:');
          for (const n of notices) out(`  ${n.sentAt.slice(0, 16)} ${n.kind} → ${n.contactAddress} [${n.queueId}] ${n.state}${n.reply ? `: ${n.reply}` : ''}`);
          out('history:');
          for (const h of history) out(`  ${h.at.slice(0, 16)} ${h.from ?? '-'} → ${h.to} by ${h.actor}: ${h.reason}`);
          out('checks:');
          for (const c of CHECK_NAMES) out(`  ${c}: ${checks[c] ? `${checks[c]!.ok ? 'passed' : 'failed'} at ${checks[c]!.at.slice(0, 16)}: ${checks[c]!.summary}` : 'not run'}`);
        }),
      ),
    );

  m.command('check <domain> [check]')
    .description('run the readiness checks (smtp, dns, cutover; all three when none is named)')
    .option('--json', 'JSON output')
    .action(
      action(async (domain: string, check: string | undefined, opts: { json?: boolean }, cmd: Command) => {
        if (check && !CHECK_NAMES.includes(check as CheckName)) throw new UsageError(`check: expected one of ${CHECK_NAMES.join(', ')}, got ${JSON.stringify(check)}`);
        await withProgramme(cmd, async (deps) => {
          const d = await new MigrationRepository(deps.db).requireDomain(domain);
          let failed = false;
          for (const c of check ? [check as CheckName] : CHECK_NAMES) {
            const r = await runCheck(deps, d, c);
            failed ||= !r.ok;
            if (opts.json) printJson(r);
            else {
              out(`${c}: ${r.ok ? 'PASSED' : 'FAILED'}: ${r.summary}`);
              for (const s of r.steps) out(`    ${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.found.replace(/\n/g, ' | ')} (${s.ms} ms)`);
            }
          }
          if (failed) process.exitCode = 1;
        });
      }),
    );

  m.command('report')
    .description('progress: domains and addresses by status and wave, percent protected, due this week, held back')
    .option('--json', 'JSON output')
    .option('--csv', 'one CSV row per domain')
    .action(
      action(async (opts: { json?: boolean; csv?: boolean }, cmd: Command) =>
        withProgramme(cmd, async (deps) => {
          const r = await programmeReport(deps);
          if (opts.json) printJson(r);
          else if (opts.csv) process.stdout.write(reportCsv(r));
          else process.stdout.write(reportText(r));
        }),
      ),
    );
}
