// Allow and block list entries: a sender address, a sender domain (matching its subdomains too)
// or a client IP / CIDR network. One list model for the whole gateway: the scan policy matches
// entries at the end of DATA, the connection check matches the IP entries at connect and RCPT.
// Parsing is strict and names what is wrong; matching is pure.
import ipaddr from 'ipaddr.js';

export type ListKind = 'address' | 'domain' | 'ip';
export type ListName = 'allow' | 'block';

export interface ListEntry {
  /** Whose list: '*' (global), a protected domain, or a mailbox address (its owner's personal list). */
  domain: string;
  list: ListName;
  kind: ListKind;
  value: string;
}

export class ListValueError extends Error {
  override name = 'ListValueError';
}

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * An IP address or CIDR network in canonical text, or null when it is not one: IPv4 only as four
 * decimal parts (no 127.1, 0x7f.0.0.1 or 2130706433), IPv6 in RFC 5952 form, IPv4-mapped IPv6 as
 * IPv4, host bits of a network cleared (10.1.2.3/8 → 10.0.0.0/8), /32 and /128 as the address.
 */
export function normaliseIp(raw: string): string | null {
  const t = raw.trim().toLowerCase();
  const slash = t.indexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const bitsText = slash < 0 ? null : t.slice(slash + 1);
  let addr: Addr;
  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) addr = ipaddr.IPv4.parse(addrText);
  else if (addrText.includes(':') && !addrText.includes('%') && ipaddr.IPv6.isValid(addrText)) addr = ipaddr.IPv6.parse(addrText);
  else return null;
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (bitsText !== null) {
    if (!/^\d{1,3}$/.test(bitsText)) return null;
    bits = Number(bitsText);
    if (bits > max) return null;
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const full = addr.kind() === 'ipv4' ? 32 : 128;
  if (bits === full) return addr.toString();
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}

/** True when text is an IP address or CIDR network normaliseIp accepts. */
export function isIpValue(text: string): boolean {
  return normaliseIp(text) !== null;
}

/** Normalises a list value and finds its kind: user@dom, dom (or @dom), 192.0.2.1, 2001:db8::/32. */
export function parseListValue(raw: string): { kind: ListKind; value: string } {
  const v = raw.trim().toLowerCase();
  if (!v) throw new ListValueError('empty list value');
  const ip = normaliseIp(v);
  if (ip) return { kind: 'ip', value: ip };
  const at = v.lastIndexOf('@');
  if (at < 0) {
    // Anything that looks like an address or a network must be a valid one, not fall through to a
    // "domain" 999.1.1.1 that would never match anything.
    const [addrPart, bits] = v.split('/', 2) as [string, string | undefined];
    if (/^[0-9.]+$/.test(addrPart)) {
      if (!ipaddr.IPv4.isValidFourPartDecimal(addrPart)) throw new ListValueError(`"${raw.trim()}" is not a valid IPv4 address (four numbers 0-255, e.g. 192.0.2.1)`);
      throw new ListValueError(`"${raw.trim()}" is not a valid CIDR network (prefix length ${bits ?? ''} is not 0-32)`);
    }
    if (addrPart.includes(':')) {
      if (!ipaddr.IPv6.isValid(addrPart) || addrPart.includes('%')) throw new ListValueError(`"${raw.trim()}" is not a valid IPv6 address`);
      throw new ListValueError(`"${raw.trim()}" is not a valid CIDR network (prefix length ${bits ?? ''} is not 0-128)`);
    }
    if (v.includes('/')) throw new ListValueError(`"${raw.trim()}" is not a valid CIDR network`);
  }
  if (at > 0) {
    if (!isAddress(v)) throw new ListValueError(`"${raw.trim()}" is not a valid address`);
    return { kind: 'address', value: v };
  }
  const dom = at === 0 ? v.slice(1) : v;
  if (!/^([a-z0-9-]+\.)+[a-z0-9-]*[a-z-][a-z0-9-]*$/.test(dom)) throw new ListValueError(`"${raw.trim()}" is not an address, domain, IP address or CIDR network`);
  return { kind: 'domain', value: dom };
}

/** A lower-cased mail address as list values and personal lists' scopes are written. */
export const isAddress = (v: string): boolean => /^[^\s@]+@([a-z0-9-]+\.)+[a-z0-9-]*[a-z-][a-z0-9-]*$/.test(v);

export interface ListSubject {
  /** Envelope sender and header From address (lower-case); either may be empty. */
  senders: string[];
  clientIp: string;
}

/** The first entry that matches, or null. */
export function matchEntry(entries: readonly ListEntry[], s: ListSubject): ListEntry | null {
  let ip: Addr | null = null;
  try {
    ip = s.clientIp ? ipaddr.process(s.clientIp) : null;
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

// Parsed IP entries, so a connection check over a long list does not re-parse every value.
const ranges = new Map<string, [Addr, number] | null>();

function rangeOf(entry: string): [Addr, number] | null {
  let r = ranges.get(entry);
  if (r !== undefined) return r;
  const norm = normaliseIp(entry);
  if (!norm) r = null;
  else if (norm.includes('/')) r = ipaddr.parseCIDR(norm) as [Addr, number];
  else {
    const a = ipaddr.parse(norm);
    r = [a, a.kind() === 'ipv4' ? 32 : 128];
  }
  if (ranges.size > 50_000) ranges.clear();
  ranges.set(entry, r);
  return r;
}

function ipMatches(ip: Addr, entry: string): boolean {
  const range = rangeOf(entry);
  return range !== null && ip.kind() === range[0].kind() && ip.match(range as [never, number]);
}
