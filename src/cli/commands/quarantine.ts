// `rampart quarantine list|show|release|delete`: the held messages. Release hands the message
// back to delivery through the spool's release contract (exactly once); delete discards it.
import { readFileSync, unlinkSync } from 'node:fs';
import type { Command } from 'commander';
import { releaseHeld } from '../../spool/release.js';
import type { Database } from '../../store/schema.js';
import type { Kysely } from 'kysely';
import { action, printJson, UsageError, withStore } from '../context.js';

async function held(db: Kysely<Database>, id: string) {
  const m = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!m) throw new UsageError(`no message ${id}`);
  return m;
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
        withStore(cmd, async ({ db }) => {
          const m = await held(db, id);
          const rcpts = await db.selectFrom('message_recipients').select(['address', 'status']).where('message_id', '=', id).execute();
          const symbols = m.symbols ? (JSON.parse(m.symbols) as { name: string; score: number; detail?: string }[]) : [];
          if (opts.json) return printJson({ ...m, symbols, recipients: rcpts });
          const out = [
            `Id: ${m.id}`,
            `Status: ${m.status}`,
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
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const m = await held(db, id);
          if (await releaseHeld(db, id)) process.stdout.write(`released ${id}: queued for delivery\n`);
          else throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
        }),
      ),
    );

  q.command('delete')
    .argument('<id>')
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const m = await held(db, id);
          const r = await db.updateTable('messages').set({ status: 'deleted' }).where('id', '=', id).where('status', '=', 'quarantined').executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) throw new UsageError(`${id} is not in quarantine (status ${m.status})`);
          await db.updateTable('message_recipients').set({ status: 'expired', updated_at: new Date().toISOString() }).where('message_id', '=', id).where('status', '=', 'held').execute();
          try {
            if (m.spool_path) unlinkSync(m.spool_path);
          } catch {
            // Already gone, or on another node's spool: the row says deleted either way.
          }
          process.stdout.write(`deleted ${id}\n`);
        }),
      ),
    );
}
