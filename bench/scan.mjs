#!/usr/bin/env node
// Detection-quality and speed benchmark on the SpamAssassin public corpus: Rampart against Rspamd
// and SpamAssassin, each trained on the same training half and run with network tests off.
//   npm run bench:scan                 all three engines
//   node bench/scan.mjs --only rampart Rampart alone (after npm run build)
// Prints one table, and as the last line one JSON object with the figures.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusIndex, readRaw } from './scan/corpus.mjs';
import { runRampart, runRampartDaemon } from './scan/rampart.mjs';
import { runRspamd } from './scan/rspamd.mjs';
import { runSpamAssassin } from './scan/spamassassin.mjs';

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

  const engines = [
    ['rampart', runRampart],
    // Needs the store rampart's run trained: it runs with it (--only rampart runs both).
    ['rampart-daemon', runRampartDaemon],
    ['rspamd', runRspamd],
    ['spamassassin', runSpamAssassin],
  ].filter(([name]) => !only || name === only || name.startsWith(`${only}-`));
  const rows = [];
  const previous = new Map();
  for (const [name, run] of engines) {
    log(`--- ${name}`);
    try {
      const r = await run({ root, dirs, evalFiles, log, previous });
      previous.set(name, r);
      const files = r.files ?? evalFiles;
      const rate = (set) => {
        const sel = files.filter((f) => f.set === set);
        return sel.length ? sel.filter((f) => r.isSpam(f)).length / sel.length : null;
      };
      const sizes = Object.fromEntries(['spam', 'easy-ham', 'hard-ham'].map((set) => [set, files.filter((f) => f.set === set).length]));
      rows.push({ name, label: r.label, n: files.length, sizes, detection: rate('spam'), fpEasy: rate('easy-ham'), fpHard: rate('hard-ham'), msgsPerS: files.length / r.seconds });
    } catch (err) {
      log(`${name} failed: ${err.stack ?? err}`);
      rows.push({ name, label: `${name} (failed: ${String(err.message ?? err).split('\n')[0]})`, n: 0, detection: null, fpEasy: null, fpHard: null, msgsPerS: null });
    }
  }

  const pct = (x, d = 2) => (x === null ? 'n/a' : `${(x * 100).toFixed(d)} %`);
  // False positives also as counts: at these rates one message is a visible step.
  const withCount = (r, x, set) => (x === null ? 'n/a' : `${pct(x)} (${Math.round(x * (r.sizes?.[set] ?? 0))} of ${r.sizes?.[set] ?? '?'})`);
  const rspamdSpeed = rows.find((r) => r.name === 'rspamd')?.msgsPerS ?? null;
  const ratio = (r) => (r.msgsPerS === null || !rspamdSpeed ? 'n/a' : `${(r.msgsPerS / rspamdSpeed).toFixed(2)}×`);
  const lines = [
    '| engine | messages | spam-2 detected | FP easy-ham-2 | FP hard ham (odd) | msgs/s | msgs/s vs Rspamd |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${r.n} | ${pct(r.detection)} | ${withCount(r, r.fpEasy, 'easy-ham')} | ${withCount(r, r.fpHard, 'hard-ham')} | ${r.msgsPerS === null ? 'n/a' : r.msgsPerS.toFixed(0)} | ${ratio(r)} |`),
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
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
