// Rampart in the benchmark: `rampart train` (the built CLI) on the training half into a fresh
// SQLite store, then the evaluation half scanned on every core.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// The pipeline's default spam threshold (scan.thresholds.spam).
const SPAM_THRESHOLD = 6;

export async function runRampart({ root, dirs, evalFiles, log }) {
  const dist = path.resolve('dist');
  if (!existsSync(path.join(dist, 'cli/index.js'))) throw new Error('dist/ is missing: run npm run build');
  const dataDir = path.join(root, 'rampart');
  const config = path.join(root, 'rampart.yaml');
  writeFileSync(config, `data_dir: ${dataDir}\ndatabase:\n  url: sqlite:bench.db\n`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  const t0 = Date.now();
  const out = execFileSync(process.execPath, [path.join(dist, 'cli/index.js'), '-c', config, 'train', '--json', '--spam', dirs.trainSpam, '--ham', dirs.trainHam], { env, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  log(`rampart train: ${out.trim()} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Scan-core's worker pool is not on main yet: this is the benchmark's own loop over
  // parseMessage + ALL_ANALYZERS, one worker thread per core.
  const threads = os.availableParallelism();
  const shares = Array.from({ length: threads }, () => []);
  evalFiles.forEach((f, i) => shares[i % threads].push(f.path));
  const workers = shares.map((files) => new Worker(new URL('./rampart-worker.mjs', import.meta.url), { workerData: { dist, url: 'sqlite:bench.db', dataDir, files, spamThreshold: SPAM_THRESHOLD } }));
  await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('message', (m) => (m.type === 'ready' ? resolve() : reject(new Error('worker did not start'))));
  })));
  const t1 = process.hrtime.bigint();
  const results = (await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', (m) => resolve(m.results));
    w.postMessage('go');
  })))).flat();
  const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
  await Promise.all(workers.map((w) => w.terminate()));
  const byFile = new Map(results.map((r) => [r.file, r]));
  return {
    label: `Rampart (own loop: parseMessage + all analyzers on main, ${threads} worker threads)`,
    seconds,
    isSpam: (f) => byFile.get(f.path).category === 'spam',
    results: byFile,
  };
}
