// The DNS the readiness checks need, injected: MX records with their TTLs (Node's resolver does
// not report MX TTLs, so this speaks DNS itself through dns2) and TXT records.
import { getServers } from 'node:dns';
import DNS from 'dns2';

export interface MxRecord {
  exchange: string;
  priority: number;
  ttl: number;
}

export type DnsAnswer<T> = { ok: true; records: T[] } | { ok: false; error: string };

export interface MigrationResolver {
  mx(name: string): Promise<DnsAnswer<MxRecord>>;
  /** Each TXT record's strings joined, as SPF reads them. */
  txt(name: string): Promise<DnsAnswer<string>>;
}

const RCODES: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

/** A resolver asking the given servers ("host" or "host:port"); the system's when none is given. */
export function dnsResolver(servers: string[], timeoutMs = 5000): MigrationResolver {
  const targets = (servers.length ? servers : systemServers()).map(parseServer);
  async function query(name: string, type: 'MX' | 'TXT'): Promise<{ ok: true; answers: DNS.Packet.Resource[] } | { ok: false; error: string }> {
    let last = 'no DNS server configured';
    for (const t of targets) {
      try {
        const res = await DNS.UDPClient({ dns: t.host, port: t.port, timeout: timeoutMs })(name, type);
        const rcode = res.header.rcode;
        if (rcode === 3) return { ok: true, answers: [] };
        if (rcode) {
          last = `${type} lookup of ${name}: ${RCODES[rcode] ?? `rcode ${rcode}`}`;
          continue;
        }
        return { ok: true, answers: res.answers.filter((a) => a.type === DNS.Packet.TYPE[type]) };
      } catch (err) {
        last = `${type} lookup of ${name}: ${(err as Error).message}`;
      }
    }
    return { ok: false, error: last };
  }
  return {
    async mx(name) {
      const r = await query(name, 'MX');
      if (!r.ok) return r;
      return { ok: true, records: r.answers.map((a) => ({ exchange: String(a.exchange ?? '').toLowerCase().replace(/\.$/, ''), priority: Number(a.priority), ttl: a.ttl })) };
    },
    async txt(name) {
      const r = await query(name, 'TXT');
      if (!r.ok) return r;
      return { ok: true, records: r.answers.map((a) => String(a.data ?? '')) };
    },
  };
}

function parseServer(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return { host: s, port: 53 };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

function systemServers(): string[] {
  return getServers().map((s) => (s.includes(':') && !s.startsWith('[') && s.split(':').length > 2 ? `[${s}]` : s));
}
