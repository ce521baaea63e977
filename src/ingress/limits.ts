// Connection and message-rate limits. One LimitTable holds the counters for the whole node (it
// lives in the cluster primary, or in the single process when there is no cluster); workers reach
// it through the Limiter interface so the limits hold across every SMTP process.

export type LimitRefusal = 'too_many_connections' | 'too_many_connections_per_ip' | 'rate_limit';

export interface LimitSettings {
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxMessagesPerIpPerMinute: number;
}

/** What an SMTP process asks; `owner` tells whose slots to free when a worker dies. */
export interface Limiter {
  /** Takes a connection slot for ip, or says which limit refuses it. */
  acquire(ip: string): Promise<LimitRefusal | null>;
  release(ip: string): void;
  /** Counts one message (MAIL FROM) for ip, or refuses it when the per-minute rate is used up. */
  message(ip: string): Promise<LimitRefusal | null>;
}

const WINDOW_MS = 60_000;

export class LimitTable {
  private total = 0;
  private perIp = new Map<string, number>();
  /** Start times of the messages of the last minute, per ip (oldest first). */
  private rates = new Map<string, number[]>();
  private owned = new Map<string, Map<string, number>>();

  constructor(
    private readonly settings: LimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    setInterval(() => this.sweep(), WINDOW_MS).unref();
  }

  acquire(ip: string, owner = 'local'): LimitRefusal | null {
    if (this.total >= this.settings.maxConnections) return 'too_many_connections';
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.settings.maxConnectionsPerIp) return 'too_many_connections_per_ip';
    this.total++;
    this.perIp.set(ip, n + 1);
    const mine = this.owned.get(owner) ?? new Map<string, number>();
    mine.set(ip, (mine.get(ip) ?? 0) + 1);
    this.owned.set(owner, mine);
    return null;
  }

  release(ip: string, owner = 'local'): void {
    const mine = this.owned.get(owner);
    const held = mine?.get(ip) ?? 0;
    if (!mine || held === 0) return;
    if (held === 1) mine.delete(ip);
    else mine.set(ip, held - 1);
    this.total--;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  /** Frees every slot a dead worker held. */
  releaseOwner(owner: string): void {
    const mine = this.owned.get(owner);
    if (!mine) return;
    for (const [ip, held] of [...mine]) for (let i = 0; i < held; i++) this.release(ip, owner);
    this.owned.delete(owner);
  }

  message(ip: string): LimitRefusal | null {
    const t = this.now();
    const list = this.rates.get(ip) ?? [];
    while (list.length && list[0]! <= t - WINDOW_MS) list.shift();
    if (list.length >= this.settings.maxMessagesPerIpPerMinute) {
      this.rates.set(ip, list);
      return 'rate_limit';
    }
    list.push(t);
    this.rates.set(ip, list);
    return null;
  }

  connections(): { total: number; perIp: Record<string, number> } {
    return { total: this.total, perIp: Object.fromEntries(this.perIp) };
  }

  private sweep(): void {
    const cutoff = this.now() - WINDOW_MS;
    for (const [ip, list] of this.rates) if (!list.length || list[list.length - 1]! <= cutoff) this.rates.delete(ip);
  }
}

/** The limiter of a process that owns its LimitTable itself. */
export function localLimiter(table: LimitTable): Limiter {
  return {
    acquire: async (ip) => table.acquire(ip),
    release: (ip) => table.release(ip),
    message: async (ip) => table.message(ip),
  };
}
