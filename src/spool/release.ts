// Quarantine release contract: a quarantined message (status quarantined, recipients held) goes
// back to the queue exactly once, however many times or from however many places it is released.
import { unlink } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { inTransaction, nowIso } from '../store/dialect.js';
import { notifyQueued } from './events.js';
import { PENDING } from './status.js';

/**
 * Moves a quarantined message and its held recipients to the queue atomically. Returns false when
 * the message is not (or no longer) quarantined, so a second release delivers nothing more.
 */
export async function releaseHeld(db: Kysely<Database>, messageId: string, now: Date = new Date()): Promise<boolean> {
  const at = nowIso(now);
  const released = await inTransaction(db, async (trx) => {
    // The conditional update is the lock: a concurrent release waits on it and then matches nothing.
    const res = await trx.updateTable('messages').set({ status: 'queued' }).where('id', '=', messageId).where('status', '=', 'quarantined').executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await trx
      .updateTable('message_recipients')
      .set({ status: 'queued', next_attempt_at: at, claimed_by: null, updated_at: at })
      .where('message_id', '=', messageId)
      .where('status', '=', 'held')
      .execute();
    return true;
  });
  if (released) notifyQueued();
  return released;
}

/**
 * Discards a quarantined message (the operator's delete, or the end of its quarantine lifetime):
 * its held recipients become expired, with `reason` as their last reply, and the message deleted;
 * the record stays for the trace and the statistics, the file goes. Returns false when the
 * message is not (or no longer) quarantined. Recipients a domain's contact released on their own
 * (the console's partial release) keep their course: while one is still pending the message goes
 * back to the queue, which settles it and removes the file; once they are all final it is
 * `partial` when one was delivered.
 */
export async function discardHeld(db: Kysely<Database>, messageId: string, opts: { reason: string; now?: Date }): Promise<boolean> {
  const at = nowIso(opts.now);
  const outcome = await inTransaction(db, async (trx) => {
    // Lock the message row first, as releaseHeld does: the two never wait on each other crosswise.
    const msg = await trx.updateTable('messages').set({ status: 'deleted' }).where('id', '=', messageId).where('status', '=', 'quarantined').returning('spool_path').executeTakeFirst();
    if (!msg) return null;
    await trx
      .updateTable('message_recipients')
      .set({ status: 'expired', next_attempt_at: null, claimed_by: null, updated_at: at, last_reply: opts.reason })
      .where('message_id', '=', messageId)
      .where('status', '=', 'held')
      .execute();
    const statuses = (await trx.selectFrom('message_recipients').select('status').where('message_id', '=', messageId).execute()).map((r) => r.status);
    const status = statuses.some((s) => PENDING.includes(s)) ? 'queued' : statuses.includes('delivered') ? 'partial' : 'deleted';
    if (status !== 'deleted') await trx.updateTable('messages').set({ status }).where('id', '=', messageId).execute();
    return { path: status === 'queued' ? null : msg.spool_path };
  });
  if (!outcome) return false;
  if (outcome.path) await unlink(outcome.path).catch(() => {});
  return true;
}
