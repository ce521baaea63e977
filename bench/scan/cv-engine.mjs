#!/usr/bin/env node
// Development tool: k-fold cross-validation of the WHOLE engine on the benchmark's TRAINING half
// only (the evaluation half is never read). For each fold, `rampart train` learns the other folds
// into a fresh store and `rampart scan --json --local` scans the held-out fold, exactly as the
// benchmark does. Prints the rates and writes every verdict to cv-verdicts.jsonl for inspection.
// With --forward it is one split in time instead (ids follow arrival): the first 60 % of each group
// is learned and the last 40 % scanned, the nearest the training half comes to the shift from
// spam-1 to the later spam-2.
//   npm run build && node bench/scan/cv-engine.mjs [folds=4] [--forward] [--out FILE]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusIndex, readRaw } from './corpus.mjs';

const argv = process.argv.slice(2);
const forward = argv.includes('--forward');
const folds = forward ? 1 : Number(argv.find((a) => /^\d+$/.test(a)) ?? 4);
const outFile = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : 'cv-verdicts.jsonl';
const cli = path.resolve('dist/cli/index.js');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAMPART_')));
env.LOG_LEVEL = 'error';

const root = mkdtempSync(path.join(os.tmpdir(), 'rampart-cv-'));
try {
  const train = corpusIndex().filter((m) => m.half === 'train');
  const dirOf = (f, role, label) => path.join(root, `fold${f}`, role, label);
  const groupSize = new Map();
  for (const m of train) groupSize.set(m.group, (groupSize.get(m.group) ?? 0) + 1);
  const rank = new Map();
  train.forEach((m, i) => {
    const r = (rank.get(m.group) ?? 0) + 1;
    rank.set(m.group, r);
    // Forward: fold 0 is the test fold, for the last 40 % of each group.
    const fold = forward ? (r > groupSize.get(m.group) * 0.6 ? 0 : -1) : i % folds;
    for (let f = 0; f < folds; f++) {
      const dir = f === fold ? dirOf(f, 'test', m.set) : dirOf(f, 'train', m.label);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${m.group}-${m.id}.eml`), readRaw(m.file));
    }
  });
  const verdicts = [];
  for (let f = 0; f < folds; f++) {
    const base = path.join(root, `fold${f}`);
    const config = path.join(base, 'rampart.yaml');
    writeFileSync(config, `data_dir: ${base}/data\ndatabase:\n  url: sqlite:cv.db\nscan:\n  analyzers:\n    malware:\n      clamd:\n        enabled: false\n`);
    execFileSync(process.execPath, [cli, '-c', config, 'train', '--json', '--spam', dirOf(f, 'train', 'spam'), '--ham', dirOf(f, 'train', 'ham')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const out = execFileSync(process.execPath, [cli, '-c', config, 'scan', '--json', '--local', path.join(base, 'test')], { env, maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
    for (const line of out.split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      const set = path.basename(path.dirname(r.file));
      verdicts.push({ set, file: path.basename(r.file), category: r.category, score: r.score, symbols: r.symbols.map((s) => `${s.name}(${s.score}${s.name.startsWith('BAYES') ? ` ${s.detail}` : ''})`).join(' ') });
    }
    process.stderr.write(`fold ${f + 1}/${folds} done\n`);
  }
  writeFileSync(outFile, verdicts.map((v) => JSON.stringify(v)).join('\n') + '\n');
  const caught = (v) => !['clean', 'graymail'].includes(v.category);
  for (const set of ['spam', 'easy-ham', 'hard-ham']) {
    const sel = verdicts.filter((v) => v.set === set);
    const n = sel.filter(caught).length;
    const cats = {};
    for (const v of sel.filter(caught)) cats[v.category] = (cats[v.category] ?? 0) + 1;
    console.log(`${set.padEnd(9)} ${n}/${sel.length} caught (${((n / sel.length) * 100).toFixed(2)} %) ${JSON.stringify(cats)}`);
  }
  console.log(`verdicts in ${outFile}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
