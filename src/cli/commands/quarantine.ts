// `rampart quarantine list|show|release|report|delete|expire`: the held messages. Release hands the
// message back to delivery through the spool's release contract (exactly once), with --learn
// teaching the scan engine it is not spam; report teaches it spam or phishing and discards it, as
// the console's report-as-spam does; delete discards it; expire discards those past
// quarantine.lifetime, as the gateway does every hour.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Option, type Command } from 'commander';
import { formatDuration } from '../../config/schema.js';
import { expireQuarantine, heldUntil } from '../../spool/quarantine-expiry.js';
import { entriesOf, NO_FILE_OR_PICTURE } from '../../scan/analyzers/fuzzy/store.js';
import { teachSpooled, type Taught } from '../../scan/feedback.js';
import { discardHeld, releaseHeld } from '../../spool/release.js';
import type { Database } from '../../store/schema.js';
import type { Kysely } from 'kysely';
import { action, printJson, UsageError, withStore } from '../context.js';

async function held(db: Kysely<Database>, id: string) {
  const m = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!m) throw new UsageError(`no message ${id}`);
  return m;
}

function learnedText(t: Taught): string {
  const bayes = t.bayes.learned ? 'Bayes learned it' : t.bayes.relearned ? 'Bayes moved it to this class' : 'Bayes already knew it';
  const ids = t.fuzzy ? entriesOf(t.fuzzy).map((e) => `#${e.id}`) : [];
  const fuzzy = ids.length ? `fuzzy hash ${ids.join(' ')}` : `no fuzzy hash (${t.fuzzy?.words ?? 0} words, ${NO_FILE_OR_PICTURE})`;
  return `${bayes}, ${fuzzy}`;
}

export function registerQuarantineCommands(program: Command): void {
  const q = program.command('quarantine').description('messages held by policy');

  q.command('list')
    .option('--domain <domain>', 'only messages with a recipient in this domain')
    .option('--limit <n>', 'at most this many, newest first', '100')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { domain?: string; limit: string; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const limit = Number(opts.limit);
          if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: expected a positive integer');
          let query = db.selectFrom('messages').select(['id', 'received_at', 'mail_from', 'subject', 'category', 'score', 'action']).where('status', '=', 'quarantined');
          if (opts.domain) {
            const d = opts.domain.toLowerCase();
            query = query.where('id', 'in', db.selectFrom('message_recipients').innerJoin('domains', 'domains.id', 'message_recipients.domain_id').select('message_recipients.message_id').where('domains.name', '=', d));
          }
          for (const m of await query.orderBy('received_at', 'desc').limit(limit).execute()) {
            if (opts.json) printJson(m);
            else process.stdout.write(`${m.id}  ${m.received_at}  ${(m.category ?? '-').padEnd(18)} ${String(m.score ?? '-').padStart(6)}  <${m.mail_from}>  ${m.subject ?? ''}\n`);
          }
        }),
      ),
    );

  q.command('show')
    .argument('<id>')
    .option('--json', 'JSON output')
    .action(
      action(async (id: string, opts: { json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }, config) => {
          const m = await held(db, id);
          const rcpts = await db.selectFrom('message_recipients').select(['address', 'status']).where('message_id', '=', id).execute();
          const symbols = m.symbols ? (JSON.parse(m.symbols) as { name: string; score: number; detail?: string }[]) : [];
          const lifetime = config.quarantine.lifetime;
          const until = m.status === 'quarantined' ? heldUntil(m.received_at, lifetime) : null;
          if (opts.json) return printJson({ ...m, symbols, recipients: rcpts, held_until: until });
          const out = [
            `Id: ${m.id}`,
            `Status: ${m.status}${until ? ` (held until ${until}, quarantine.lifetime ${formatDuration(lifetime)})` : ''}`,
            `Received: ${m.received_at} from ${m.client_hostname ?? ''}[${m.client_ip}]`,
            `Sender: <${m.mail_from}>`,
            `Recipients: ${rcpts.map((r) => `${r.address} (${r.status})`).join(', ')}`,
            `Subject: ${m.subject ?? ''}`,
            `Category: ${m.category ?? '-'}  Score: ${m.score ?? '-'}  Action: ${m.action ?? '-'}${m.would_action ? `  Would: ${m.would_category} → ${m.would_action}` : ''}`,
            ...symbols.map((s) => `Symbol: ${s.name} (${s.score})${s.detail ? ` [${s.detail}]` : ''}`),
          ];
          if (m.spool_path) {
            try {
              const head = readFileSync(m.spool_path, 'latin1').split(/\r?\n\r?\n/)[0]!;
              out.push('', head);
            } catch {
              out.push('', '(message file not available on this node)');
            }
          }
          process.stdout.write(out.join('\n') + '\n');
        }),
      ),
    );

  q.command('release')
    .argument('<id>')
    .option('--learn', 'also teach the scan engine it is not spam (Bayes, and a fuzzy hash for its near-copies)')
    .action(
      action(async (id: string, opts: { learn?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }, config) => {
          const m = await held(db, id);
          // A message held for some recipients only (status queued) can be released too.
          const holding = await db.selectFrom('message_recipients').select('address').where('message_id', '=', id).where('status', '=', 'held').executeTakeFirst();
          if (!holding) throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
          // Learning reads the spooled file: before the release hands it to delivery.
          const taught = opts.learn ? await teachSpooled(db, config, id, 'ham', 'cli') : null;
          if (!(await releaseHeld(db, id))) throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
          process.stdout.write(`released ${id}: queued for delivery${taught ? `; ${learnedText(taught)}` : ''}\n`);
        }),
      ),
    );

  q.command('report')
    .description('discard a held message and teach the scan engine what it is (Bayes, and a fuzzy hash for its near-copies)')
    .argument('<id>')
    .addOption(new Option('--as <class>', 'what it is').choices(['spam', 'phishing']).default('spam'))
    .action(
      action(async (id: string, opts: { as: 'spam' | 'phishing' }, cmd: Command) =>
        withStore(cmd, async ({ db }, config) => {
          const m = await held(db, id);
          if (m.status !== 'quarantined') throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
          const taught = await teachSpooled(db, config, id, opts.as, 'cli');
          if (!(await discardHeld(db, id, { reason: `reported as ${opts.as} by the operator` }))) throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
          process.stdout.write(`reported ${id} as ${opts.as} and discarded it; ${learnedText(taught)}\n`);
        }),
      ),
    );

  q.command('delete')
    .argument('<id>')
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const m = await held(db, id);
          if (!(await discardHeld(db, id, { reason: 'deleted from the quarantine by the operator' }))) throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
          process.stdout.write(`deleted ${id}\n`);
        }),
      ),
    );

  q.command('expire')
    .description('discard the held messages of this node older than quarantine.lifetime (the gateway does it hourly)')
    .option('--dry-run', 'only list what would be discarded')
    .option('--json', 'JSON output')
    .action(
      action(async (opts: { dryRun?: boolean; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }, config) => {
          const lifetimeMs = config.quarantine.lifetime;
          const r = await expireQuarantine(db, { node: os.hostname(), lifetimeMs, dryRun: opts.dryRun });
          const summary = { lifetime: lifetimeMs > 0 ? formatDuration(lifetimeMs) : null, received_before: lifetimeMs > 0 ? r.cutoff.toISOString() : null, dry_run: Boolean(opts.dryRun), count: r.ids.length, ids: r.ids };
          if (opts.json) return printJson(summary);
          if (lifetimeMs <= 0) return void process.stdout.write('quarantine.lifetime is 0: held messages are kept until released or deleted\n');
          for (const id of r.ids) process.stdout.write(`${id}\n`);
          process.stdout.write(`${opts.dryRun ? 'would discard' : 'discarded'} ${r.ids.length} held message${r.ids.length === 1 ? '' : 's'} received before ${summary.received_before} (lifetime ${summary.lifetime})\n`);
        }),
      ),
    );
}
