// SpamAssassin (Debian's package) in the benchmark: sa-learn on the training half into a temp
// Bayes database, then spamd with local tests only (no DNS, Razor, Pyzor, DCC), scanned with spamc
// two at a time. A run projected past ~10 minutes is cut to a fixed, deterministic subset.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { every250ms, freePort, memoryMeter, pool, waitFor } from './util.mjs';

const BUDGET_S = 600;

export async function runSpamAssassin({ root, dirs, evalFiles, log }) {
  const base = path.join(root, 'sa');
  const site = path.join(base, 'site');
  const home = path.join(base, 'home');
  mkdirSync(home, { recursive: true });
  cpSync('/etc/spamassassin', site, { recursive: true });
  appendFileSync(
    path.join(site, 'local.cf'),
    `\n# Rampart benchmark: Bayes from the training half, no network tests, no auto-learning.\n` +
      `use_bayes 1\nbayes_auto_learn 0\nbayes_path ${base}/bayes/bayes\nbayes_file_mode 0777\n` +
      `dns_available no\nskip_rbl_checks 1\nuse_razor2 0\nuse_pyzor 0\nuse_dcc 0\nuse_auto_whitelist 0\n`,
  );
  mkdirSync(path.join(base, 'bayes'), { recursive: true });
  const env = { ...process.env, HOME: home };
  const t0 = Date.now();
  for (const [flag, dir] of [['--spam', dirs.trainSpam], ['--ham', dirs.trainHam]]) {
    const out = execFileSync('sa-learn', ['-L', `--siteconfigpath=${site}`, `--dbpath=${base}/bayes`, flag, dir], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    log(`sa-learn ${flag}: ${out.trim()}`);
  }
  log(`sa-learn took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  // spamd drops root privileges to nobody: the temp tree must be readable by it.
  for (let p = base; p !== path.dirname(root); p = path.dirname(p)) chmodSync(p, 0o755);
  execFileSync('chmod', ['-R', 'a+rwX', base]);
  const port = await freePort();
  const spamd = spawn('spamd', ['-L', `--siteconfigpath=${site}`, '--nouser-config', '--max-children=2', '--min-children=2', `--listen=127.0.0.1:${port}`, '--syslog=stderr', `--helper-home-dir=${home}`, `--pidfile=${base}/spamd.pid`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  spamd.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  try {
    await waitFor(async () => {
      try {
        execFileSync('spamc', ['-d', '127.0.0.1', '-p', String(port), '-K'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    }, 120_000, () => `spamd did not start: ${stderr}`);
    const scanOne = (f) =>
      new Promise((resolve) => {
        const c = spawn('spamc', ['-x', '-c', '-d', '127.0.0.1', '-p', String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('close', (code) => resolve({ code, out: out.trim() }));
        c.stdin.end(readFileSync(f.path));
      });
    // Probe the rate on the first 60 messages (every set interleaved), then decide full or subset.
    const results = new Map();
    const probe = evalFiles.filter((_, i) => i % Math.ceil(evalFiles.length / 60) === 0);
    const tp = Date.now();
    for (const [f, r] of await pool(probe, 2, async (f) => [f, await scanOne(f)])) results.set(f.path, r);
    const rate = probe.length / ((Date.now() - tp) / 1000);
    const projected = evalFiles.length / rate;
    const stride = projected > BUDGET_S ? Math.ceil(projected / BUDGET_S) : 1;
    const chosen = evalFiles.filter((_, i) => i % stride === 0);
    log(`spamassassin: ~${rate.toFixed(1)} msgs/s, ${stride === 1 ? 'full evaluation half' : `subset: every ${stride}th message of the evaluation list (${chosen.length})`}`);
    const meter = memoryMeter(() => [spamd.pid]);
    let peakMb = 0;
    const stopMeasuring = every250ms(() => (peakMb = Math.max(peakMb, meter.read())));
    const t1 = process.hrtime.bigint();
    for (const [f, r] of await pool(chosen, 2, async (f) => [f, await scanOne(f)])) results.set(f.path, r);
    const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
    stopMeasuring();
    const errors = chosen.filter((f) => ![0, 1].includes(results.get(f.path).code)).length;
    if (errors) log(`spamassassin: ${errors} spamc errors`);
    return {
      label: `SpamAssassin ${saVersion()} (spamd -L, 2 children${stride > 1 ? `, 1 in ${stride} subset` : ''})`,
      seconds,
      peakMb,
      files: chosen,
      isSpam: (f) => results.get(f.path)?.code === 1,
    };
  } finally {
    spamd.kill('SIGTERM');
  }
}

function saVersion() {
  try {
    return /version (\S+)/.exec(execFileSync('spamassassin', ['--version']).toString())?.[1] ?? '';
  } catch {
    return '';
  }
}
