// Rampart in the benchmark, two ways, on the same store:
// - one-shot: `rampart train` (the built CLI) on the training half into a fresh SQLite store, then
//   `rampart scan --json --local` over the evaluation directories — the engine's own worker pool
//   on every core, one process; the time is the whole command, start-up, model load and V8's
//   warm-up included;
// - daemon: `rampart scand --local` started once, then `rampart scan --server` over the same
//   directories, as Rspamd is measured (rspamc against a running rspamd) and SpamAssassin (spamc
//   against spamd).
// Each is prepared once and then timed pass by pass, in turn with the other engines (scan.mjs);
// its speed is the median of its SPEED_RUNS passes.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, median, waitFor } from './util.mjs';

/** The environment of a Rampart child: no RAMPART_* overrides from the caller, errors only in the log. */
function cliEnv() {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_'))), LOG_LEVEL: 'error' };
}

/** Any category not delivered as ordinary mail counts as caught (spam called phishing is still stopped). */
const caught = (byFile) => (f) => !['clean', 'graymail', undefined].includes(byFile.get(f.path)?.category);

/** The one-shot scan, prepared: `rampart train` on the training half into a fresh store. */
export async function prepareRampart({ root, dirs, log }) {
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
  let running = null;
  return {
    what: 'rampart scan',
    // Every pass scans the same store; the verdicts are the first pass's (the others must agree).
    pass: () => scanOnce(cli, ['-c', config, 'scan', '--json', '--local', ...dirs.evalDirs], env, (pid) => (running = pid)),
    // Memory: the command's one process (its worker threads are in it) while it runs.
    roots: () => (running ? [running] : []),
    result(results, times) {
      const byFile = results[0];
      sameCategories(byFile, results, 'rampart scan', 'the first run');
      const errors = [...byFile.values()].filter((r) => r.error).length;
      if (errors) log(`rampart: ${errors} messages could not be scanned`);
      return {
        label: `Rampart one-shot (rampart scan --json --local: start-up and V8 warm-up included, ${os.availableParallelism()} worker threads, median of ${times.length} runs)`,
        seconds: median(times),
        isSpam: caught(byFile),
        results: byFile,
      };
    },
    close: async () => {},
  };
}

/** Every run's verdicts must put each message in the reference's category. */
function sameCategories(reference, runs, what, referenceName) {
  runs.forEach((run, i) => {
    const differ = [...run].filter(([f, r]) => reference.get(f)?.category !== r.category).length;
    if (differ) throw new Error(`${what} run ${i + 1}: ${differ} categories differ from ${referenceName}`);
  });
}

/** One run of the rampart command (a scan with --json): its verdicts by file. */
async function scanOnce(cli, args, env, onSpawn = () => {}) {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  onSpawn(child.pid);
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
  if (code !== 0) throw new Error(`rampart ${args.join(' ').slice(0, 80)}… exited with ${code}`);
  return byFile;
}

const ping = (port) =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/ping' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });

// The daemon on the store prepareRampart trained (prepared after it): its verdicts must be the
// one-shot scan's.
export async function prepareRampartDaemon({ root, dirs }) {
  const cli = path.resolve('dist/cli/index.js');
  const config = path.join(root, 'rampart.yaml');
  const env = cliEnv();
  const port = await freePort();
  const daemon = spawn(process.execPath, [cli, '-c', config, 'scand', '--listen', `127.0.0.1:${port}`, '--local'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const close = async () => {
    daemon.kill('SIGTERM');
    await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.once('exit', r)));
  };
  try {
    await waitFor(async () => {
      if (daemon.exitCode !== null) throw new Error(`rampart scand exited: ${stderr}`);
      return ping(port);
    }, 60_000, () => `rampart scand did not start: ${stderr}`);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    what: 'rampart scan --server',
    // Memory: the daemon (as for Rspamd and spamd, not the client).
    roots: () => [daemon.pid],
    pass: () => scanOnce(cli, ['scan', '--json', '--server', `http://127.0.0.1:${port}`, ...dirs.evalDirs], env),
    result(results, times, previous) {
      const byFile = results[0];
      const oneShot = previous.get('rampart')?.results;
      sameCategories(oneShot ?? byFile, results, 'rampart scan --server', oneShot ? 'the one-shot scan' : 'the first run');
      return {
        label: `Rampart daemon (rampart scand --local, ${os.availableParallelism()} worker threads; rampart scan --server, batches of 16 over 4 connections; median of ${times.length} runs)`,
        seconds: median(times),
        isSpam: caught(byFile),
      };
    },
    close,
  };
}
