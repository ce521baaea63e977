// One scanning engine: parse once, run the pipeline, apply the policy. Each pool worker owns one
// (with its own store connection and resolver); tests and tools can run one in-process.
import { promises as dns } from 'node:dns';
import type { Kysely } from 'kysely';
import type { RampartConfig } from '../config/schema.js';
import { parseMessage } from '../message/parse.js';
import { decide, type Decided } from '../policy/decide.js';
import { PolicyRepository } from '../policy/repository.js';
import { PolicySnapshot } from '../policy/snapshot.js';
import type { Database } from '../store/schema.js';
import { Pipeline } from './pipeline.js';
import { StageTimer } from './timing.js';
import type { Analyzer, DnsResolve, Envelope } from './types.js';

export interface EngineOptions {
  config: Pick<RampartConfig, 'scan' | 'dns'>;
  analyzers: readonly Analyzer[];
  db: Kysely<Database> | null;
  resolve?: DnsResolve;
  now?: () => Date;
  /** How long the cached policy and domain list are used before they are read again. */
  refreshMs?: number;
}

export interface ScanRequest {
  raw: Uint8Array;
  envelope: Envelope;
  /**
   * The domain of each envelope recipient as the directory names it (canonical: ASCII, lower case),
   * in the envelope's order — the ingress knows it; when absent, each address's own domain.
   */
  rcptDomains?: string[];
  id?: string | null;
}

export function configuredResolver(cfg: RampartConfig['dns']): DnsResolve {
  const resolver = new dns.Resolver({ timeout: cfg.timeout, tries: cfg.tries });
  if (cfg.servers.length) resolver.setServers(cfg.servers);
  return (name, rrtype) => resolver.resolve(name, rrtype as 'TXT');
}

/**
 * The resolver of a local-only scan (`rampart scan --local`, like `spamassassin -L`): every lookup
 * fails at once as refused, so network tests score as unavailable instead of waiting on timeouts.
 */
export const refuseAllLookups: DnsResolve = async (name) => {
  // Without a stack trace: a message asks for dozens of lookups (SPF, DKIM keys, DMARC, every
  // URL's domain in the DNSBLs), and capturing a stack nobody reads for each was ~1 % of a scan.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const err = Object.assign(new Error(`queryRefused ${name}: network tests are off`), { code: 'EREFUSED' });
  Error.stackTraceLimit = limit;
  throw err;
};

export class ScanEngine {
  readonly pipeline: Pipeline;
  private readonly resolve: DnsResolve;
  private readonly now: () => Date;
  private cache: { at: number; policy: PolicySnapshot; domains: string[] } | null = null;
  private loading: Promise<void> | null = null;
  private offline: { policy: PolicySnapshot; domains: string[] } | null = null;
  private readonly timer = StageTimer.fromEnv();

  constructor(private readonly opts: EngineOptions) {
    this.pipeline = new Pipeline(opts.analyzers, opts.config.scan);
    this.resolve = opts.resolve ?? configuredResolver(opts.config.dns);
    this.now = opts.now ?? (() => new Date());
  }

  async scan(req: ScanRequest): Promise<Decided> {
    const timer = this.timer;
    let t = timer ? performance.now() : 0;
    const lap = (name: string) => {
      if (!timer) return;
      const now = performance.now();
      timer.add(name, now - t);
      t = now;
    };
    const state = await this.state();
    lap('state');
    const message = await parseMessage(req.raw, req.envelope, req.id ?? null);
    lap('parse');
    const protectedDomains = state.domains;
    const recipients = req.envelope.rcptTo.map((address, i) => ({ address, domain: req.rcptDomains?.[i] ?? address.slice(address.lastIndexOf('@') + 1).toLowerCase() }));
    const domains = [...new Set(recipients.map((r) => r.domain).filter(Boolean))];
    const result = await this.pipeline.run(message, { resolve: this.resolve, now: this.now, db: this.opts.db, protectedDomains, recipientDomains: domains, timer });
    lap('pipeline');
    const decided = decide({
      result,
      registry: this.pipeline.registry,
      policy: state.policy,
      envelope: req.envelope,
      fromAddress: message.from?.address ?? null,
      recipients,
      now: this.now(),
      onFailure: this.opts.config.scan.on_failure,
      raw: req.raw,
    });
    lap('decide');
    timer?.tick();
    return decided;
  }

  /** Policy and protected domains, read at most once per refresh interval (the first scan waits). */
  private async state(): Promise<{ policy: PolicySnapshot; domains: string[] }> {
    const db = this.opts.db;
    // Without a store: the default policy and no protected domains, the same objects every scan (analyzers key caches on them).
    if (!db) return (this.offline ??= { policy: new PolicySnapshot(), domains: [] });
    const stale = !this.cache || Date.now() - this.cache.at > (this.opts.refreshMs ?? 2000);
    if (stale) {
      this.loading ??= (async () => {
        try {
          const [policy, rows] = await Promise.all([new PolicyRepository(db).snapshot(), db.selectFrom('domains').select('name').execute()]);
          this.cache = { at: Date.now(), policy, domains: rows.map((r) => r.name) };
        } finally {
          this.loading = null;
        }
      })();
      // A stale copy keeps serving while it reloads; only the very first scan waits.
      if (!this.cache) await this.loading;
      else this.loading.catch(() => {});
    }
    return this.cache!;
  }
}
