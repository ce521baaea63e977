#!/usr/bin/env node
// Detection-quality and speed benchmark on the SpamAssassin public corpus: Rampart against Rspamd
// and SpamAssassin, each trained on the same training half and run with network tests off.
//   npm run bench:scan                 all three engines
//   node bench/scan.mjs --only rampart Rampart alone (after npm run build)
// The timed engines (Rampart one-shot, Rampart daemon, Rspamd) are prepared first and then scan the
// evaluation half in turns — round 1 of each, round 2 of each, … — so that a slower stretch of this
// shared machine falls on all of them; SpamAssassin (minutes a pass) runs once, afterwards.
// Prints one table (with each engine's peak memory while it scanned), and as the last line one JSON
// object with the figures.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusIndex, readRaw } from './scan/corpus.mjs';
import { prepareRampart, prepareRampartDaemon } from './scan/rampart.mjs';
import { prepareRspamd } from './scan/rspamd.mjs';
import { runSpamAssassin } from './scan/spamassassin.mjs';
import { every250ms, formatTimes, median, memoryMeter, SPEED_RUNS } from './scan/util.mjs';

const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : null;
const log = (s) => process.stderr.write(`${s}\n`);

const root = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-scan-'));
try {
  // One copy of every message, without the mbox "From " line, shared by the three engines.
  const dirs = { trainSpam: path.join(root, 'train/spam'), trainHam: path.join(root, 'train/ham'), evalDirs: [] };
  const evalFiles = [];
  for (const m of corpusIndex()) {
    const dir = m.half === 'train' ? (m.label === 'spam' ? dirs.trainSpam : dirs.trainHam) : path.join(root, 'eval', m.set);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${m.group}-${m.id}.eml`);
    writeFileSync(file, readRaw(m.file));
    if (m.half === 'eval') {
      evalFiles.push({ path: file, set: m.set, label: m.label });
      if (!dirs.evalDirs.includes(dir)) dirs.evalDirs.push(dir);
    }
  }
  const counts = Object.fromEntries(['spam', 'easy-ham', 'hard-ham'].map((s) => [s, evalFiles.filter((f) => f.set === s).length]));
  log(`evaluation half: ${counts.spam} spam-2, ${counts['easy-ham']} easy-ham-2, ${counts['hard-ham']} odd hard-ham-1`);

  const selected = (name) => !only || name === only || name.startsWith(`${only}-`);
  const timed = [
    ['rampart', prepareRampart],
    // Needs the store rampart's preparation trained: it runs with it (--only rampart runs both).
    ['rampart-daemon', prepareRampartDaemon],
    ['rspamd', prepareRspamd],
  ].filter(([name]) => selected(name));
  const rows = [];
  const previous = new Map();
  const addRow = (name, r) => {
    previous.set(name, r);
    const files = r.files ?? evalFiles;
    const rate = (set) => {
      const sel = files.filter((f) => f.set === set);
      return sel.length ? sel.filter((f) => r.isSpam(f)).length / sel.length : null;
    };
    const sizes = Object.fromEntries(['spam', 'easy-ham', 'hard-ham'].map((set) => [set, files.filter((f) => f.set === set).length]));
    rows.push({ name, label: r.label, n: files.length, sizes, detection: rate('spam'), fpEasy: rate('easy-ham'), fpHard: rate('hard-ham'), msgsPerS: files.length / r.seconds, peakMb: r.peakMb ?? null, redisMb: r.redisMb ?? null });
  };
  const failed = (name, err) => {
    log(`${name} failed: ${err.stack ?? err}`);
    rows.push({ name, label: `${name} (failed: ${String(err.message ?? err).split('\n')[0]})`, n: 0, detection: null, fpEasy: null, fpHard: null, msgsPerS: null, peakMb: null, redisMb: null });
  };
  const ctx = { root, dirs, evalFiles, log };
  const prepared = [];
  let stopMeasuring = () => {};
  try {
    for (const [name, prepare] of timed) {
      log(`--- ${name}: preparing`);
      try {
        prepared.push({ name, engine: await prepare(ctx), results: [], times: [] });
      } catch (err) {
        failed(name, err);
      }
    }
    // Memory: every engine's processes are measured during every pass (so that the reading costs
    // each pass the same), and each engine's peak taken over its own passes.
    for (const p of prepared) {
      p.meter = memoryMeter(() => p.engine.roots());
      p.peakMb = 0;
    }
    let active = null;
    stopMeasuring = every250ms(() => {
      for (const p of prepared.filter((x) => !x.error)) {
        const mb = p.meter.read();
        if (p === active) p.peakMb = Math.max(p.peakMb, mb);
      }
    });
    for (let round = 1; round <= SPEED_RUNS; round++) {
      for (const p of prepared.filter((x) => !x.error)) {
        p.meter.reset();
        active = p;
        const t0 = process.hrtime.bigint();
        try {
          p.results.push(await p.engine.pass());
          p.times.push(Number(process.hrtime.bigint() - t0) / 1e9);
          log(`round ${round}: ${p.engine.what} ${p.times.at(-1).toFixed(2)} s`);
        } catch (err) {
          p.error = err;
        } finally {
          active = null;
        }
      }
    }
    stopMeasuring();
    for (const p of prepared) {
      try {
        if (p.error) throw p.error;
        log(`${p.engine.what}: ${formatTimes(p.times)}`);
        addRow(p.name, { ...p.engine.result(p.results, p.times, previous), peakMb: p.peakMb || null });
      } catch (err) {
        failed(p.name, err);
      }
    }
    // Round by round, against Rspamd's pass of the same round: how much the ratio itself moved.
    const rsp = prepared.find((p) => p.name === 'rspamd' && !p.error);
    for (const p of prepared.filter((x) => x !== rsp && !x.error && rsp)) {
      const ratios = p.times.map((t, i) => rsp.times[i] / t);
      log(`${p.engine.what} vs rspamc, round by round: ${ratios.map((r) => `${r.toFixed(2)}×`).join(' / ')} (median ${median(ratios).toFixed(2)}×)`);
    }
  } finally {
    stopMeasuring();
    for (const p of prepared) await p.engine.close().catch((err) => log(`${p.name}: closing failed: ${err.message ?? err}`));
  }
  if (selected('spamassassin')) {
    log('--- spamassassin');
    try {
      addRow('spamassassin', await runSpamAssassin(ctx));
    } catch (err) {
      failed('spamassassin', err);
    }
  }

  const pct = (x, d = 2) => (x === null ? 'n/a' : `${(x * 100).toFixed(d)} %`);
  // False positives also as counts: at these rates one message is a visible step.
  const withCount = (r, x, set) => (x === null ? 'n/a' : `${pct(x)} (${Math.round(x * (r.sizes?.[set] ?? 0))} of ${r.sizes?.[set] ?? '?'})`);
  const rspamdSpeed = rows.find((r) => r.name === 'rspamd')?.msgsPerS ?? null;
  const ratio = (r) => (r.msgsPerS === null || !rspamdSpeed ? 'n/a' : `${(r.msgsPerS / rspamdSpeed).toFixed(2)}×`);
  // Peak memory (PSS) of the engine's processes while it scanned (the client's excluded).
  const memory = (r) => (r.peakMb === null ? 'n/a' : `${r.peakMb.toFixed(0)} MB${r.redisMb !== null ? ` + ${r.redisMb.toFixed(0)} MB in Redis` : ''}`);
  const lines = [
    '| engine | messages | spam-2 detected | FP easy-ham-2 | FP hard ham (odd) | msgs/s | msgs/s vs Rspamd | peak memory (PSS) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${r.n} | ${pct(r.detection)} | ${withCount(r, r.fpEasy, 'easy-ham')} | ${withCount(r, r.fpHard, 'hard-ham')} | ${r.msgsPerS === null ? 'n/a' : r.msgsPerS.toFixed(0)} | ${ratio(r)} | ${memory(r)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const round = (x, d = 4) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);
  const get = (name) => rows.find((r) => r.name === name);
  const ram = get('rampart');
  const daemon = get('rampart-daemon');
  const vsRspamd = (r) => (r?.msgsPerS && rspamdSpeed ? round(r.msgsPerS / rspamdSpeed, 2) : null);
  const summary = {
    detection_rate: round(ram?.detection),
    fp_easy: round(ram?.fpEasy),
    fp_hard: round(ram?.fpHard),
    // One `rampart scan --local` process: start-up, model load and V8's warm-up included.
    msgs_per_s: round(ram?.msgsPerS, 1),
    rspamd_msgs_per_s: round(get('rspamd')?.msgsPerS, 1),
    speed_vs_rspamd: vsRspamd(ram),
    // Measured as Rspamd's and SpamAssassin's speeds are: a client against a running daemon.
    msgs_per_s_daemon: round(daemon?.msgsPerS, 1),
    speed_daemon_vs_rspamd: vsRspamd(daemon),
    detection_rate_daemon: round(daemon?.detection),
    spamassassin_msgs_per_s: round(get('spamassassin')?.msgsPerS, 1),
    rspamd_detection_rate: round(get('rspamd')?.detection),
    rspamd_fp_easy: round(get('rspamd')?.fpEasy),
    rspamd_fp_hard: round(get('rspamd')?.fpHard),
    spamassassin_detection_rate: round(get('spamassassin')?.detection),
    spamassassin_fp_easy: round(get('spamassassin')?.fpEasy),
    spamassassin_fp_hard: round(get('spamassassin')?.fpHard),
    spamassassin_messages: get('spamassassin')?.n ?? null,
    // Peak memory (MB, PSS) while scanning: the one-shot command, the daemon, rspamd's processes
    // (and what its Bayes took in Redis), spamd's.
    memory_mb: round(ram?.peakMb, 0),
    memory_mb_daemon: round(daemon?.peakMb, 0),
    rspamd_memory_mb: round(get('rspamd')?.peakMb, 0),
    rspamd_redis_mb: round(get('rspamd')?.redisMb, 0),
    spamassassin_memory_mb: round(get('spamassassin')?.peakMb, 0),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
