// A scratch trace for the benchmarks that fill one (bench/trace-prune.ts, bench/report.ts): a store
// in a temporary directory — a SQLite file there, or the PostgreSQL database given, emptied of its
// messages, refusals and hourly statistics first — and 20 protected domains d0…d19.bench.test.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Directory } from '../src/directory/repository.js';
import { openStore } from '../src/store/db.js';
import type { Database } from '../src/store/schema.js';

export interface ScratchTrace {
  db: Kysely<Database>;
  /** The ids of d0…d19.bench.test, in that order. */
  domainIds: number[];
  close(): Promise<void>;
}

export async function scratchTrace(url: string | undefined, name: string): Promise<ScratchTrace> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rampart-${name}-`));
  const store = await openStore({ url: url ?? `sqlite:${name}.db`, dataDir: dir });
  const db = store.db;
  for (const table of ['messages', 'connection_events', 'stats_messages_hourly', 'stats_connections_hourly'] as const) await db.deleteFrom(table).execute();
  const dirs = new Directory(db);
  const domainIds: number[] = [];
  for (let d = 0; d < 20; d++) {
    const domain = `d${d}.bench.test`;
    domainIds.push((await dirs.getDomain(domain))?.id ?? (await dirs.addDomain(domain)).id);
  }
  return {
    db,
    domainIds,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Seconds since a performance.now() reading, for the benchmarks' lines. */
export function secondsSince(t: number): string {
  return `${((performance.now() - t) / 1000).toFixed(2)} s`;
}
