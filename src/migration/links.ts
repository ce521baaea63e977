// Signed, expiring acknowledgement links: the token carries one notice's random nonce and its
// expiry, authenticated with HMAC-SHA256 under a key from the configuration or the data directory.
// A nonce rather than the row id lets the link be written before the notice row exists.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class LinkSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 16) throw new Error('link key must be at least 16 bytes');
  }

  /** A fresh random nonce for a notice (22 URL-safe characters). */
  static nonce(): string {
    return randomBytes(16).toString('base64url');
  }

  /** A token for acknowledging the notice with this nonce, valid until `expires`. */
  sign(nonce: string, expires: Date): string {
    const exp = Math.floor(expires.getTime() / 1000);
    return `${nonce}.${exp}.${this.mac(nonce, exp)}`;
  }

  /** The notice's nonce when the token is authentic and unexpired; otherwise why not. */
  verify(token: string, now: Date): { ok: true; nonce: string } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' } {
    const m = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const nonce = m[1]!;
    const exp = Number(m[2]);
    const expected = Buffer.from(this.mac(nonce, exp));
    const given = Buffer.from(m[3]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
    if (now.getTime() / 1000 > exp) return { ok: false, reason: 'expired' };
    return { ok: true, nonce };
  }

  private mac(nonce: string, exp: number): string {
    return createHmac('sha256', this.key).update(`migration-ack:${nonce}:${exp}`).digest('base64url');
  }
}

/**
 * The link key: derived from `secret` when the configuration has one, otherwise a random key kept
 * in data_dir/migration-link.key (created on first use, readable by the owner only).
 */
export function loadLinkKey(opts: { secret?: string; dataDir: string }): Buffer {
  if (opts.secret) return createHmac('sha256', opts.secret).update('rampart migration links').digest();
  const file = path.join(opts.dataDir, 'migration-link.key');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    mkdirSync(opts.dataDir, { recursive: true });
    const key = randomBytes(32);
    try {
      writeFileSync(file, key.toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
      chmodSync(file, 0o600);
      return key;
    } catch {
      // Another process created it first: use theirs so links stay valid across processes.
      return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    }
  }
}
