// A value loaded from the store and kept in memory for a refresh interval: the connection check
// reads the lists through it instead of querying them per connection. Concurrent callers share
// one in-flight load; a failed reload keeps serving the last good value (and is retried on the
// next call), so a database hiccup does not turn into refused or unchecked connections.

export interface CachedOptions {
  /** How long a loaded value is served before the next call reloads it, in ms. */
  refreshMs: number;
  now?: () => number;
  /** Told about a failed reload while an older value is still served. */
  onStaleError?: (err: unknown) => void;
}

export class Cached<T> {
  private value: { v: T } | null = null;
  private loadedAt = -Infinity;
  private inflight: Promise<T> | null = null;
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly opts: CachedOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The value, loading it first when there is none yet or it is older than refreshMs. */
  get(): Promise<T> {
    if (this.value && this.now() - this.loadedAt < this.opts.refreshMs) return Promise.resolve(this.value.v);
    return this.reload();
  }

  /** The next get() loads again (after a local write, so the writer sees its own change). */
  invalidate(): void {
    this.loadedAt = -Infinity;
    this.generation++;
    this.inflight = null;
  }

  private reload(): Promise<T> {
    if (this.inflight) return this.inflight;
    const gen = this.generation;
    let p: Promise<T> | undefined = undefined;
    p = (async () => {
      await null; // p is assigned before anything below runs, even if load() throws at once
      try {
        const v = await this.load();
        // A load started before invalidate() may have read the old rows: serve it, but do not
        // mark it fresh.
        this.value = { v };
        if (gen === this.generation) this.loadedAt = this.now();
        return v;
      } catch (err) {
        if (!this.value) throw err;
        this.opts.onStaleError?.(err);
        return this.value.v;
      } finally {
        if (this.inflight === p) this.inflight = null;
      }
    })();
    this.inflight = p;
    return p;
  }
}
