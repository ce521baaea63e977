// A message's status follows from its recipients': once none is pending it becomes delivered,
// partial, bounced or deleted, and its spool file is no longer needed.
import { unlink } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database, MessageStatus, RecipientStatus } from '../store/schema.js';

export const PENDING: RecipientStatus[] = ['queued', 'deferred'];
const FINAL = new Set<RecipientStatus>(['delivered', 'bounced', 'expired', 'deleted']);

/** The derived message status, or null while any recipient is still pending or held. */
export function deriveStatus(statuses: RecipientStatus[]): Extract<MessageStatus, 'delivered' | 'partial' | 'bounced' | 'deleted'> | null {
  if (!statuses.length || statuses.some((s) => !FINAL.has(s))) return null;
  const live = statuses.filter((s) => s !== 'deleted');
  if (!live.length) return 'deleted';
  const delivered = live.filter((s) => s === 'delivered').length;
  if (delivered === live.length) return 'delivered';
  return delivered === 0 ? 'bounced' : 'partial';
}

/**
 * Settles a queued message whose recipients are all final: sets its status and removes its file.
 * Safe to call from several places at once: only the caller whose update wins removes the file.
 * Run it after the recipients' transaction committed, so the last committer always sees them all.
 */
export async function finalizeMessage(db: Kysely<Database>, messageId: string): Promise<boolean> {
  const rows = await db.selectFrom('message_recipients').select('status').where('message_id', '=', messageId).execute();
  const status = deriveStatus(rows.map((r) => r.status));
  if (!status) return false;
  const msg = await db
    .updateTable('messages')
    .set({ status })
    .where('id', '=', messageId)
    .where('status', '=', 'queued')
    .returning('spool_path')
    .executeTakeFirst();
  if (!msg) return false;
  if (msg.spool_path) await unlink(msg.spool_path).catch(() => {});
  return true;
}

/**
 * Removes spool files of messages that are already settled: a crash between the final commit and
 * the unlink leaves such a file behind. Files without a row are Spool.removeOrphans' business.
 */
export async function sweepSettledFiles(db: Kysely<Database>, queueDir: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  const path = await import('node:path');
  const ids = (await readdir(queueDir)).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4));
  let removed = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('messages')
      .select('id')
      .where('id', 'in', ids.slice(i, i + 500))
      .where('status', 'not in', ['queued', 'quarantined'])
      .execute();
    for (const r of rows) {
      await unlink(path.join(queueDir, `${r.id}.eml`)).catch(() => {});
      removed++;
    }
  }
  return removed;
}
