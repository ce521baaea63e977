// Starts a real gateway for a test: temp data dir, SQLite (or a given test database), SMTP on a
// free port, the directory filled as asked. Returns the port, the open store and a stop function.
import { Directory, type RouteInput } from '../../src/directory/repository.js';
import { parseConfig } from '../../src/config/load.js';
import type { RampartConfig } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import type { IngressOverrides } from '../../src/ingress/process.js';
import { openStore } from '../../src/store/db.js';
import type { TestDatabase } from './db.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestDomain {
  name: string;
  catchAll?: boolean;
  routes?: RouteInput[];
  /** Mailbox addresses (full) to create. */
  recipients?: string[];
  /** alias address → target address. */
  aliases?: Record<string, string>;
}

export interface TestGatewayOptions {
  /** Configuration document merged over the test defaults (same shape as the YAML file). */
  config?: Record<string, unknown>;
  domains?: TestDomain[];
  /** SMTP worker processes; 0 (default) serves SMTP in the test process itself. */
  workers?: number;
  /** Injected scan hook, connection check, PTR lookup: in-process mode only. */
  ingress?: IngressOverrides;
  /** A database from test/helpers/db.ts (only its URL is used); default a fresh SQLite file. The data dir is always a new temp dir, removed by stop(). */
  database?: TestDatabase;
}

export interface TestGateway {
  port: number;
  config: RampartConfig;
  gateway: Gateway;
  db: Gateway['store']['db'];
  dataDir: string;
  stop(graceMs?: number): Promise<void>;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  // Not tempDir(): this usually runs inside a before() hook, where after() would fire at once.
  const ownDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-gw-'));
  const dataDir = ownDir;
  const doc = merge(
    {
      data_dir: dataDir,
      log: { level: process.env.RAMPART_LOG_LEVEL ?? 'silent' },
      database: { url: opts.database?.url ?? 'sqlite:rampart.db' },
      smtp: { host: '127.0.0.1', port: 0, hostname: 'rampart.test', workers: opts.workers ?? 1, directory_refresh: 200, shutdown_grace: 2000 },
      dns: { servers: ['127.0.0.1:9'], timeout: 300 },
      // The SMTP layer's own tests use the pass-through hook; scan tests turn the engine on.
      scan: { timeout: 5000, enabled: false },
      web: { port: 0 },
    },
    opts.config ?? {},
  );
  const config = parseConfig(doc);
  if (opts.domains?.length) {
    const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
    try {
      const dir = new Directory(store.db);
      for (const d of opts.domains) {
        await dir.addDomain(d.name, { catchAll: d.catchAll, routes: d.routes });
        for (const r of d.recipients ?? []) await dir.addRecipient(r);
        for (const [alias, target] of Object.entries(d.aliases ?? {})) await dir.addRecipient(alias, { alias: target });
      }
    } finally {
      await store.close();
    }
  }
  const gateway = await startGateway(config, { inProcess: !opts.workers, ingress: opts.ingress });
  return {
    port: gateway.smtpPort,
    config,
    gateway,
    db: gateway.store.db,
    dataDir: config.data_dir,
    stop: async (graceMs = 2000) => {
      await gateway.stop(graceMs);
      rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

/** Polls fn until it returns a truthy value (events are written in batches, delivery is async). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
