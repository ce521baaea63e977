// What pruning a large Bayes model costs (scan.analyzers.bayes.max_tokens, bayes/prune.ts): a model
// of 1.1 M token rows (400,000 seen once, the rest in 2–6 messages, in 11 learning versions) pruned
// at max_tokens 1,000,000, i.e. down to 900,000; then what it costs the scanners: the reload of a
// copy loaded before the prune, and the next first load (from the snapshot that reload wrote).
//   node --import tsx bench/bayes-prune.ts [sqlite:FILE | postgres://…]   (default: a temp SQLite file)
// A PostgreSQL database given here is emptied of its Bayes tokens first: use a scratch database.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CachedModel } from '../src/scan/analyzers/bayes/model.js';
import { pruneModel } from '../src/scan/analyzers/bayes/prune.js';
import { openStore } from '../src/store/db.js';
import { writeTokens } from '../test/spam/token-rows.js';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-prune-'));
  const store = await openStore({ url: process.argv[2] ?? 'sqlite:prune.db', dataDir: dir });
  const seconds = (t: number) => `${((performance.now() - t) / 1000).toFixed(2)} s`;
  try {
    const db = store.db;
    await db.deleteFrom('bayes_tokens').execute();
    let t = performance.now();
    for (let b = 0; b < 11; b++) await writeTokens(db, b * 100_000, (b + 1) * 100_000, b < 4 ? 1 : 1 + (b % 5), b < 4 ? 0 : 1);
    console.log(`wrote 1,100,000 token rows in ${seconds(t)}`);
    const copy = new CachedModel(db);
    t = performance.now();
    await copy.ensureFresh(Date.now(), 0);
    console.log(`first load: ${seconds(t)} (${copy.size} tokens)`);
    t = performance.now();
    const r = await pruneModel(db, 1_000_000);
    console.log(`prune: ${r.removed} of ${r.tokens} rows in ${seconds(t)}`);
    t = performance.now();
    await copy.ensureFresh(Date.now(), 0);
    console.log(`reload of the earlier copy: ${seconds(t)} (${copy.size} tokens)`);
    const next = new CachedModel(db);
    t = performance.now();
    await next.ensureFresh(Date.now(), 0);
    console.log(`next first load (from the new snapshot): ${seconds(t)} (${next.size} tokens)`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
