// An in-process authoritative DNS server for tests (dns2 over UDP and TCP on 127.0.0.1): serves
// fixture zones, records the queries it was asked, and can be told to time out or fail on names.
import dns2 from 'dns2';
import { Resolver } from 'node:dns/promises';

const { Packet } = dns2;

export type ZoneRecord =
  | { type: 'A' | 'AAAA'; address: string; ttl?: number }
  | { type: 'MX'; exchange: string; priority: number; ttl?: number }
  | { type: 'TXT'; data: string | string[]; ttl?: number }
  | { type: 'PTR' | 'CNAME' | 'NS'; domain: string; ttl?: number };

/** Names (lower-case, no trailing dot) → their records. */
export type Zone = Record<string, ZoneRecord[]>;

export interface DnsFixture {
  port: number;
  /** "127.0.0.1:PORT", for config dns.servers. */
  address: string;
  queries: { name: string; type: string }[];
  zone: Zone;
  /** Names whose queries get no answer at all (the client times out). */
  timeout: Set<string>;
  /** Names answered with SERVFAIL. */
  servfail: Set<string>;
  resolver(timeoutMs?: number): Resolver;
  close(): Promise<void>;
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Packet.TYPE).map(([k, v]) => [v as number, k]));

/** Splits a long TXT value into the 255-byte character strings DNS requires. */
export function splitTxt(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [''];
}

function toAnswer(name: string, r: ZoneRecord): Record<string, unknown> {
  const base = { name, class: Packet.CLASS.IN, ttl: r.ttl ?? 300 };
  switch (r.type) {
    case 'A':
      return { ...base, type: Packet.TYPE.A, address: r.address };
    case 'AAAA':
      return { ...base, type: Packet.TYPE.AAAA, address: r.address };
    case 'MX':
      return { ...base, type: Packet.TYPE.MX, exchange: r.exchange, priority: r.priority };
    case 'TXT':
      return { ...base, type: Packet.TYPE.TXT, data: Array.isArray(r.data) ? r.data : splitTxt(r.data) };
    case 'PTR':
      return { ...base, type: Packet.TYPE.PTR, domain: r.domain };
    case 'CNAME':
      return { ...base, type: Packet.TYPE.CNAME, domain: r.domain };
    case 'NS':
      return { ...base, type: Packet.TYPE.NS, ns: r.domain };
  }
}

export async function startDnsServer(zone: Zone = {}): Promise<DnsFixture> {
  const fixture = { queries: [] as { name: string; type: string }[], zone, timeout: new Set<string>(), servfail: new Set<string>() };
  const create = () =>
    dns2.createServer({
      udp: true,
      tcp: true,
      handle: (request: any, send: (r: unknown) => void) => {
        const response = Packet.createResponseFromRequest(request);
        const [q] = request.questions;
        const name = String(q.name).toLowerCase().replace(/\.$/, '');
        const type = TYPE_NAMES[q.type] ?? String(q.type);
        fixture.queries.push({ name, type });
        if (fixture.timeout.has(name)) return;
        if (fixture.servfail.has(name)) {
          response.header.rcode = 2;
          return send(response);
        }
        const records = fixture.zone[name];
        if (!records) {
          response.header.rcode = 3; // NXDOMAIN
          return send(response);
        }
        for (const r of records) {
          if (r.type === type || (r.type === 'CNAME' && type !== 'CNAME')) response.answers.push(toAnswer(q.name, r) as any);
        }
        send(response);
      },
    } as any);
  // UDP and TCP on the same port, so a truncated answer can be retried over TCP. A port taken by
  // another process shows up as an 'error' event (dns2's listen() never settles then): try another.
  let server = create();
  let port = 0;
  for (let attempt = 0; attempt < 20 && !port; attempt++) {
    const candidate = 20000 + Math.floor(Math.random() * 40000);
    let onError: (err: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => (onError = reject));
    server.once('error', onError);
    try {
      await Promise.race([server.listen({ udp: { port: candidate, address: '127.0.0.1' }, tcp: { port: candidate, address: '127.0.0.1' } }), failed]);
      server.off('error', onError);
      port = candidate;
    } catch {
      server.removeAllListeners('error');
      server.on('error', () => {});
      await Promise.race([server.close().catch(() => {}), new Promise((r) => setTimeout(r, 200))]);
      server = create();
    }
  }
  if (!port) throw new Error('could not bind the test DNS server');
  return {
    ...fixture,
    port,
    address: `127.0.0.1:${port}`,
    resolver(timeoutMs = 1000) {
      const r = new Resolver({ timeout: timeoutMs, tries: 1 });
      r.setServers([`127.0.0.1:${port}`]);
      return r;
    },
    close: () => server.close(),
  };
}
