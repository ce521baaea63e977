// Records what one delivery attempt achieved: each recipient's new status and next attempt, one
// delivery_attempts row per recipient, and for permanent failures and expiry a DSN to the sender,
// committed in the same transaction as the bounce so neither can exist without the other.
import { unlink } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { RampartConfig } from '../../config/schema.js';
import type { Database, Message, RecipientStatus } from '../../store/schema.js';
import { buildDsn, statusOf, type FailedRecipient } from '../dsn.js';
import { readHeaderBlock } from '../headers.js';
import { localAcceptInput } from '../submit.js';
import type { Spool, StagedFile } from '../spool.js';
import { notifyQueued } from '../events.js';
import type { Claimed } from './claims.js';

export type Result = { kind: 'delivered' | 'temporary' | 'permanent'; reply: string; host: string | null };

/** 2xx delivered, 5xx permanent, everything else (4xx, no reply at all) temporary. */
export function classify(code: number): Result['kind'] {
  if (code >= 200 && code < 300) return 'delivered';
  if (code >= 500 && code < 600) return 'permanent';
  return 'temporary';
}

export function retryDelay(schedule: number[], attempts: number): number {
  if (!schedule.length) return 60_000;
  return schedule[Math.min(Math.max(attempts - 1, 0), schedule.length - 1)]!;
}

interface Planned {
  row: Claimed;
  status: RecipientStatus;
  next: string | null;
  result: Result;
  outcome: 'delivered' | 'deferred' | 'bounced';
}

export interface RecordContext {
  db: Kysely<Database>;
  spool: Spool;
  config: RampartConfig;
  token: string;
  now: Date;
}

/** Applies the results; returns how many recipient rows this engine still owned and updated. */
export async function recordResults(ctx: RecordContext, message: Message, results: Map<Claimed, Result>): Promise<number> {
  const { config, now } = ctx;
  const at = now.toISOString();
  const expiry = new Date(message.received_at).getTime() + config.delivery.lifetime;
  const planned: Planned[] = [];
  for (const [row, result] of results) {
    const attempts = row.attempts + 1;
    if (result.kind === 'delivered') planned.push({ row, result, status: 'delivered', next: null, outcome: 'delivered' });
    else if (result.kind === 'permanent') planned.push({ row, result, status: 'bounced', next: null, outcome: 'bounced' });
    else if (now.getTime() >= expiry) planned.push({ row, result, status: 'expired', next: null, outcome: 'deferred' });
    else {
      const next = Math.min(now.getTime() + retryDelay(config.delivery.retry_schedule, attempts), expiry);
      planned.push({ row, result, status: 'deferred', next: new Date(next).toISOString(), outcome: 'deferred' });
    }
  }
  const failed = planned.filter((p) => p.status === 'bounced' || p.status === 'expired');
  // Never a DSN for the null sender (that is how bounce loops are avoided).
  let dsn: { staged: StagedFile; input: Awaited<ReturnType<typeof localAcceptInput>> } | null = null;
  if (failed.length && message.mail_from !== '') {
    const headers = await readHeaderBlock(message.spool_path).catch(() => Buffer.from(`Message-ID: ${message.message_id ?? '(unknown)'}\r\nSubject: ${message.subject ?? ''}\r\n`));
    const recipients: FailedRecipient[] = failed.map((p) => ({
      address: p.row.address,
      action: 'failed',
      status: statusOf(p.result.reply.replace(/^\d{3}[ -]/, ''), p.status === 'bounced'),
      remoteMta: p.result.host,
      diagnostic: p.result.reply,
      lastAttempt: now,
      expired: p.status === 'expired',
    }));
    const reportingMta = config.delivery.helo ?? config.smtp.hostname;
    const raw = buildDsn({ reportingMta, postmaster: config.delivery.postmaster, to: message.mail_from, queueId: message.id, arrival: new Date(message.received_at), recipients, originalHeaders: headers, now });
    const input = await localAcceptInput(ctx.db, { from: '', to: [message.mail_from], raw });
    dsn = { staged: await ctx.spool.stage([raw]), input };
  }
  let updated = 0;
  let failedUpdated = 0;
  try {
    await ctx.db.transaction().execute(async (trx) => {
      for (const p of planned) {
        const res = await trx
          .updateTable('message_recipients')
          .set({ status: p.status, attempts: p.row.attempts + 1, next_attempt_at: p.next, last_reply: p.result.reply.slice(0, 2000), updated_at: at, claimed_by: null })
          .where('id', '=', p.row.id)
          .where('claimed_by', '=', ctx.token)
          .executeTakeFirst();
        // A claim lost to lease expiry or an operator's delete: someone else owns the row now.
        if (Number(res.numUpdatedRows) !== 1) continue;
        updated++;
        if (p.status === 'bounced' || p.status === 'expired') failedUpdated++;
        await trx
          .insertInto('delivery_attempts')
          .values({ message_id: message.id, recipient: p.row.address, at, host: p.result.host, outcome: p.outcome, reply: p.result.reply.slice(0, 2000) })
          .execute();
      }
      if (dsn && failedUpdated) await ctx.spool.record(trx, dsn.staged, { ...dsn.input, receivedAt: now });
    });
  } catch (err) {
    if (dsn) await unlink(dsn.staged.path).catch(() => {});
    throw err;
  }
  if (dsn && !failedUpdated) await unlink(dsn.staged.path).catch(() => {});
  if (dsn && failedUpdated) notifyQueued();
  return updated;
}
