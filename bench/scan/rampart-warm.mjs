// Rampart's scan pool once warm, as a running gateway's workers are: the same pool `rampart scan
// --local` starts (one worker thread per core, the shared Bayes model), first run over the
// training half with its verdicts thrown away (V8 has then compiled the hot code), then timed over
// the evaluation half RUNS times, files read inside the timed window as rspamc reads them. Prints
// one JSON line per evaluation message ({file, category}, the first timed run's) and last {times}.
//   node bench/scan/rampart-warm.mjs RUNS CONFIG TRAIN_DIR… -- EVAL_DIR…
import path from 'node:path';
import { loadConfig } from '../../dist/config/load.js';
import { ScanPool } from '../../dist/scan/pool.js';
import { scanInputs } from '../../dist/scan/batch.js';

const [runs, configFile, ...rest] = process.argv.slice(2);
const sep = rest.indexOf('--');
const warmDirs = rest.slice(0, sep);
const evalDirs = rest.slice(sep + 1);
const config = loadConfig(path.resolve(configFile));
const envelope = { clientIp: '127.0.0.1', clientHostname: null, helo: null, tls: false, mailFrom: '', rcptTo: [] };
const pool = await ScanPool.start({ config, offline: true, shareBayes: true });

try {
  // As rampart scan feeds its pool (scanInputs); a message that fails stops the benchmark.
  const scanAll = async (dirs, onVerdict) => {
    let failure = null;
    await scanInputs(pool, dirs, envelope, (file, d) => {
      if (d instanceof Error) failure ??= new Error(`${file}: ${d.message}`);
      else onVerdict(file, d.verdict.category);
    });
    if (failure) throw failure;
  };
  await scanAll(warmDirs, () => {});
  const out = [];
  const times = [];
  for (let run = 0; run < Number(runs); run++) {
    const t0 = process.hrtime.bigint();
    await scanAll(evalDirs, (file, category) => run === 0 && out.push(JSON.stringify({ file, category })));
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  process.stdout.write(`${out.join('\n')}\n${JSON.stringify({ times })}\n`);
} finally {
  await pool.close();
}
