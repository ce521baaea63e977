// The scan worker pool: parsing and analysis run on worker threads, never on the event loop that
// serves SMTP. The main thread sends raw bytes and the envelope and gets the policy decision back.
// Each task has a deadline; a worker that overruns it (a runaway analyzer) is replaced.
// With shareBayes the Bayes model is loaded once, here, and shared with the workers
// (analyzers/bayes/shared.ts).
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { ConfigError } from '../config/error.js';
import type { RampartConfig } from '../config/schema.js';
import type { Decided } from '../policy/decide.js';
import type { Store } from '../store/db.js';
import type { SharedModelHost } from './analyzers/bayes/shared.js';
import type { Envelope } from './types.js';

export interface WorkerRequest {
  seq: number;
  raw: Uint8Array;
  envelope: Envelope;
  rcptDomains?: string[];
  id?: string | null;
}

export type WorkerReply = { seq: number; ok: true; decided: Decided } | { seq: number; ok: false; error: string };

export interface PoolOptions {
  config: RampartConfig;
  /** Threads; default scan.threads, 0 meaning one per core. */
  size?: number;
  /** Module (file URL) exporting `analyzers`, instead of the built-in registry: tests. */
  analyzersModule?: string;
  noStore?: boolean;
  /** Local tests only: the workers refuse every DNS lookup (`rampart scan --local`). */
  offline?: boolean;
  /** Per-task deadline; default scan.timeout + 1 s. */
  taskTimeoutMs?: number;
  /**
   * Load the Bayes model once in this thread and share it with the workers (ignored without a
   * store). Off by default: the gateway's pool runs on the event loop that serves SMTP, which must
   * not spend ~1 s loading rows; `rampart scan`, whose main thread only reads files and prints,
   * turns it on when bayes is enabled.
   */
  shareBayes?: boolean;
  /**
   * Work for this thread while the workers load their modules, the longest part of starting
   * (rampart scan brings the store's schema up to date there); the shared model is loaded after it.
   */
  prepare?: () => Promise<void>;
}

interface Task {
  req: Omit<WorkerRequest, 'seq'>;
  resolve(d: Decided): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Task & { timer: NodeJS.Timeout }>;
  /** This thread's end of the worker's Bayes model channel. */
  bayesPort?: MessagePort;
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
// Up and back into scan/: this module may run from src/scan, dist/scan or bundled into dist/cli.
const WORKER_FILE = fileURLToPath(new URL(`../scan/pool-worker${ext}`, import.meta.url));

/** Only module-loading flags carry over to worker threads; process flags (heap sizes, --test) are refused there. */
export function loaderArgs(argv: readonly string[]): string[] {
  const keep = ['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C'];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (keep.includes(a) && i + 1 < argv.length) out.push(a, argv[++i]!);
    else if (keep.some((k) => a.startsWith(`${k}=`))) out.push(a);
  }
  return out;
}

/**
 * V8's optimizing compiler, tuned for the scan workers (process-wide flags). Mail is endlessly
 * varied: at V8's defaults the hot parsing and analysis code was optimized on the few paths seen so
 * far, thrown out at the next unseen one and compiled again, each time with its callees inlined
 * into one large unit — one pass over the benchmark's training half spent 11.0 s in TurboFan (1,000
 * compilations, 235 deoptimizations) for 7.6 s of scanning on two threads.
 * - The tier-up budget (bytecode a function runs before V8 considers optimizing it) 4× V8's 66 KB:
 *   more type feedback first, so half the compilations and deoptimizations (5.2 s, 466, 111).
 * - Inlining capped at 300 bytes of bytecode per optimized function (V8: 920): each compilation
 *   smaller and a deoptimization throws less away (3.3 s), and warm passes no slower.
 * Chosen on the training half; docs/scan-speed.md, seventh step.
 * Set once the workers have loaded their modules, before the first scan: V8 refuses Node's built-in
 * code cache when the flags differ from those it was made with, so every Node module a thread
 * loaded after the flags (a scan worker: all of them) was compiled from source — 3× the CPU
 * (docs/scan-speed.md, ninth step). A budget is read again each time a function's runs out, so
 * the hot scan code still tiers up by these flags.
 */
const V8_FLAGS = [`--interrupt-budget=${4 * 67_584}`, '--max-inlined-bytecode-size-cumulative=300'];
let v8FlagsSet = false;

/** The threads a pool starts: `size`, else scan.threads, 0 meaning one per core. */
export function poolSize(config: RampartConfig, size?: number): number {
  return size || config.scan.threads || os.availableParallelism();
}

export class ScanPool {
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private seq = 0;
  private closed = false;
  readonly size: number;
  private readonly perThread: number;
  private readonly deadline: number;
  /** Whether the workers get a channel to a shared Bayes model. */
  private readonly sharing: boolean;
  /** The store connection and model host behind the shared Bayes model, once loaded. */
  private bayes: { store: Store; host: SharedModelHost } | null = null;

  private constructor(private readonly opts: PoolOptions) {
    this.size = poolSize(opts.config, opts.size);
    this.perThread = opts.config.scan.queue_per_thread;
    this.deadline = opts.taskTimeoutMs ?? opts.config.scan.timeout + 1000;
    this.sharing = opts.shareBayes === true && !opts.noStore;
  }

  static async start(opts: PoolOptions): Promise<ScanPool> {
    const pool = new ScanPool(opts);
    // The workers start loading at once; this thread prepares and loads the model meanwhile.
    const spawned = Array.from({ length: pool.size }, () => pool.spawn());
    // A worker that fails to start while this thread is busy is reported below, not as unhandled.
    for (const p of spawned) p.catch(() => {});
    try {
      await opts.prepare?.();
      if (pool.sharing) {
        // Loaded here, not at the top: a pool without a shared model (the gateway's) needs none of it.
        const [{ openStore }, { CachedModel }, { SharedModelHost }] = await Promise.all([import('../store/db.js'), import('./analyzers/bayes/model.js'), import('./analyzers/bayes/shared.js')]);
        // One small connection of its own: the workers' connections are theirs, and a caller's
        // store may be closed while the pool runs (rampart scan closes its own after migrating).
        const store = await openStore({ url: opts.config.database.url, dataDir: opts.config.data_dir, migrate: false, poolSize: 1 });
        pool.bayes = { store, host: new SharedModelHost(new CachedModel(store.db)) };
        pool.bayes.host.preload();
      }
      pool.slots = await Promise.all(spawned);
      if (!v8FlagsSet) {
        for (const f of V8_FLAGS) v8.setFlagsFromString(f);
        v8FlagsSet = true;
      }
      // A worker's requests wait in its channel until the host listens.
      if (pool.bayes) for (const s of pool.slots) pool.bayes.host.serve(s.bayesPort!);
    } catch (err) {
      pool.slots = (await Promise.allSettled(spawned)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Scans one message; rejects when the worker fails or the deadline passes. */
  scan(req: Omit<WorkerRequest, 'seq'>): Promise<Decided> {
    if (this.closed) return Promise.reject(new Error('scan pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.dispatch();
    });
  }

  /** Messages being scanned or waiting. */
  get pending(): number {
    return this.queue.length + this.slots.reduce((n, s) => n + s.inFlight.size, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('scan pool is closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        for (const t of s.inFlight.values()) {
          clearTimeout(t.timer);
          t.reject(new Error('scan pool is closed'));
        }
        s.inFlight.clear();
        s.worker.postMessage({ close: true });
        const exited = new Promise((r) => s.worker.once('exit', r));
        const t = setTimeout(() => void s.worker.terminate(), 2000);
        await exited;
        clearTimeout(t);
        s.bayesPort?.close();
      }),
    );
    this.slots = [];
    // A load still running finishes against the open connection before it is closed.
    await this.bayes?.host.idle();
    await this.bayes?.store.close();
    this.bayes = null;
  }

  private dispatch(): void {
    while (this.queue.length) {
      let best: Slot | undefined;
      for (const s of this.slots) if (s.inFlight.size < this.perThread && (!best || s.inFlight.size < best.inFlight.size)) best = s;
      if (!best) return;
      const task = this.queue.shift()!;
      const seq = ++this.seq;
      const slot = best;
      const timer = setTimeout(() => this.overrun(slot, seq), this.deadline);
      slot.inFlight.set(seq, { ...task, timer });
      slot.worker.postMessage({ ...task.req, seq } satisfies WorkerRequest);
    }
  }

  /** A task outran its deadline: its worker may be stuck in a loop, so it is replaced. */
  private overrun(slot: Slot, seq: number): void {
    const t = slot.inFlight.get(seq);
    if (!t) return;
    this.replace(slot, new Error(`scan did not finish within ${this.deadline} ms`));
  }

  private replace(slot: Slot, err: Error): void {
    for (const t of slot.inFlight.values()) {
      clearTimeout(t.timer);
      t.reject(err);
    }
    slot.inFlight.clear();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.worker.removeAllListeners();
    slot.bayesPort?.close();
    void slot.worker.terminate();
    if (this.closed) return;
    this.spawn().then(
      (s) => {
        if (this.closed) void s.worker.terminate();
        else {
          this.slots.push(s);
          this.dispatch();
        }
      },
      () => {
        // Could not restart: the remaining workers carry on; with none left every task fails loudly.
        if (!this.slots.length) for (const t of this.queue.splice(0)) t.reject(new Error('no scan workers left'));
      },
    );
  }

  private spawn(): Promise<Slot> {
    return new Promise((resolve, reject) => {
      // Under tsx (tests, dev) a worker thread does not inherit the TypeScript loader in Node 20:
      // a tiny bootstrap registers it before loading the worker module.
      const entry =
        ext === '.ts'
          ? `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(WORKER_FILE).href)}); })`
          : WORKER_FILE;
      // The worker asks for the shared Bayes model on a channel of its own, apart from the scans.
      const channel = this.sharing ? new MessageChannel() : null;
      // A replacement is served at once; the first workers once the model is loaded (start).
      if (channel && this.bayes) this.bayes.host.serve(channel.port1);
      const worker = new Worker(entry, {
        eval: ext === '.ts',
        workerData: { config: this.opts.config, analyzersModule: this.opts.analyzersModule, noStore: this.opts.noStore, offline: this.opts.offline, bayesPort: channel?.port2 },
        transferList: channel ? [channel.port2] : [],
        execArgv: loaderArgs(process.execArgv),
      });
      const slot: Slot = { worker, inFlight: new Map(), bayesPort: channel?.port1 };
      let ready = false;
      worker.on('message', (msg: WorkerReply[] | { ready: true } | { fatal: string; name?: string }) => {
        if ('ready' in msg) {
          ready = true;
          resolve(slot);
          return;
        }
        if ('fatal' in msg) {
          reject(msg.name === 'ConfigError' ? new ConfigError(msg.fatal) : new Error(`scan worker failed to start: ${msg.fatal}`));
          void worker.terminate();
          return;
        }
        for (const reply of msg) {
          const t = slot.inFlight.get(reply.seq);
          if (!t) continue;
          slot.inFlight.delete(reply.seq);
          clearTimeout(t.timer);
          if (reply.ok) {
            const d = reply.decided.decision;
            // Buffers arrive as plain Uint8Arrays.
            if (d.kind === 'accept' && d.message) d.message = asBuffer(d.message);
            if (d.kind === 'split') for (const c of d.copies) if (c.message) c.message = asBuffer(c.message);
            t.resolve(reply.decided);
          } else t.reject(new Error(reply.error));
        }
        this.dispatch();
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        else this.replace(slot, err);
      });
      worker.on('exit', (code) => {
        slot.bayesPort?.close();
        if (!ready) reject(new Error(`scan worker exited with code ${code} while starting`));
        else if (this.slots.includes(slot)) this.replace(slot, new Error(`scan worker exited with code ${code}`));
      });
    });
  }
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
