// Console sessions and login throttling. The cookie holds a random token; the database keeps only
// its SHA-256, with the session's CSRF token and expiry.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { verifyPassword } from './passwords.js';

export const SESSION_COOKIE = 'rampart_session';
export const SESSION_TTL_MS = 12 * 3_600_000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(db: Kysely<Database>, userId: number, now: Date): Promise<{ token: string; csrf: string; expires: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expires = new Date(now.getTime() + SESSION_TTL_MS);
  await db.insertInto('sessions').values({ id: hash(token), user_id: userId, csrf, created_at: now.toISOString(), expires_at: expires.toISOString() }).execute();
  // Expired sessions of anyone are swept here rather than by a timer.
  await db.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).execute();
  return { token, csrf, expires };
}

export async function findSession(db: Kysely<Database>, token: string, now: Date): Promise<{ id: string; userId: number; csrf: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const s = await db.selectFrom('sessions').select(['id', 'user_id', 'csrf', 'expires_at']).where('id', '=', hash(token)).executeTakeFirst();
  if (!s || s.expires_at <= now.toISOString()) return undefined;
  return { id: s.id, userId: s.user_id, csrf: s.csrf };
}

export async function endSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', hash(token)).execute();
}

export function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a username and password; a missing user costs the same scrypt work as a wrong password. */
export async function checkCredentials(db: Kysely<Database>, username: string, password: string): Promise<number | undefined> {
  const u = await db.selectFrom('users').select(['id', 'password_hash']).where('username', '=', username.trim().toLowerCase()).executeTakeFirst();
  const ok = await verifyPassword(password, u?.password_hash ?? DUMMY_HASH);
  return u && ok ? u.id : undefined;
}
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/**
 * Failed-login throttle per username and per client address: after `max` failures within the
 * window, further attempts are refused until the window has passed. Kept in memory per node.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly now: () => Date,
    readonly max = 5,
    readonly windowMs = 15 * 60_000,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now().getTime() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  blocked(username: string, ip: string): boolean {
    return this.recent(`u:${username.toLowerCase()}`).length >= this.max || this.recent(`ip:${ip}`).length >= this.max * 4;
  }

  fail(username: string, ip: string): void {
    const t = this.now().getTime();
    for (const key of [`u:${username.toLowerCase()}`, `ip:${ip}`]) this.failures.set(key, [...this.recent(key), t]);
  }

  succeed(username: string): void {
    this.failures.delete(`u:${username.toLowerCase()}`);
  }
}
