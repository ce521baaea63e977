// Signed, expiring one-click release links for quarantine digests: an HMAC over the message id, the
// recipient and the expiry, so a link works without login and cannot be turned into a link for
// another message or another recipient.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LinkClaims {
  id: string;
  rcpt: string;
  /** Expiry, ms since epoch. */
  exp: number;
}

/** The configured secret, or one generated once into data_dir. */
export function loadSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'web-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const s = randomBytes(32).toString('base64url');
    writeFileSync(file, s + '\n', { mode: 0o600, flag: 'wx' });
    return readFileSync(file, 'utf8').trim();
  }
}

export class LinkSigner {
  private readonly key: Buffer;
  constructor(secret: string) {
    // A purpose-specific key, so a signature made here means nothing anywhere else.
    this.key = createHmac('sha256', secret).update('rampart quarantine release link v1').digest();
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }

  sign(c: LinkClaims): string {
    const payload = Buffer.from(JSON.stringify([c.id, c.rcpt, c.exp])).toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /** The claims of a valid, unexpired token; null for anything else. */
  verify(token: string, now: Date): LinkClaims | null {
    const m = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const expected = this.mac(m[1]!);
    const given = Buffer.from(m[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const [id, rcpt, exp] = JSON.parse(Buffer.from(m[1]!, 'base64url').toString()) as [unknown, unknown, unknown];
      if (typeof id !== 'string' || typeof rcpt !== 'string' || typeof exp !== 'number') return null;
      if (exp <= now.getTime()) return null;
      return { id, rcpt, exp };
    } catch {
      return null;
    }
  }
}
