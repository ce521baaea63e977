// One scan worker thread: opens its own store connection and resolver, builds a ScanEngine and
// answers scan requests from the main thread, many at a time (analyzers mostly wait on I/O).
// The Bayes model comes from the main thread when the pool shares it (analyzers/bayes/shared.ts).
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { RampartConfig } from '../config/schema.js';
import { openStore, type Store } from '../store/db.js';
import { useModel } from './analyzers/bayes/model.js';
import { SharedModelClient } from './analyzers/bayes/shared.js';
import { refuseAllLookups, ScanEngine } from './engine.js';
import type { Analyzer } from './types.js';
import { Outbox } from './outbox.js';
import type { WorkerRequest } from './pool.js';

interface Data {
  config: RampartConfig;
  /** Module exporting `analyzers` to run instead of the registry (tests). */
  analyzersModule?: string;
  /** Run without a store (offline `rampart scan` with no database). */
  noStore?: boolean;
  /** Local tests only: every DNS lookup is refused at once. */
  offline?: boolean;
  /** The channel to the pool's shared Bayes model; absent: this worker loads its own copy. */
  bayesPort?: MessagePort;
}

async function main(): Promise<void> {
  const data = workerData as Data;
  const port = parentPort!;
  let store: Store | null = null;
  const sharedModel = data.bayesPort ? new SharedModelClient(data.bayesPort) : null;
  try {
    const analyzers: readonly Analyzer[] = data.analyzersModule
      ? ((await import(data.analyzersModule)) as { analyzers: readonly Analyzer[] }).analyzers
      : (await import('./analyzers/index.js')).ALL_ANALYZERS;
    if (!data.noStore) store = await openStore({ url: data.config.database.url, dataDir: data.config.data_dir, migrate: false, poolSize: 2 });
    if (store && sharedModel) useModel(store.db, sharedModel);
    const outbox = new Outbox(port);
    const engine = new ScanEngine({ config: data.config, analyzers, db: store?.db ?? null, ...(data.offline ? { resolve: refuseAllLookups } : {}) });
    port.on('message', (req: WorkerRequest | { close: true }) => {
      if ('close' in req) {
        sharedModel?.close();
        void (store?.close() ?? Promise.resolve()).finally(() => port.close());
        return;
      }
      engine.scan({ raw: req.raw, envelope: req.envelope, rcptDomains: req.rcptDomains, id: req.id }).then(
        (decided) => {
          const m = decided.decision.kind === 'accept' ? decided.decision.message : undefined;
          outbox.send({ seq: req.seq, ok: true, decided }, m?.buffer as ArrayBuffer | undefined);
        },
        (err: unknown) => outbox.send({ seq: req.seq, ok: false, error: (err as Error)?.message ?? String(err) }),
      );
    });
    port.postMessage({ ready: true });
  } catch (err) {
    sharedModel?.close();
    await store?.close().catch(() => {});
    port.postMessage({ fatal: (err as Error)?.message ?? String(err), name: (err as Error)?.name });
  }
}

void main();
