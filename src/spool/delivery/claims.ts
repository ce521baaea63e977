// Claiming due recipients so that exactly one engine delivers each at a time. A claim is the
// engine's token in claimed_by plus next_attempt_at pushed out by a lease that the engine renews
// while it works; a crashed engine's claims are taken back at once when its process is gone, or
// when the lease runs out.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export const LEASE_MS = 120_000;

export interface Claimed {
  id: number;
  message_id: string;
  address: string;
  attempts: number;
}

// Tokens of the engines alive in this process: a dead process with our pid (pid 1 in a
// container after a restart) is recognised by its token not being one of these.
const liveTokens = new Set<string>();

export function newToken(node: string): string {
  const t = `${node}/${process.pid}/${randomBytes(4).toString('hex')}`;
  liveTokens.add(t);
  return t;
}

export function retireToken(token: string): void {
  liveTokens.delete(token);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the engine that owns the token certainly no longer runs (same node only). */
export function tokenIsDead(token: string, node: string): boolean {
  const m = /^(.*)\/(\d+)\/[0-9a-f]+$/.exec(token);
  if (!m || m[1] !== node) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return !liveTokens.has(token);
  return !pidAlive(pid);
}

/** Atomically takes up to limit due recipients of this node's queued messages. */
export async function claimDue(db: Kysely<Database>, node: string, token: string, now: Date, limit: number): Promise<Claimed[]> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  // The outer conditions repeat the inner ones: on PostgreSQL a concurrent claimer blocked on the
  // same rows re-checks them after our commit and skips what we took.
  return db
    .updateTable('message_recipients')
    .set({ claimed_by: token, next_attempt_at: until })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('message_recipients as mr')
        .innerJoin('messages as m', 'm.id', 'mr.message_id')
        .select('mr.id')
        .where('m.node', '=', node)
        .where('m.status', '=', 'queued')
        .where('mr.status', 'in', ['queued', 'deferred'])
        .where('mr.next_attempt_at', '<=', at)
        .orderBy('mr.next_attempt_at')
        .orderBy('mr.message_id')
        .limit(limit),
    )
    .where('status', 'in', ['queued', 'deferred'])
    .where('next_attempt_at', '<=', at)
    .returning(['id', 'message_id', 'address', 'attempts'])
    .execute();
}

/** Keeps this engine's claims from expiring while it works on them. */
export async function renewClaims(db: Kysely<Database>, token: string, now: Date): Promise<void> {
  await db
    .updateTable('message_recipients')
    .set({ next_attempt_at: new Date(now.getTime() + LEASE_MS).toISOString() })
    .where('claimed_by', '=', token)
    .where('status', 'in', ['queued', 'deferred'])
    .execute();
}

/** Gives claims back unattempted (shutdown, or a dead engine's leftovers): due again now. */
export async function dropClaims(db: Kysely<Database>, token: string, now: Date, ids?: number[]): Promise<number> {
  let q = db.updateTable('message_recipients').set({ claimed_by: null, next_attempt_at: now.toISOString() }).where('claimed_by', '=', token);
  if (ids) {
    if (!ids.length) return 0;
    q = q.where('id', 'in', ids);
  }
  const res = await q.where('status', 'in', ['queued', 'deferred']).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Takes back the claims of engines of this node whose process is gone. Returns how many. */
export async function recoverStaleClaims(db: Kysely<Database>, node: string, now: Date): Promise<number> {
  const tokens = await db
    .selectFrom('message_recipients')
    .select('claimed_by')
    .distinct()
    .where('claimed_by', 'like', `${node}/%`)
    .where('status', 'in', ['queued', 'deferred'])
    .execute();
  let n = 0;
  for (const { claimed_by } of tokens) if (claimed_by && tokenIsDead(claimed_by, node)) n += await dropClaims(db, claimed_by, now);
  return n;
}
