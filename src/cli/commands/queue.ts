// `rampart queue list|show|retry|delete|flush`: the delivery queue, like Postfix's mailq,
// postqueue -f and postsuper -d. Every listing takes --json (JSON Lines).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { deleteMessage, listQueue, QueueError, resolveId, retryNow, type QueueEntry } from '../../spool/admin.js';
import { traceMessages } from '../../spool/trace.js';
import { action, printJson, UsageError, withStore } from '../context.js';
import { printTrace } from './trace.js';

async function usage<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof QueueError) throw new UsageError(err.message);
    throw err;
  }
}

function printEntry(e: QueueEntry): void {
  process.stdout.write(`${e.id}  ${e.received_at}  ${String(e.size).padStart(8)}  <${e.mail_from}>${e.status === 'quarantined' ? '  (quarantined)' : ''}\n`);
  for (const r of e.recipients) {
    const when = r.in_flight ? 'being delivered' : r.next_attempt_at ? `next ${r.next_attempt_at}` : '';
    process.stdout.write(`    <${r.address}> ${r.status} attempts=${r.attempts} ${when}\n`);
    if (r.last_reply && r.status !== 'delivered') process.stdout.write(`        (${r.last_reply})\n`);
  }
}

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description('the delivery queue: list, show, retry, delete, flush');

  queue
    .command('list')
    .description('messages waiting for delivery, oldest first')
    .option('--held', 'include quarantined (held) messages')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { held?: boolean; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const entries = await listQueue(db, { held: opts.held });
          for (const e of entries) (opts.json ? printJson(e) : printEntry(e));
          if (!opts.json) process.stdout.write(`-- ${entries.length} message(s), ${entries.reduce((n, e) => n + e.recipients.filter((r) => r.status === 'queued' || r.status === 'deferred').length, 0)} recipient(s) pending\n`);
        }),
      ),
    );

  queue
    .command('show <id>')
    .description('one message: envelope, recipients, delivery attempts (--content prints the spooled message)')
    .option('--content', 'print the spooled message itself')
    .option('--json', 'JSON output')
    .action(
      action(async (idArg: string, opts: { content?: boolean; json?: boolean }, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const id = await usage(resolveId(db, idArg));
          const row = await db.selectFrom('messages').select('spool_path').where('id', '=', id).executeTakeFirstOrThrow();
          if (opts.content) {
            try {
              process.stdout.write(readFileSync(row.spool_path));
            } catch {
              throw new UsageError(`message ${id} has no spool file on this node (it is settled or held by another node)`);
            }
            return;
          }
          const [entry] = await traceMessages(db, { id, limit: 1 });
          if (opts.json) printJson(entry);
          else printTrace(entry!);
        }),
      ),
    );

  queue
    .command('retry [id]')
    .description('attempt deferred recipients now (one message, or --all)')
    .option('--all', 'every deferred message')
    .action(
      action(async (idArg: string | undefined, opts: { all?: boolean }, cmd: Command) => {
        if (!idArg && !opts.all) throw new UsageError('queue retry: give a queue id or --all');
        if (idArg && opts.all) throw new UsageError('queue retry: give a queue id or --all, not both');
        await withStore(cmd, async ({ db }) => {
          const id = idArg ? await usage(resolveId(db, idArg)) : 'all';
          const n = await retryNow(db, id);
          process.stdout.write(`${n} recipient(s) due now\n`);
        });
      }),
    );

  queue
    .command('flush')
    .description('attempt every deferred recipient now (like postqueue -f)')
    .action(
      action(async (_o: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => void process.stdout.write(`${await retryNow(db, 'all')} recipient(s) due now\n`)),
      ),
    );

  queue
    .command('delete <id>')
    .description('remove a queued or quarantined message without a DSN (like postsuper -d)')
    .action(
      action(async (idArg: string, _o: unknown, cmd: Command) =>
        withStore(cmd, async ({ db }) => {
          const id = await usage(resolveId(db, idArg));
          const { recipients } = await usage(deleteMessage(db, id));
          process.stdout.write(`deleted ${id} (${recipients} recipient(s) not delivered)\n`);
        }),
      ),
    );
}

