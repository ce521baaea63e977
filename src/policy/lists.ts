// Allow and block list entries: a sender address, a sender domain (matching its subdomains too)
// or a client IP / CIDR range. Parsing names what is wrong; matching is pure.
import ipaddr from 'ipaddr.js';

export type ListKind = 'address' | 'domain' | 'ip';
export type ListName = 'allow' | 'block';

export interface ListEntry {
  domain: string;
  list: ListName;
  kind: ListKind;
  value: string;
}

export class ListValueError extends Error {
  override name = 'ListValueError';
}

/** Normalises a list value and finds its kind: user@dom, dom (or @dom), 192.0.2.1, 2001:db8::/32. */
export function parseListValue(raw: string): { kind: ListKind; value: string } {
  const v = raw.trim().toLowerCase();
  if (!v) throw new ListValueError('empty list value');
  if (ipaddr.isValid(v)) return { kind: 'ip', value: ipaddr.process(v).toString() };
  if (v.includes('/')) {
    try {
      const [addr, bits] = ipaddr.parseCIDR(v);
      return { kind: 'ip', value: `${addr.toString()}/${bits}` };
    } catch {
      throw new ListValueError(`${raw}: not a valid CIDR range`);
    }
  }
  const at = v.lastIndexOf('@');
  if (at > 0) {
    if (!/^[^\s@]+@[a-z0-9.-]+\.[a-z0-9-]+$/.test(v)) throw new ListValueError(`${raw}: not a valid address`);
    return { kind: 'address', value: v };
  }
  const dom = at === 0 ? v.slice(1) : v;
  if (!/^([a-z0-9-]+\.)+[a-z0-9-]+$/.test(dom)) throw new ListValueError(`${raw}: not an address, domain, IP address or CIDR range`);
  return { kind: 'domain', value: dom };
}

export interface ListSubject {
  /** Envelope sender and header From address (lower-case); either may be empty. */
  senders: string[];
  clientIp: string;
}

/** The first entry that matches, or null. */
export function matchEntry(entries: readonly ListEntry[], s: ListSubject): ListEntry | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6 | null = null;
  try {
    ip = ipaddr.process(s.clientIp);
  } catch {
    ip = null;
  }
  for (const e of entries) {
    if (e.kind === 'address' && s.senders.includes(e.value)) return e;
    if (e.kind === 'domain' && s.senders.some((a) => domainMatches(a.slice(a.lastIndexOf('@') + 1), e.value))) return e;
    if (e.kind === 'ip' && ip && ipMatches(ip, e.value)) return e;
  }
  return null;
}

function domainMatches(domain: string, entry: string): boolean {
  return domain === entry || domain.endsWith(`.${entry}`);
}

function ipMatches(ip: ipaddr.IPv4 | ipaddr.IPv6, entry: string): boolean {
  try {
    if (!entry.includes('/')) return ip.toString() === entry;
    const range = ipaddr.parseCIDR(entry);
    return ip.kind() === range[0].kind() && ip.match(range as [never, number]);
  } catch {
    return false;
  }
}
