// Local IP and network allow/block lists (IPv4 and IPv6, CIDR or single addresses), matched with
// ipaddr.js; IPv4-mapped IPv6 clients match IPv4 entries.
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export class IpList {
  private ranges: { range: Range; text: string }[] = [];

  /** Throws naming the entry when one is not an address or CIDR. */
  constructor(entries: readonly string[], what = 'list') {
    for (const text of entries) this.ranges.push({ range: parseEntry(text, what), text });
  }

  get size(): number {
    return this.ranges.length;
  }

  /** The first entry containing ip, or null. */
  match(ip: string): string | null {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(ip);
    } catch {
      return null;
    }
    for (const { range, text } of this.ranges) {
      if (range[0].kind() === addr.kind() && addr.match(range as any)) return text;
    }
    return null;
  }
}

export function parseEntry(text: string, what = 'list'): Range {
  const t = text.trim();
  try {
    if (t.includes('/')) {
      const [a, bits] = ipaddr.parseCIDR(t);
      return [a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a, a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? bits - 96 : bits];
    }
    const a = ipaddr.process(t);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(`${what}: "${text}" is not an IP address or CIDR network`);
  }
}

/** True when text is a valid list entry. */
export function isIpEntry(text: string): boolean {
  try {
    parseEntry(text);
    return true;
  } catch {
    return false;
  }
}
