// Quarantine release contract: a quarantined message (status quarantined, recipients held) goes
// back to the queue exactly once, however many times or from however many places it is released.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { inTransaction, nowIso } from '../store/dialect.js';
import { notifyQueued } from './events.js';

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
