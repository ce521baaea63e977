// Wires one SMTP ingress process: directory cache, event recorder, spool, TLS, PTR resolver and
// the injected scan hook and connection check. Used by cluster workers and by the in-process mode.
import os from 'node:os';
import { spoolDir } from './spool-dir.js';
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
import { createScanService } from '../scan/service.js';
import { reputationCheckFromConfig } from '../reputation/wire.js';
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


export async function startIngressProcess(opts: {
  config: RampartConfig;
  store: Store;
  tls: TlsMaterial;
  limiter: Limiter;
  /** Makes the accept function: local group commit, or rows sent to the primary. */
  accept: (spool: Spool) => (inputs: AcceptInput[]) => Promise<string[]>;
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
    reverse: opts.overrides?.reverse ?? reverseLookup({ servers: config.dns.servers, timeoutMs: Math.min(config.dns.timeout, 5000) }),
    scanHook: opts.overrides?.scanHook ?? passThroughScan,
    connectionCheck: opts.overrides?.connectionCheck ?? noConnectionCheck,
    finisher: { db: store.db, accept: opts.accept(spool), scan: config.scan, node: os.hostname(), log },
    log,
  });
  // The scan engine and the connection checks (lists, DNSBL) install themselves unless a test overrides them.
  const scan = !opts.overrides?.scanHook && config.scan.enabled ? await createScanService({ config, store, logger: log }) : null;
  if (scan) ingress.setScanHook(scan.hook);
  // A failed list reload keeps the last good copy: say so, the operator's change is not applied yet.
  const reputation = opts.overrides?.connectionCheck
    ? null
    : reputationCheckFromConfig(config, store, (err) => log.warn({ err }, 'reloading the IP allow/block lists failed; using the last good copy'));
  if (reputation) ingress.setConnectionCheck(reputation);
  const port = await ingress.listen(config.smtp.host, config.smtp.port);
  return {
    ingress,
    port,
    close: async (graceMs) => {
      await ingress.close(graceMs);
      directory.stop();
      await events.close();
      await scan?.close();
    },
  };
}
