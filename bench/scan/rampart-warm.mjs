// Rampart's scan pool once warm, as a running gateway's workers are: the same pool `rampart scan
// --local` starts (one worker thread per core, the shared Bayes model), first run over the
// training half with its verdicts thrown away (V8 has then compiled the hot code), then timed over
// the evaluation half SPEED_RUNS times (util.mjs), files read inside the timed window as rspamc
// reads them. Prints one JSON line per evaluation message ({file, category}, the first timed run's)
// and last {times}.
//   node bench/scan/rampart-warm.mjs CONFIG TRAIN_DIR… -- EVAL_DIR…
import path from 'node:path';
import { loadConfig } from '../../dist/config/load.js';
import { ScanPool } from '../../dist/scan/pool.js';
import { scanInputs } from '../../dist/scan/batch.js';
import { timedRuns } from './util.mjs';

const [configFile, ...rest] = process.argv.slice(2);
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
  const { results, times } = await timedRuns(async () => {
    const lines = [];
    await scanAll(evalDirs, (file, category) => lines.push(JSON.stringify({ file, category })));
    return lines;
  });
  process.stdout.write(`${results[0].join('\n')}\n${JSON.stringify({ times })}\n`);
} finally {
  await pool.close();
}
