// An in-memory copy of the directory (protected domains and recipient addresses) refreshed on a
// timer, so RCPT TO answers without a database round trip; the same rules as lookupRecipient.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Logger } from '../log.js';

export type CachedLookup = { kind: 'not_protected' } | { kind: 'unknown'; domainId: number } | { kind: 'accepted'; domainId: number };

interface Snapshot {
  domains: Map<string, { id: number; catchAll: boolean }>;
  addresses: Set<string>;
}

export class DirectoryCache {
  private snapshot: Snapshot = { domains: new Map(), addresses: new Set() };
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log?: Logger,
  ) {}

  /** Loads the directory once and then every refreshMs; failures keep the last good copy. */
  async start(refreshMs: number): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err) => this.log?.warn({ err }, 'directory refresh failed; keeping the previous copy'));
    }, refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const domains = await this.db.selectFrom('domains').select(['id', 'name', 'catch_all']).execute();
        const recipients = await this.db.selectFrom('recipients').select('address').execute();
        this.snapshot = {
          domains: new Map(domains.map((d) => [d.name, { id: d.id, catchAll: d.catch_all === 1 }])),
          addresses: new Set(recipients.map((r) => r.address)),
        };
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** `canonical` is a lower-cased local@domain with the domain in canonical (ASCII) form. */
  lookup(canonical: string): CachedLookup {
    const domain = this.snapshot.domains.get(canonical.slice(canonical.lastIndexOf('@') + 1));
    if (!domain) return { kind: 'not_protected' };
    if (this.snapshot.addresses.has(canonical) || domain.catchAll) return { kind: 'accepted', domainId: domain.id };
    return { kind: 'unknown', domainId: domain.id };
  }
}
