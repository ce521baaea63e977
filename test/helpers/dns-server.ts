// An in-process DNS server for tests: dns2's UDP server on 127.0.0.1, port 0, answering from a
// zone given as a plain object (name → records with TTLs). It records the queries it was asked,
// and the zone can be changed while it runs. Unknown names get NXDOMAIN.
import DNS from 'dns2';

export type FixtureRecord =
  | { type: 'A'; address: string; ttl?: number }
  | { type: 'AAAA'; address: string; ttl?: number }
  | { type: 'MX'; exchange: string; priority?: number; ttl?: number }
  | { type: 'TXT'; data: string | string[]; ttl?: number }
  | { type: 'CNAME'; domain: string; ttl?: number };

export type Zone = Record<string, FixtureRecord[]>;

export interface TestDnsServer {
  /** "127.0.0.1:PORT", for Resolver#setServers or a configuration's dns.servers. */
  address: string;
  port: number;
  zone: Zone;
  queries: { name: string; type: string }[];
  close(): Promise<void>;
}

const TYPE_NAMES = Object.fromEntries(Object.entries(DNS.Packet.TYPE).map(([k, v]) => [v, k])) as Record<number, string>;

export async function startDnsServer(zone: Zone): Promise<TestDnsServer> {
  const queries: { name: string; type: string }[] = [];
  const state = { zone };
  const server = DNS.createUDPServer((request, send) => {
    const response = DNS.Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    if (!q) return void send(response);
    const name = q.name.toLowerCase().replace(/\.$/, '');
    const type = TYPE_NAMES[q.type] ?? String(q.type);
    queries.push({ name, type });
    const records = state.zone[name];
    if (!records) {
      response.header.rcode = 3;
      return void send(response);
    }
    for (const r of records) {
      if (r.type !== type && !(r.type === 'CNAME' && type !== 'CNAME')) continue;
      const base = { name: q.name, class: DNS.Packet.CLASS.IN, ttl: r.ttl ?? 300 };
      if (r.type === 'A') response.answers.push({ ...base, type: DNS.Packet.TYPE.A, address: r.address } as never);
      else if (r.type === 'AAAA') response.answers.push({ ...base, type: DNS.Packet.TYPE.AAAA, address: r.address } as never);
      else if (r.type === 'MX') response.answers.push({ ...base, type: DNS.Packet.TYPE.MX, exchange: r.exchange, priority: r.priority ?? 10 } as never);
      else if (r.type === 'TXT') response.answers.push({ ...base, type: DNS.Packet.TYPE.TXT, data: r.data } as never);
      else response.answers.push({ ...base, type: DNS.Packet.TYPE.CNAME, domain: r.domain } as never);
    }
    send(response);
  });
  await server.listen(0, '127.0.0.1');
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    get zone() {
      return state.zone;
    },
    set zone(z: Zone) {
      state.zone = z;
    },
    queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
