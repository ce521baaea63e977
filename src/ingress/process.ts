// Wires one SMTP ingress process: directory cache, event recorder, spool, TLS, PTR resolver and
// the injected scan hook and connection check. Used by cluster workers and by the in-process mode.
import os from 'node:os';
import path from 'node:path';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { Spool, type AcceptInput } from '../spool/spool.js';
import type { Store } from '../store/db.js';
import { noConnectionCheck, type ConnectionCheck } from './connection-check.js';
import { DirectoryCache } from './directory-cache.js';
import { EventRecorder } from './events.js';
import type { Limiter } from './limits.js';
import { reverseLookup, type ReverseLookup } from './ptr.js';
import { passThroughScan, type ScanHook } from './scan-hook.js';
import { Ingress } from './server.js';
import type { TlsMaterial } from './tls.js';

export interface IngressProcess {
  ingress: Ingress;
  port: number;
  /** Stops accepting, lets sessions finish within graceMs, flushes events. The store stays open. */
  close(graceMs: number): Promise<void>;
}

export interface IngressOverrides {
  scanHook?: ScanHook;
  connectionCheck?: ConnectionCheck;
  reverse?: ReverseLookup;
}

export function spoolDir(config: RampartConfig): string {
  return path.join(config.data_dir, 'spool');
}

export async function startIngressProcess(opts: {
  config: RampartConfig;
  store: Store;
  tls: TlsMaterial;
  limiter: Limiter;
  /** Makes the accept function: local group commit, or rows sent to the primary. */
  accept: (spool: Spool) => (input: AcceptInput) => Promise<string>;
  log: Logger;
  overrides?: IngressOverrides;
}): Promise<IngressProcess> {
  const { config, store, log } = opts;
  const spool = new Spool(store.db, spoolDir(config), os.hostname());
  const directory = new DirectoryCache(store.db, log);
  await directory.start(config.smtp.directory_refresh);
  const events = new EventRecorder(store.db, log);
  const ingress = new Ingress({
    config,
    directory,
    limiter: opts.limiter,
    events,
    tls: opts.tls,
    reverse: opts.overrides?.reverse ?? reverseLookup({ servers: config.dns.servers, timeoutMs: Math.min(config.dns.timeout, 2000) }),
    scanHook: opts.overrides?.scanHook ?? passThroughScan,
    connectionCheck: opts.overrides?.connectionCheck ?? noConnectionCheck,
    finisher: { db: store.db, accept: opts.accept(spool), scan: config.scan, node: os.hostname(), log },
    log,
  });
  // ── Plug-in point: the scan engine and the reputation checks install themselves here, e.g.
  //    if (!opts.overrides?.scanHook) ingress.setScanHook(await createScanHook(config, store));
  //    if (!opts.overrides?.connectionCheck) ingress.setConnectionCheck(createReputationCheck(config, store));
  const port = await ingress.listen(config.smtp.host, config.smtp.port);
  return {
    ingress,
    port,
    close: async (graceMs) => {
      await ingress.close(graceMs);
      directory.stop();
      await events.close();
    },
  };
}
