// One IP against the lists and every configured DNSBL zone: the list entry that decides, or the
// DNSBL listings with their scores, the total, and the lookups that failed. Used at SMTP time and
// by the scoring analyzer. The lists are the one list model (scan_lists, src/policy/lists.ts):
// their IP entries, global and per domain, plus scan.analyzers.reputation.allow/block as global
// entries; read through a cache, never per connection.
import type { Kysely } from 'kysely';
import { matchEntry, parseListValue, type ListEntry, type ListName } from '../policy/lists.js';
import { GLOBAL } from '../policy/snapshot.js';
import { Cached } from '../store/cached.js';
import type { Database } from '../store/schema.js';
import type { DnsResolve } from '../scan/types.js';
import type { ReputationConfig } from './config.js';
import { dnsblQuery, reverseIp, TtlCache, type DnsblAnswer } from './dnsbl.js';

export interface DnsblHit {
  zone: string;
  code: string;
  score: number;
  meaning: string;
}

export type DnsblVerdict = { kind: 'scored'; hits: DnsblHit[]; total: number; errors: { zone: string; reason: string }[] };

export type IpVerdict = { kind: 'allowed'; entry: string; domain: string } | { kind: 'blocked'; entry: string; domain: string } | DnsblVerdict;

export interface ListHit {
  list: ListName;
  entry: ListEntry;
}

type Split = { allow: ListEntry[]; block: ListEntry[] };

export interface IpListsOptions {
  /** How long the table entries are served from memory (the gateway uses smtp.directory_refresh). */
  refreshMs?: number;
  now?: () => number;
  onStaleError?: (err: unknown) => void;
}

const NONE: Split = { allow: [], block: [] };

/** The IP entries of the lists by domain ('*' global), the config's entries counted as global. */
export class IpLists {
  private readonly lists: Cached<Map<string, Split>> | Map<string, Split>;

  constructor(cfg: Pick<ReputationConfig, 'allow' | 'block'>, db: Kysely<Database> | null, opts: IpListsOptions = {}) {
    // The config's entries head the global lists; the config schema already refused anything that
    // is not an IP or network.
    const withConfig = (): Map<string, Split> => {
      const global: Split = { allow: [], block: [] };
      for (const list of ['allow', 'block'] as const) for (const raw of cfg[list]) global[list].push({ domain: GLOBAL, list, ...parseListValue(raw) });
      return new Map([[GLOBAL, global]]);
    };
    this.lists = db
      ? new Cached(async () => {
          const rows = await db.selectFrom('scan_lists').select(['domain', 'list', 'kind', 'value']).where('kind', '=', 'ip').orderBy('id').execute();
          const out = withConfig();
          for (const r of rows) {
            if (r.list !== 'allow' && r.list !== 'block') continue;
            let s = out.get(r.domain);
            if (!s) out.set(r.domain, (s = { allow: [], block: [] }));
            s[r.list].push({ domain: r.domain, list: r.list, kind: 'ip', value: r.value });
          }
          return out;
        }, { refreshMs: opts.refreshMs ?? 5000, now: opts.now, onStaleError: opts.onStaleError })
      : withConfig();
  }

  private all(): Promise<Map<string, Split>> {
    return this.lists instanceof Map ? Promise.resolve(this.lists) : this.lists.get();
  }

  /** The entry of the domain's lists ('*': the global ones) naming ip; a block entry beats an allow one. */
  async classify(ip: string, domain: string = GLOBAL): Promise<ListHit | null> {
    const s = (await this.all()).get(domain) ?? NONE;
    const subject = { senders: [], clientIp: ip };
    const block = matchEntry(s.block, subject);
    if (block) return { list: 'block', entry: block };
    const allow = matchEntry(s.allow, subject);
    return allow ? { list: 'allow', entry: allow } : null;
  }

  /** True when some protected domain's own allow list names ip. */
  async allowedByAnyDomain(ip: string): Promise<boolean> {
    for (const [domain, s] of await this.all()) if (domain !== GLOBAL && matchEntry(s.allow, { senders: [], clientIp: ip })) return true;
    return false;
  }
}

export class IpReputation {
  private cache: TtlCache<DnsblAnswer>;
  readonly lists: IpLists;

  constructor(private cfg: ReputationConfig, private resolve: DnsResolve, db: Kysely<Database> | null, now: () => number = Date.now, listOpts: IpListsOptions = {}) {
    this.cache = new TtlCache(cfg.cache_seconds * 1000, 10_000, now);
    this.lists = new IpLists(cfg, db, { now, ...listOpts });
  }

  /** The global lists (block beats allow), then the DNSBLs when neither names the IP. */
  async evaluate(ip: string): Promise<IpVerdict> {
    const listed = await this.lists.classify(ip);
    if (listed) return { kind: listed.list === 'allow' ? 'allowed' : 'blocked', entry: listed.entry.value, domain: listed.entry.domain };
    return this.dnsbl(ip);
  }

  /** Every configured DNSBL zone for ip (answers cached for cache_seconds). */
  async dnsbl(ip: string): Promise<DnsblVerdict> {
    let rev: string;
    try {
      rev = reverseIp(ip);
    } catch {
      return { kind: 'scored', hits: [], total: 0, errors: [] };
    }
    const answers = await Promise.all(
      this.cfg.dnsbl.map(async (z) => {
        const key = `${rev}.${z.zone}`;
        let a = this.cache.get(key);
        if (!a) {
          a = await dnsblQuery(this.resolve, key);
          // Errors are not cached: the next connection asks again.
          if (a.kind !== 'error') this.cache.set(key, a);
        }
        return { z, a };
      }),
    );
    const hits: DnsblHit[] = [];
    const errors: { zone: string; reason: string }[] = [];
    for (const { z, a } of answers) {
      if (a.kind === 'error') errors.push({ zone: z.zone, reason: a.reason });
      if (a.kind !== 'listed') continue;
      // Several codes from one zone count once, with the highest score.
      const best = a.codes
        .map((code) => ({ zone: z.zone, code, score: z.codes[code]?.score ?? z.default_score, meaning: z.codes[code]?.meaning || z.default_meaning }))
        .sort((x, y) => y.score - x.score)[0]!;
      hits.push(best);
    }
    return { kind: 'scored', hits, total: hits.reduce((s, h) => s + h.score, 0), errors };
  }
}
