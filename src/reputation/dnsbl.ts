// DNS block list lookups shared by connection reputation (IP lists) and URL reputation (URI lists):
// query-name building, the lookup through the injected resolver, and answer validation.
import ipaddr from 'ipaddr.js';
import type { DnsResolve } from '../scan/types.js';

/** The reversed form used in DNSBL names: 1.2.3.4 → 4.3.2.1; IPv6 → 32 reversed nibbles. */
export function reverseIp(ip: string): string {
  const addr = ipaddr.process(ip);
  if (addr.kind() === 'ipv4') return addr.toByteArray().reverse().join('.');
  const hex = addr.toByteArray().map((b) => b.toString(16).padStart(2, '0')).join('');
  return hex.split('').reverse().join('.');
}

export type DnsblAnswer =
  | { kind: 'listed'; codes: string[] }
  | { kind: 'clean' }
  /** Timeout, SERVFAIL or an answer outside 127/8 (e.g. a list refusing an open resolver). */
  | { kind: 'error'; reason: string };

const NOT_LISTED = new Set(['ENOTFOUND', 'ENODATA']);

/** Looks up `name` (already "<reversed>.<zone>" or "<domain>.<zone>") as an A record. */
export async function dnsblQuery(resolve: DnsResolve, name: string): Promise<DnsblAnswer> {
  let answers: string[];
  try {
    answers = (await resolve(name, 'A')) as string[];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (NOT_LISTED.has(code)) return { kind: 'clean' };
    return { kind: 'error', reason: code || (err as Error).message };
  }
  if (!answers.length) return { kind: 'clean' };
  // Only 127.0.0.0/8 codes are listings; 127.255.255.x are the lists' own error codes (refused, rate limited).
  const codes = answers.filter((a) => /^127\./.test(a) && !/^127\.255\.255\./.test(a));
  if (!codes.length) return { kind: 'error', reason: `unexpected answer ${answers.join(',')}` };
  return { kind: 'listed', codes: codes.sort() };
}

/** A small TTL cache so one connection's RCPTs, and one message's URLs, ask DNS once. */
export class TtlCache<V> {
  private map = new Map<string, { at: number; value: V }>();
  constructor(private ttlMs: number, private max = 10_000, private now: () => number = Date.now) {}
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.now() - e.at > this.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, { at: this.now(), value });
  }
}
