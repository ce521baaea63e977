// One Bayes model per `rampart scan` pool, shared by its worker threads (the gateway's pool does not
// share: its main thread serves SMTP). Each worker used to load (and hold) its own copy of a few
// hundred thousand tokens; now the pool's main thread keeps the one copy (a CachedModel: loaded once, then only the rows changed since its
// version, checked at most every refresh_interval) and each worker asks it for the current
// snapshot whenever the worker's copy is older than refresh_interval. A snapshot's table lives in
// SharedArrayBuffers, which cross threads without a copy, and is never written after it is
// published (a refresh builds the next table on a copy): a worker keeps reading the snapshot it
// has until it adopts the next one between two lookups, so it never sees a half-updated table.
import type { MessagePort } from 'node:worker_threads';
import { CachedModel, type FreshModel, type ModelSnapshot } from './model.js';
import { TokenTable } from './table.js';

interface RefreshRequest {
  id: number;
  nowMs: number;
  refreshMs: number;
}

type RefreshReply = { id: number; snapshot: ModelSnapshot } | { id: number; error: string };

/** The pool's main thread: keeps the model and answers the workers' refresh requests. */
export class SharedModelHost {
  constructor(private readonly model: CachedModel) {}

  /** Starts the first load at once, so that it overlaps the workers' start-up. */
  preload(): void {
    // A failure here is not lost: the first worker request tries again and reports it (BAYES_FAIL).
    this.model.ensureFresh(Date.now(), Infinity).catch(() => {});
  }

  /** Resolves when no load is running, so that the store can be closed. */
  idle(): Promise<void> {
    return this.model.idle();
  }

  /** Serves one worker's end of a MessageChannel. */
  serve(port: MessagePort): void {
    port.on('message', (req: RefreshRequest) => {
      this.model.ensureFresh(req.nowMs, req.refreshMs).then(
        () => port.postMessage({ id: req.id, snapshot: this.model.snapshot() } satisfies RefreshReply),
        (err: unknown) => port.postMessage({ id: req.id, error: (err as Error)?.message ?? String(err) } satisfies RefreshReply),
      );
    });
  }
}

/** A worker thread's view of the pool's model: the Bayes analyzer classifies against it. */
export class SharedModelClient implements FreshModel {
  spamCount = 0;
  hamCount = 0;
  version = -1;
  private table = new TokenTable();
  /** When the host last checked the store's version for the snapshot held. */
  private checkedAt = 0;
  private pending: Promise<void> | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(s: ModelSnapshot): void; reject(e: Error): void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (reply: RefreshReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if ('snapshot' in reply) w.resolve(reply.snapshot);
      else w.reject(new Error(reply.error));
    });
  }

  get(token: number): number | undefined {
    return this.table.get(token);
  }

  get size(): number {
    return this.table.size;
  }

  /** The same contract as CachedModel's: the copy is at most refreshMs old when this resolves. */
  ensureFresh(nowMs: number, refreshMs: number): Promise<void> {
    // Measured from the host's check, not from this request: the snapshot can be no staler than
    // one refresh interval, and the store's version is read at most once per interval per pool.
    if (this.version >= 0 && nowMs - this.checkedAt < refreshMs) return Promise.resolve();
    this.pending ??= this.request(nowMs, refreshMs)
      .then((s) => this.adopt(s))
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  /** Closes the channel to the host (the worker is shutting down). */
  close(): void {
    for (const w of this.waiting.values()) w.reject(new Error('bayes model channel closed'));
    this.waiting.clear();
    this.port.close();
  }

  private request(nowMs: number, refreshMs: number): Promise<ModelSnapshot> {
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage({ id, nowMs, refreshMs } satisfies RefreshRequest);
    });
  }

  private adopt(s: ModelSnapshot): void {
    // The table and the totals change together, in one synchronous step between two scans' lookups.
    if (s.version !== this.version) this.table = TokenTable.attach(s.table);
    this.spamCount = s.spamCount;
    this.hamCount = s.hamCount;
    this.version = s.version;
    this.checkedAt = s.checkedAt;
  }
}
