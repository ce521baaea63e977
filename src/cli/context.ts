// What every CLI command needs: the validated configuration and an open store. Errors that a user
// can fix (bad config, bad arguments) print one clear message and exit non-zero, no stack trace.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig, ConfigError } from '../config/load.js';
import type { RampartConfig } from '../config/schema.js';
import type { Store } from '../store/db.js';

/** A repeatable, comma-separated option's values (`--domain a,b --domain c`). */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** A file's text, or standard input's for `-`. */
export const readInput = (file: string): string => readFileSync(file === '-' ? 0 : file, 'utf8');

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function configPath(cmd: Command): string {
  const root = cmd.optsWithGlobals() as { config?: string };
  return root.config ?? process.env.RAMPART_CONFIG ?? 'config/rampart.yaml';
}

export function loadCliConfig(cmd: Command): RampartConfig {
  return loadConfig(configPath(cmd));
}

/** Runs fn with the configuration and an open store, closing the store afterwards. */
export async function withStore<T>(cmd: Command, fn: (store: Store, config: RampartConfig) => Promise<T>): Promise<T> {
  const config = loadCliConfig(cmd);
  // Loaded on use: `rampart scan` starts its workers before it needs the store.
  const { openStore } = await import('../store/db.js');
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** Prints a user-facing error and sets a non-zero exit code; unexpected errors keep their stack. */
export function reportCliError(err: unknown): void {
  if (err instanceof ConfigError || err instanceof UsageError || (err as Error)?.name === 'DirectoryError' || (err as Error)?.name === 'UsageError' || (err as Error)?.name === 'PolicyError' || (err as Error)?.name === 'FeedbackError') {
    process.stderr.write(`rampart: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`rampart: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

/** Wraps a command action so its errors are reported the same way everywhere. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (err) {
      reportCliError(err);
    }
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** `--threads N`: a non-negative whole number (0: the default, scan.threads), or undefined when absent. */
export function threadsOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new UsageError('--threads: expected a non-negative integer');
  return n;
}

/** Commander's collector for an option given more than once (`--rcpt a --rcpt b`). */
export const repeatable = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * Brings the store's schema up to date and closes the connection: the scan commands do this once,
 * in their main thread, while the workers load their modules (they open their own connections).
 */
export async function migrateStore(config: RampartConfig): Promise<void> {
  const { openStore } = await import('../store/db.js');
  await (await openStore({ url: config.database.url, dataDir: config.data_dir })).close();
}
