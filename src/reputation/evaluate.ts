// One IP against the local lists and every configured DNSBL zone: the listings with their scores,
// the total, and the lookups that failed. Used at SMTP time and by the scoring analyzer.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { DnsResolve } from '../scan/types.js';
import type { ReputationConfig } from './config.js';
import { dnsblQuery, reverseIp, TtlCache, type DnsblAnswer } from './dnsbl.js';
import { IpList } from './ip-list.js';

export interface DnsblHit {
  zone: string;
  code: string;
  score: number;
  meaning: string;
}

export type IpVerdict =
  | { kind: 'allowed'; entry: string }
  | { kind: 'blocked'; entry: string }
  | { kind: 'scored'; hits: DnsblHit[]; total: number; errors: { zone: string; reason: string }[] };

/** Config lists plus the ip_list_entries table, re-read at most every refreshMs. */
export class IpLists {
  private allow: IpList;
  private block: IpList;
  private tableAllow = new IpList([]);
  private tableBlock = new IpList([]);
  private loadedAt = -Infinity;
  private loading: Promise<void> | null = null;

  constructor(cfg: ReputationConfig, private db: Kysely<Database> | null, private now: () => number = Date.now, private refreshMs = 30_000) {
    this.allow = new IpList(cfg.allow, 'scan.analyzers.reputation.allow');
    this.block = new IpList(cfg.block, 'scan.analyzers.reputation.block');
  }

  private async refresh(): Promise<void> {
    if (!this.db || this.now() - this.loadedAt < this.refreshMs) return;
    this.loading ??= (async () => {
      const rows = await this.db!.selectFrom('ip_list_entries').select(['network', 'list']).execute();
      // Entries are validated on insert; a bad row is skipped rather than breaking every connection.
      const keep = (l: string) => rows.filter((r) => r.list === l).map((r) => r.network).filter((n) => { try { new IpList([n]); return true; } catch { return false; } });
      this.tableAllow = new IpList(keep('allow'));
      this.tableBlock = new IpList(keep('block'));
      this.loadedAt = this.now();
    })().finally(() => (this.loading = null));
    await this.loading;
  }

  async classify(ip: string): Promise<{ list: 'allow' | 'block'; entry: string } | null> {
    await this.refresh();
    const a = this.allow.match(ip) ?? this.tableAllow.match(ip);
    if (a) return { list: 'allow', entry: a };
    const b = this.block.match(ip) ?? this.tableBlock.match(ip);
    if (b) return { list: 'block', entry: b };
    return null;
  }
}

export class IpReputation {
  private cache: TtlCache<DnsblAnswer>;
  readonly lists: IpLists;

  constructor(private cfg: ReputationConfig, private resolve: DnsResolve, db: Kysely<Database> | null, now: () => number = Date.now) {
    this.cache = new TtlCache(cfg.cache_seconds * 1000, 10_000, now);
    this.lists = new IpLists(cfg, db, now);
  }

  async evaluate(ip: string): Promise<IpVerdict> {
    const listed = await this.lists.classify(ip);
    if (listed?.list === 'allow') return { kind: 'allowed', entry: listed.entry };
    if (listed?.list === 'block') return { kind: 'blocked', entry: listed.entry };
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
