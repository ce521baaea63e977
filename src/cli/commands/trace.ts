// `rampart trace`: message trace by sender, recipient, subject, Message-ID and time window, with
// each recipient's status and every delivery attempt with the remote reply.
import type { Command } from 'commander';
import { formatDuration } from '../../config/schema.js';
import { parseWhen, traceMessages, type TraceEntry } from '../../spool/trace.js';
import { retentionCutoff } from '../../stats/retention.js';
import { action, printJson, UsageError, withStore } from '../context.js';

export function printTrace(e: TraceEntry): void {
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`${e.id}  ${e.received_at}  ${e.status}  node=${e.node}`);
  out(`  client ${e.client_ip}${e.client_hostname ? ` [${e.client_hostname}]` : ''} helo=${e.helo ?? '-'} tls=${e.tls ? 'yes' : 'no'} size=${e.size}`);
  out(`  from <${e.mail_from}>  message-id ${e.message_id ?? '-'}`);
  out(`  subject ${e.subject ?? '-'}`);
  if (e.category || e.action) out(`  category ${e.category ?? '-'}  action ${e.action ?? '-'}${e.score !== null ? `  score ${e.score}` : ''}`);
  for (const r of e.recipients) {
    out(`  to <${r.address}> ${r.status} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`);
    for (const a of e.attempts.filter((x) => x.recipient === r.address)) out(`      ${a.at} ${a.host ?? '-'} ${a.outcome}: ${a.reply ?? ''}`);
  }
}

function when(opt: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseWhen(value);
  } catch (err) {
    throw new UsageError(`--${opt}: ${(err as Error).message}`);
  }
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('message trace: find messages and show what happened to each recipient')
    .option('--from <text>', 'envelope sender contains')
    .option('--to <text>', 'a recipient contains')
    .option('--subject <text>', 'subject contains')
    .option('--message-id <id>', 'Message-ID header (with or without <>)')
    .option('--since <time>', 'received at or after (ISO time, or 2h / 3d ago)')
    .option('--until <time>', 'received at or before (ISO time, or 2h / 3d ago)')
    .option('--limit <n>', 'most recent n messages (default 100)')
    .option('--json', 'JSON Lines output')
    .action(
      action(async (opts: { from?: string; to?: string; subject?: string; messageId?: string; since?: string; until?: string; limit?: string; json?: boolean }, cmd: Command) => {
        const limit = opts.limit === undefined ? 100 : Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: expected a positive integer, got ${JSON.stringify(opts.limit)}`);
        const filter = { from: opts.from, to: opts.to, subject: opts.subject, messageId: opts.messageId, since: when('since', opts.since), until: when('until', opts.until), limit };
        await withStore(cmd, async ({ db }, config) => {
          const entries = await traceMessages(db, filter);
          for (const e of entries) (opts.json ? printJson(e) : printTrace(e));
          if (!opts.json && !entries.length) process.stdout.write('no matching messages\n');
          // A search that ran out of records before its window did, on a trace that has been
          // pruned: say where the trace stops.
          const retention = config.retention.trace;
          const keptSince = retentionCutoff(new Date(), retention).toISOString();
          const exhausted = retention > 0 && entries.length < limit && (!filter.since || filter.since < keptSince);
          if (exhausted && (await db.selectFrom('stats_messages_hourly').select('hour').limit(1).executeTakeFirst())) {
            process.stderr.write(`(records received before ${keptSince} are past retention.trace, ${formatDuration(retention)}: they are counted in \`rampart report\`, not listed here)\n`);
          }
        });
      }),
    );
}
