// Fixed-window counters for the public site's live checks: per client IP and per domain, so one
// client cannot turn the gateway into a port scanner or a mail cannon against a domain.

export class WindowLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one use of key; returns the seconds to wait when over the limit, else 0. */
  take(key: string, nowMs: number): number {
    if (this.windows.size > 10_000) this.sweep(nowMs);
    const w = this.windows.get(key);
    if (!w || w.resetAt <= nowMs) {
      this.windows.set(key, { count: 1, resetAt: nowMs + this.windowMs });
      return 0;
    }
    if (w.count >= this.max) return Math.ceil((w.resetAt - nowMs) / 1000);
    w.count++;
    return 0;
  }

  private sweep(nowMs: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= nowMs) this.windows.delete(k);
  }
}
