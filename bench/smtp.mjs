#!/usr/bin/env node
// `npm run bench:smtp`: the same smtp-source load through Rampart (built dist, SQLite, domain
// bench.test routed to smtp-sink) and through a private Postfix relaying to the same sink.
// Measures acceptance msgs/s, arrival at the sink, and Rampart's RSS with 1,000 idle
// connections. Prints a table and, as the last line, one JSON object. Not a test.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, openIdle, rssTreeMb, sleep, smtpSource, startPostfix, startSink, waitForCount, waitForPort } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const LOAD = {
  sessions: Number(process.env.BENCH_SESSIONS ?? 20),
  messages: Number(process.env.BENCH_MESSAGES ?? 10_000),
  size: Number(process.env.BENCH_SIZE ?? 5000),
};
const IDLE = Number(process.env.BENCH_IDLE ?? 1000);
const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const cleanups = [];
const cleanup = async () => {
  while (cleanups.length) await cleanups.pop()().catch(() => {});
};
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

async function rampart(tmp) {
  const { openStore } = await import(path.join(dist, 'store/db.js'));
  const { Directory } = await import(path.join(dist, 'directory/repository.js'));
  const sink = await startSink();
  cleanups.push(sink.stop);
  const port = await freePort();
  const dataDir = path.join(tmp, 'rampart');
  const store = await openStore({ url: 'sqlite:rampart.db', dataDir });
  await new Directory(store.db).addDomain('bench.test', { catchAll: true, routes: [{ host: '127.0.0.1', port: sink.port, tls: 'none' }] });
  await store.close();
  const cfg = path.join(tmp, 'rampart.yaml');
  writeFileSync(
    cfg,
    [
      `data_dir: ${dataDir}`,
      'log: { level: warn }',
      `smtp: { host: 127.0.0.1, port: ${port}, hostname: rampart.bench, workers: 0, max_connections: 5000, max_connections_per_ip: 5000, max_messages_per_ip_per_minute: 10000000 }`,
      "dns: { servers: ['127.0.0.1:9'], timeout: 200ms }",
      'web: { enabled: false }',
      // Without a clamd, mail is answered 451 by design; the Debian socket is not running on a
      // build machine. clamd is off here as in bench:scan: bench:threats measures the AV round trip.
      'scan: { analyzers: { malware: { clamd: { enabled: false } } } }',
      '',
    ].join('\n'),
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
  const child = spawn(process.execPath, [path.join(dist, 'cli/index.js'), '-c', cfg, 'serve'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const exited = new Promise((r) => child.once('exit', r));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  await waitForPort(port);
  await sleep(500);
  const t0 = Date.now();
  const seconds = await smtpSource(port, LOAD);
  const accepted = LOAD.messages / seconds;
  log(`rampart: ${LOAD.messages} accepted in ${seconds.toFixed(2)} s`);
  const e2e = await waitForCount(sink.count, LOAD.messages, t0, 10_000);
  const rssBusy = rssTreeMb(child.pid);
  const closeIdle = await openIdle(port, IDLE);
  await sleep(1000);
  const rss = rssTreeMb(child.pid);
  closeIdle();
  log(`rampart: ${rss.pids.length} processes, RSS ${rss.mb.toFixed(1)} MB with ${IDLE} idle connections`);
  await cleanups.pop()();
  const delivered = sink.count();
  await cleanups.pop()();
  return { accepted, e2e: e2e ? LOAD.messages / e2e : null, delivered, rss: rss.mb, rssBusy: rssBusy.mb, processes: rss.pids.length };
}

async function postfix(tmp) {
  const sink = await startSink();
  cleanups.push(sink.stop);
  const port = await freePort();
  const pf = await startPostfix(path.join(tmp, 'postfix'), port, sink.port);
  cleanups.push(pf.stop);
  await sleep(500);
  const t0 = Date.now();
  const seconds = await smtpSource(port, LOAD);
  log(`postfix: ${LOAD.messages} accepted in ${seconds.toFixed(2)} s`);
  const e2e = await waitForCount(sink.count, LOAD.messages, t0, 10_000);
  const delivered = sink.count();
  await cleanups.pop()();
  await cleanups.pop()();
  return { accepted: LOAD.messages / seconds, e2e: e2e ? LOAD.messages / e2e : null, delivered };
}

if (!existsSync(path.join(dist, 'cli/index.js'))) {
  log('dist/ is missing: run `npm run build` (npm run bench:smtp does)');
  process.exit(2);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-'));
chmodSync(tmp, 0o755); // Postfix's daemons (user postfix) must reach their queue below it
cleanups.unshift(async () => rmSync(tmp, { recursive: true, force: true }));
try {
  log(`load: smtp-source -s ${LOAD.sessions} -m ${LOAD.messages} -l ${LOAD.size}; ${os.availableParallelism()} cores; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const r = await rampart(tmp);
  const p = await postfix(tmp);
  const fmt = (x) => (x === null ? 'n/a' : x.toFixed(0));
  const rows = [
    ['', 'accepted msgs/s', 'end-to-end msgs/s', 'at sink'],
    ['rampart', fmt(r.accepted), fmt(r.e2e), `${r.delivered}/${LOAD.messages}`],
    ['postfix', fmt(p.accepted), fmt(p.e2e), `${p.delivered}/${LOAD.messages}`],
  ];
  for (const row of rows) console.log(row.map((c, i) => String(c).padEnd(i ? 20 : 10)).join(''));
  console.log(`rampart RSS with ${IDLE} idle connections: ${r.rss.toFixed(1)} MB over ${r.processes} processes (after the load: ${r.rssBusy.toFixed(1)} MB)`);
  if (r.delivered === 0) console.log('rampart end-to-end: nothing reached the sink — the delivery engine is not part of this build');
  console.log(
    JSON.stringify({
      rampart_msgs_per_s: Math.round(r.accepted),
      postfix_msgs_per_s: Math.round(p.accepted),
      ratio: Number((r.accepted / p.accepted).toFixed(2)),
      rss_mb_1000_idle: Math.round(r.rss),
      rampart_e2e_msgs_per_s: r.e2e === null ? null : Math.round(r.e2e),
      postfix_e2e_msgs_per_s: p.e2e === null ? null : Math.round(p.e2e),
    }),
  );
} finally {
  await cleanup();
}
