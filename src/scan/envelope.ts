// The envelope a scan is given by hand — `rampart scan`'s --ip/--from/--helo/--rcpt and the scan
// daemon's X-Rampart-* request headers — checked the same way for both, each error naming the
// field as its caller spells it. (Over SMTP the envelope comes from the session, already checked.)
import { normaliseIp } from '../policy/lists.js';
import type { Envelope } from './types.js';

export interface EnvelopeInput {
  ip?: string | undefined;
  from?: string | undefined;
  helo?: string | undefined;
  rcpt?: readonly string[] | undefined;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** local@domain, with nothing around it (one pair of angle brackets is taken off first). */
const MAILBOX = /^[^\s@<>,;]+@[^\s@<>,;]+$/;
const unbracket = (s: string): string => (s.startsWith('<') && s.endsWith('>') ? s.slice(1, -1) : s);

export function checkEnvelope(input: EnvelopeInput, names: Record<keyof EnvelopeInput, string>): Envelope {
  const ip = input.ip?.trim() || '127.0.0.1';
  const clientIp = normaliseIp(ip);
  if (!clientIp || clientIp.includes('/')) throw new EnvelopeError(`${names.ip}: ${JSON.stringify(ip)} is not an IP address`);
  const mailFrom = unbracket(input.from?.trim() ?? '');
  if (mailFrom && !MAILBOX.test(mailFrom)) throw new EnvelopeError(`${names.from}: ${JSON.stringify(mailFrom)} is not an address (local@domain, or empty for the null sender)`);
  const helo = input.helo?.trim() || null;
  if (helo && /[\s<>]/.test(helo)) throw new EnvelopeError(`${names.helo}: ${JSON.stringify(helo)} is not a host name or address literal`);
  const rcptTo = (input.rcpt ?? []).map((r) => unbracket(r.trim()).toLowerCase()).filter(Boolean);
  for (const r of rcptTo) if (!MAILBOX.test(r)) throw new EnvelopeError(`${names.rcpt}: ${JSON.stringify(r)} is not an address (local@domain)`);
  return { clientIp, clientHostname: null, helo, tls: false, mailFrom, rcptTo };
}
