// The quarantine's lifetime: a held message is kept for `quarantine.lifetime` after it was
// received, then discarded as an operator's delete discards it (release.ts discardHeld) — the file
// goes, the record stays for the trace and the statistics, and the recipients' last reply says why.
// Without it the quarantine, which holds whole messages, would grow for as long as the gateway runs.
// Each node expires the messages in its own spool, where their files are.
import type { Kysely } from 'kysely';
import { formatDuration } from '../config/schema.js';
import type { Logger } from '../log.js';
import { housekeepingInterval, startPeriodic } from '../periodic.js';
import type { Database } from '../store/schema.js';
import { discardHeld } from './release.js';

export interface ExpiryOptions {
  /** The spool's node name (`messages.node`). */
  node: string;
  /** How long a message is held; 0 keeps it until someone acts on it. */
  lifetimeMs: number;
  now?: Date;
  /** Only list what would expire. */
  dryRun?: boolean;
}

export interface ExpiryResult {
  /** Messages received before this are past their lifetime. */
  cutoff: Date;
  /** The messages expired (or, in a dry run, that would be), oldest first. */
  ids: string[];
}

// Messages read per query: an expiry after a long pause (or a first run on an old quarantine)
// may find many, and each is its own short transaction.
const BATCH = 500;

/** Until when a message received at receivedAt is held (ISO time), or null when it is held until someone acts. */
export function heldUntil(receivedAt: string, lifetimeMs: number): string | null {
  return lifetimeMs > 0 ? new Date(Date.parse(receivedAt) + lifetimeMs).toISOString() : null;
}

/** Expires this node's quarantined messages received more than the lifetime ago. */
export async function expireQuarantine(db: Kysely<Database>, opts: ExpiryOptions): Promise<ExpiryResult> {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - opts.lifetimeMs);
  const ids: string[] = [];
  if (opts.lifetimeMs <= 0) return { cutoff, ids };
  const reason = `quarantine lifetime of ${formatDuration(opts.lifetimeMs)} over: discarded unreleased`;
  // Keyset over (received_at, id): a message released meanwhile, or one discarded by someone else,
  // is passed over rather than read again.
  let after: { at: string; id: string } | null = null;
  for (;;) {
    let q = db
      .selectFrom('messages')
      .select(['id', 'received_at'])
      .where('status', '=', 'quarantined')
      .where('node', '=', opts.node)
      .where('received_at', '<', cutoff.toISOString());
    if (after) {
      const a: { at: string; id: string } = after;
      q = q.where((eb) => eb.or([eb('received_at', '>', a.at), eb.and([eb('received_at', '=', a.at), eb('id', '>', a.id)])]));
    }
    const rows = await q.orderBy('received_at').orderBy('id').limit(BATCH).execute();
    for (const r of rows) {
      if (opts.dryRun || (await discardHeld(db, r.id, { reason, now }))) ids.push(r.id);
    }
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1]!;
    after = { at: last.received_at, id: last.id };
  }
  return { cutoff, ids };
}

/** The gateway's job: the expiry at start and every housekeepingInterval (startPeriodic). */
export function startQuarantineExpiry(o: { db: Kysely<Database>; node: string; lifetimeMs: number; log: Logger }): (graceMs: number) => Promise<void> {
  if (o.lifetimeMs <= 0) return async () => {};
  return startPeriodic({
    what: 'quarantine expiry',
    intervalMs: housekeepingInterval(o.lifetimeMs),
    log: o.log,
    run: async () => {
      const r = await expireQuarantine(o.db, { node: o.node, lifetimeMs: o.lifetimeMs });
      if (r.ids.length) o.log.info({ count: r.ids.length, received_before: r.cutoff.toISOString(), lifetime: formatDuration(o.lifetimeMs) }, 'quarantined messages expired');
    },
  });
}
