// Rampart in the benchmark: `rampart train` (the built CLI) on the training half into a fresh
// SQLite store, then `rampart scan --json --local` over the evaluation directories — the engine's
// own worker pool on every core, one process, exactly what an operator runs. The time is the
// whole command, start-up and model load included; the speed is the median of SPEED_RUNS runs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatTimes, median, SPEED_RUNS, timedRuns } from './util.mjs';

/** The environment of a Rampart child: no RAMPART_* overrides from the caller, errors only in the log. */
function cliEnv() {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_'))), LOG_LEVEL: 'error' };
}

/** Any category not delivered as ordinary mail counts as caught (spam called phishing is still stopped). */
const caught = (byFile) => (f) => !['clean', 'graymail', undefined].includes(byFile.get(f.path)?.category);

export async function runRampart({ root, dirs, log }) {
  const dist = path.resolve('dist');
  const cli = path.join(dist, 'cli/index.js');
  if (!existsSync(cli)) throw new Error('dist/ is missing: run npm run build');
  const dataDir = path.join(root, 'rampart');
  const config = path.join(root, 'rampart.yaml');
  // clamd is off as Rspamd's antivirus module is: this measures the spam engines, not the AV round trip
  // (bench:threats measures that).
  writeFileSync(config, `data_dir: ${dataDir}\ndatabase:\n  url: sqlite:bench.db\nscan:\n  analyzers:\n    malware:\n      clamd:\n        enabled: false\n`);
  const env = cliEnv();
  const t0 = Date.now();
  const out = execFileSync(process.execPath, [cli, '-c', config, 'train', '--json', '--spam', dirs.trainSpam, '--ham', dirs.trainHam], { env, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  log(`rampart train: ${out.trim()} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // The scan runs SPEED_RUNS times on the same store; the verdicts are the first run's (the others
  // must agree), the time the median.
  const { results, times } = await timedRuns(() => scanOnce(cli, config, dirs, env));
  const byFile = results[0];
  results.forEach((other, run) => {
    const differ = [...other].filter(([f, r]) => byFile.get(f)?.category !== r.category).length;
    if (differ) throw new Error(`rampart scan run ${run + 1}: ${differ} categories differ from the first run`);
  });
  log(`rampart scan: ${formatTimes(times)}`);
  const seconds = median(times);
  const errors = [...byFile.values()].filter((r) => r.error).length;
  if (errors) log(`rampart: ${errors} messages could not be scanned`);
  return {
    label: `Rampart (rampart scan --json --local, ${os.availableParallelism()} worker threads, median of ${SPEED_RUNS} runs)`,
    seconds,
    isSpam: caught(byFile),
    results: byFile,
  };
}

/** One `rampart scan --json --local` over the evaluation directories: its verdicts by file. */
async function scanOnce(cli, config, dirs, env) {
  const child = spawn(process.execPath, [cli, '-c', config, 'scan', '--json', '--local', ...dirs.evalDirs], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  const byFile = new Map();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const r = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      byFile.set(r.file, r);
    }
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`rampart scan exited with ${code}`);
  return byFile;
}

// The same store and configuration once warm (rampart-warm.mjs): after runRampart, which trained it.
export async function runRampartWarm({ root, dirs, log }) {
  const config = path.join(root, 'rampart.yaml');
  const out = execFileSync(process.execPath, [path.resolve('bench/scan/rampart-warm.mjs'), config, dirs.trainSpam, dirs.trainHam, '--', ...dirs.evalDirs], { env: cliEnv(), maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  const { times } = lines.pop();
  const byFile = new Map(lines.map((r) => [r.file, r]));
  const seconds = median(times);
  log(`rampart warm: ${byFile.size} messages in ${formatTimes(times)} after a warm-up pass over the training half`);
  return {
    label: `Rampart warm (the same pool after one pass over the training half, ${os.availableParallelism()} worker threads, median of ${SPEED_RUNS} runs)`,
    seconds,
    isSpam: caught(byFile),
  };
}
