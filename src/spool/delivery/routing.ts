// Where a recipient's mail goes: a protected domain's configured route, otherwise the smarthost
// (delivery.relay_host) or the domain's MX hosts through Rampart's own resolver. The result is an
// ordered list of hops to try, or a failure that says whether it is worth retrying.
import { isIP } from 'node:net';
import { promises as dnsPromises } from 'node:dns';
import type { Kysely } from 'kysely';
import type { RampartConfig } from '../../config/schema.js';
import type { Database, TlsMode } from '../../store/schema.js';

/** The DNS lookups delivery needs; dns.promises.Resolver fits, tests inject one aimed at a fixture server. */
export interface MxResolver {
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface Hop {
  /** Name as configured or found in MX (used for SNI and certificate checks). */
  host: string;
  port: number;
  tls: TlsMode;
  verify: boolean;
}

export type RouteResult =
  | { kind: 'hops'; source: 'route' | 'relay' | 'mx'; hops: Hop[]; key: string }
  | { kind: 'fail'; permanent: boolean; reply: string };

export function createResolver(config: RampartConfig['dns']): MxResolver {
  const r = new dnsPromises.Resolver({ timeout: config.timeout, tries: config.tries });
  if (config.servers.length) r.setServers(config.servers);
  return r;
}

/** "host", "host:port", "[v6]:port" → host and port (25 when absent). */
export function parseHostPort(spec: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`not host or host:port: ${spec}`);
  return { host: m[1]!.toLowerCase(), port: m[2] ? Number(m[2]) : 25 };
}

function hopsKey(hops: Hop[]): string {
  return hops.map((h) => `${h.host}:${h.port}:${h.tls}:${h.verify ? 1 : 0}`).join(',');
}

function dnsCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN';
}

// Absent-data answers: the name or the record type does not exist (as opposed to a lookup that failed).
const NO_DATA = new Set(['ENODATA', 'ENOTFOUND']);

export class Router {
  private readonly mxCache = new Map<string, { at: number; result: RouteResult }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: RampartConfig,
    private readonly resolver: MxResolver,
    /** Port used for MX hosts: 25 in production; tests point it at a local listener. */
    private readonly mxPort = 25,
    private readonly now: () => number = Date.now,
  ) {}

  /** Routes for many recipient domains at once: protected ones from the database, the rest by relay or MX. */
  async resolve(domains: string[]): Promise<Map<string, RouteResult>> {
    const out = new Map<string, RouteResult>();
    const unique = [...new Set(domains)];
    if (!unique.length) return out;
    const rows = await this.db
      .selectFrom('domains')
      .leftJoin('routes', 'routes.domain_id', 'domains.id')
      .select(['domains.name', 'routes.host', 'routes.port', 'routes.preference', 'routes.tls', 'routes.tls_verify', 'routes.id'])
      .where('domains.name', 'in', unique)
      .orderBy('routes.preference')
      .orderBy('routes.id')
      .execute();
    const protectedDomains = new Map<string, Hop[]>();
    for (const r of rows) {
      const hops = protectedDomains.get(r.name) ?? [];
      if (r.host) hops.push({ host: r.host, port: r.port ?? 25, tls: r.tls ?? 'opportunistic', verify: Boolean(r.tls_verify) });
      protectedDomains.set(r.name, hops);
    }
    for (const d of unique) {
      const hops = protectedDomains.get(d);
      if (hops) {
        out.set(d, hops.length ? { kind: 'hops', source: 'route', hops, key: hopsKey(hops) } : { kind: 'fail', permanent: false, reply: `4.3.5 no delivery route configured for protected domain ${d}` });
      } else {
        out.set(d, await this.external(d));
      }
    }
    return out;
  }

  private async external(domain: string): Promise<RouteResult> {
    if (this.config.delivery.relay_host) {
      const { host, port } = parseHostPort(this.config.delivery.relay_host);
      const hops: Hop[] = [{ host, port, tls: 'opportunistic', verify: false }];
      return { kind: 'hops', source: 'relay', hops, key: hopsKey(hops) };
    }
    const cached = this.mxCache.get(domain);
    if (cached && this.now() - cached.at < 60_000) return cached.result;
    const result = await this.mx(domain);
    // Failed lookups are not cached: a retry should ask again.
    if (result.kind === 'hops') this.mxCache.set(domain, { at: this.now(), result });
    return result;
  }

  private async mx(domain: string): Promise<RouteResult> {
    let records: { exchange: string; priority: number }[];
    try {
      records = await this.resolver.resolveMx(domain);
    } catch (err) {
      const code = dnsCode(err);
      if (code === 'ENOTFOUND') return { kind: 'fail', permanent: true, reply: `5.1.2 domain ${domain} does not exist (NXDOMAIN)` };
      if (code !== 'ENODATA') return { kind: 'fail', permanent: false, reply: `4.4.3 MX lookup for ${domain} failed: ${code}` };
      records = [];
    }
    if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
      return { kind: 'fail', permanent: true, reply: `5.1.10 domain ${domain} accepts no mail (null MX)` };
    }
    if (!records.length) {
      // RFC 5321 §5.1: no MX means the domain itself is the mail host, if it has an address.
      const addrs = await this.addresses(domain);
      if (addrs.kind === 'fail') return addrs.permanent ? { kind: 'fail', permanent: true, reply: `5.1.2 domain ${domain} has no MX and no address` } : addrs;
      const hops: Hop[] = [{ host: domain, port: this.mxPort, tls: 'opportunistic', verify: false }];
      return { kind: 'hops', source: 'mx', hops, key: hopsKey(hops) };
    }
    // Equal preferences are shuffled so load spreads as RFC 5321 asks.
    const sorted = records.map((r) => ({ r, k: Math.random() })).sort((a, b) => a.r.priority - b.r.priority || a.k - b.k);
    const hops: Hop[] = sorted.map(({ r }) => ({ host: r.exchange.toLowerCase().replace(/\.$/, ''), port: this.mxPort, tls: 'opportunistic', verify: false }));
    return { kind: 'hops', source: 'mx', hops, key: hopsKey(hops) };
  }

  /** Addresses of a host through Rampart's resolver (IPv4 first). */
  async addresses(host: string): Promise<{ kind: 'ok'; addrs: string[] } | { kind: 'fail'; permanent: boolean; reply: string }> {
    if (isIP(host)) return { kind: 'ok', addrs: [host] };
    if (host === 'localhost') return { kind: 'ok', addrs: ['127.0.0.1'] };
    const found: string[] = [];
    let hardMiss = true;
    let lastCode = '';
    for (const fn of [this.resolver.resolve4, this.resolver.resolve6]) {
      try {
        found.push(...(await fn.call(this.resolver, host)));
      } catch (err) {
        lastCode = dnsCode(err);
        if (!NO_DATA.has(lastCode)) hardMiss = false;
      }
    }
    if (found.length) return { kind: 'ok', addrs: found };
    return { kind: 'fail', permanent: hardMiss, reply: `${hardMiss ? '5.1.2' : '4.4.3'} cannot resolve ${host}: ${lastCode}` };
  }
}
