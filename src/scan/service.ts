// The scan hook the SMTP ingress calls before its final DATA reply: hands the message to the
// worker pool (parse, analyzers, policy) and returns the typed decision. Reply codes are made
// by the ingress, not here.
import os from 'node:os';
import type { RampartConfig } from '../config/schema.js';
import type { ScanHook } from '../ingress/scan-hook.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/db.js';
import { ScanPool } from './pool.js';

export interface ScanService {
  hook: ScanHook;
  pool: ScanPool;
  close(): Promise<void>;
}

export interface ScanServiceOptions {
  config: RampartConfig;
  /** The caller's store; workers open their own connections to the same database. */
  store?: Store | null;
  logger?: Logger;
  /** Threads for this process's pool; default scan.threads, or the cores shared among SMTP processes. */
  threads?: number;
  analyzersModule?: string;
}

/** Threads per SMTP process when scan.threads is 0: the cores divided among the SMTP processes. */
export function defaultThreads(config: RampartConfig): number {
  if (config.scan.threads) return config.scan.threads;
  const cores = os.availableParallelism();
  const processes = config.smtp.workers || cores;
  return Math.max(1, Math.floor(cores / processes));
}

export async function createScanService(opts: ScanServiceOptions): Promise<ScanService> {
  const pool = await ScanPool.start({ config: opts.config, size: opts.threads ?? defaultThreads(opts.config), analyzersModule: opts.analyzersModule });
  const log = opts.logger?.child({ name: 'scan' });
  const hook: ScanHook = async (input) => {
    const { decision, verdict } = await pool.scan({ raw: input.raw, envelope: input.envelope, rcptDomains: input.recipients.map((r) => r.domain) });
    log?.debug({ category: verdict.category, score: verdict.score, action: verdict.action, decision: decision.kind }, 'scanned');
    return decision;
  };
  return { hook, pool, close: () => pool.close() };
}
