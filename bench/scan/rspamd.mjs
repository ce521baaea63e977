// Rspamd (Debian's package) in the benchmark: a temp configuration with the network modules off,
// Bayes on the local Redis in a dedicated database (flushed before and after), trained with
// `rspamc learn_spam/learn_ham` and scanned with `rspamc` in parallel, pass by pass in turn with
// the other timed engines (scan.mjs).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, median, waitFor } from './util.mjs';

/** Redis database reserved for the benchmark's Rspamd Bayes; emptied before and after the run. */
const REDIS_DB = 13;
const DISABLED = ['rbl', 'surbl', 'emails', 'fuzzy_check', 'dcc', 'asn', 'spf', 'dkim', 'dmarc', 'arc', 'mx_check', 'neural', 'reputation', 'replies', 'greylist', 'ratelimit', 'history_redis', 'url_redirector', 'phishing', 'rspamd_update', 'dkim_signing', 'metadata_exporter', 'clickhouse', 'elastic', 'external_services', 'antivirus', 'p0f', 'bimi', 'spamtrap', 'hfilter'];
const SPAM_ACTIONS = new Set(['reject', 'add header', 'rewrite subject']);

export async function prepareRspamd({ root, dirs, evalFiles, log }) {
  const base = path.join(root, 'rspamd');
  const etc = path.join(base, 'etc');
  for (const d of ['db', 'run', 'log']) mkdirSync(path.join(base, d), { recursive: true });
  cpSync('/etc/rspamd', etc, { recursive: true, dereference: true });
  const [normal, controller] = [await freePort(), await freePort()];
  let conf = readFileSync(path.join(etc, 'rspamd.conf'), 'utf8');
  conf = conf.replace('bind_socket = "localhost:11333";', `bind_socket = "127.0.0.1:${normal}";\n    count = 2;`);
  conf = conf.replace('bind_socket = "localhost:11334";', `bind_socket = "127.0.0.1:${controller}";`);
  conf = conf.replace(/worker "rspamd_proxy" \{[\s\S]*?\n\}\n/, '').replace(/worker "fuzzy" \{[\s\S]*?\n\}\n/, '');
  writeFileSync(path.join(etc, 'rspamd.conf'), conf);
  const local = path.join(etc, 'local.d');
  mkdirSync(local, { recursive: true });
  for (const m of DISABLED) writeFileSync(path.join(local, `${m}.conf`), 'enabled = false;\n');
  writeFileSync(path.join(local, 'options.inc'), 'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 1; }\n');
  writeFileSync(path.join(local, 'logging.inc'), `type = "file"; filename = "${base}/log/rspamd.log"; level = "error";\n`);
  writeFileSync(path.join(local, 'redis.conf'), `servers = "127.0.0.1:6379"; db = "${REDIS_DB}";\n`);
  writeFileSync(path.join(local, 'classifier-bayes.conf'), `backend = "redis"; servers = "127.0.0.1:6379"; db = "${REDIS_DB}"; autolearn = false;\n`);
  writeFileSync(path.join(local, 'worker-controller.inc'), 'secure_ip = "127.0.0.1";\n');
  const flush = () => execFileSync('redis-cli', ['-h', '127.0.0.1', '-n', String(REDIS_DB), 'flushdb'], { stdio: 'ignore' });
  flush();
  // Rspamd keeps its Bayes in Redis, outside its own processes: what learning added to Redis is
  // reported beside their memory (the benchmark's database is the only one it fills).
  const redisUsedBytes = () => Number(/used_memory:(\d+)/.exec(execFileSync('redis-cli', ['-h', '127.0.0.1', 'info', 'memory']).toString())?.[1] ?? NaN);
  const redisBefore = redisUsedBytes();
  let redisMb = null;
  const vars = { CONFDIR: etc, LOCAL_CONFDIR: etc, DBDIR: `${base}/db`, RUNDIR: `${base}/run`, LOGDIR: `${base}/log` };
  const args = ['-f', '-i', '-u', 'root', '-g', 'root', '-c', path.join(etc, 'rspamd.conf'), ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}=${v}`])];
  const daemon = spawn('rspamd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const rspamc = (port, ...a) => execFileSync('rspamc', ['-h', `127.0.0.1:${port}`, '-t', '60', ...a], { maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const close = async () => {
    daemon.kill('SIGTERM');
    await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.once('exit', r)));
    flush();
  };
  try {
    await waitFor(async () => {
      try {
        rspamc(controller, 'stat');
        return true;
      } catch {
        return daemon.exitCode === null ? false : Promise.reject(new Error(`rspamd exited: ${stderr}`));
      }
    }, 120_000, () => `rspamd did not start: ${stderr}`);
    const t0 = Date.now();
    rspamc(controller, '-n', '4', 'learn_spam', dirs.trainSpam);
    rspamc(controller, '-n', '4', 'learn_ham', dirs.trainHam);
    const stat = rspamc(controller, 'stat');
    redisMb = (redisUsedBytes() - redisBefore) / 1024 / 1024;
    // Rspamd skips messages its Bayes already puts in the right class, so it learns fewer than it is sent.
    log(`rspamc learn: ${((Date.now() - t0) / 1000).toFixed(0)} s; messages learned: ${/Messages learned: (\d+)/.exec(stat)?.[1] ?? '?'}`);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    what: 'rspamc scan',
    // Memory: rspamd's main process and its workers (its Bayes is in Redis: redisMb).
    roots: () => [daemon.pid],
    // Every pass against the same workers; the actions are the first pass's.
    // Asynchronous, unlike the set-up's rspamc calls: the benchmark's memory readings run meanwhile.
    pass: async () => (await promisify(execFile)('rspamc', ['-h', `127.0.0.1:${normal}`, '-t', '60', '-n', '16', ...dirs.evalDirs], { maxBuffer: 256 * 1024 * 1024 })).stdout,
    result(results, times) {
      const out = results[0];
      const actions = new Map();
      let current = null;
      for (const line of out.split('\n')) {
        const f = /^Results for file: (.+?) \(/.exec(line);
        if (f) current = f[1];
        const a = /^Action: (.+)$/.exec(line);
        if (a && current) actions.set(current, a[1].trim());
      }
      const missing = evalFiles.filter((f) => !actions.has(f.path)).length;
      if (missing) log(`rspamd: no result for ${missing} messages`);
      return { label: `Rspamd ${version()} (2 normal workers, rspamc -n 16, median of ${times.length} runs)`, seconds: median(times), files: evalFiles, isSpam: (f) => SPAM_ACTIONS.has(actions.get(f.path) ?? ''), redisMb };
    },
    close,
  };
}

function version() {
  try {
    return /version (\S+)/.exec(execFileSync('rspamd', ['--version']).toString())?.[1] ?? '';
  } catch {
    return '';
  }
}
