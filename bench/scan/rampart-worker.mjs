// Benchmark worker thread: opens the trained store, warms the Bayes cache, then scans its share
// of the evaluation messages with every analyzer registered on main (network lookups refused) and
// reports each message's score and category.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { dist, url, dataDir, files, spamThreshold } = workerData;
const { openStore } = await import(`${dist}/store/db.js`);
const { parseMessage } = await import(`${dist}/message/parse.js`);
const { ALL_ANALYZERS } = await import(`${dist}/scan/analyzers/index.js`);

const store = await openStore({ url, dataDir, migrate: false });
const refuse = async (name) => {
  throw Object.assign(new Error(`DNS disabled in the benchmark (${name})`), { code: 'ECONNREFUSED' });
};
const signal = new AbortController().signal;
const order = { connect: 0, prefilter: 1, normal: 2, postfilter: 3 };
const analyzers = [...ALL_ANALYZERS].sort((a, b) => order[a.stage] - order[b.stage]);
const scores = new Map(analyzers.map((a) => [a.name, new Map(a.symbols.map((s) => [s.name, s]))]));

async function scan(raw) {
  const msg = await parseMessage(raw);
  let facts = {};
  let total = 0;
  let graymail = false;
  const hits = [];
  for (const a of analyzers) {
    const ctx = { resolve: refuse, now: () => new Date(), config: {}, signal, facts, protectedDomains: [], db: store.db };
    let out;
    try {
      out = await a.analyze(msg, ctx);
    } catch {
      hits.push(`${a.name.toUpperCase()}_FAIL`);
      continue;
    }
    const res = Array.isArray(out) ? { symbols: out } : out;
    if (res.facts) facts = { ...facts, ...res.facts };
    for (const e of res.symbols) {
      const def = scores.get(a.name).get(e.name);
      total += (def?.score ?? 0) * (e.weight ?? 1);
      if (def?.category === 'graymail') graymail = true;
      hits.push(e.name);
    }
  }
  return { total, category: total >= spamThreshold ? 'spam' : graymail ? 'graymail' : 'clean', hits };
}

// Warm-up outside the timed run: loads the model into this thread's cache.
await scan(readFileSync(files[0]));
parentPort.postMessage({ type: 'ready' });
parentPort.once('message', async () => {
  const results = [];
  for (const f of files) {
    const r = await scan(readFileSync(f));
    results.push({ file: f, ...r });
  }
  parentPort.postMessage({ type: 'done', results });
  await store.close();
});
