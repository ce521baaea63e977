// The Bayes model a scan pool loads once and shares with its worker threads: every worker sees the
// same counts, learning is seen after the refresh interval (and not before), a replaced worker gets
// the current copy, and a copy in use is never changed under its readers (no torn reads) — on
// SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { setImmediate as yieldOnce } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { parseConfig } from '../../src/config/load.js';
import { parseMessage } from '../../src/message/parse.js';
import { pack } from '../../src/scan/analyzers/bayes/classify.js';
import { CachedModel, learnBatch } from '../../src/scan/analyzers/bayes/model.js';
import { SharedModelClient, SharedModelHost } from '../../src/scan/analyzers/bayes/shared.js';
import { ScanPool } from '../../src/scan/pool.js';
import type { Envelope } from '../../src/scan/types.js';
import type { Database } from '../../src/store/schema.js';
import { DATABASES, makeDatabase, type TestDatabase } from '../helpers/db.js';
import { PROBE_URL } from './shared-probe.js';
import { tokenAt, writeTokens } from './token-rows.js';
import { toyMessage } from './toy.js';

const envelope: Envelope = { clientIp: '192.0.2.10', clientHostname: null, helo: null, tls: false, mailFrom: 'a@sender.test', rcptTo: ['bob@example.org'] };
const toy = (kind: 'spam' | 'ham', i: number) => parseMessage(Buffer.from(toyMessage(kind, i)));

async function trainToys(db: Kysely<Database>, from: number, to: number): Promise<void> {
  const items = [];
  for (let i = from; i < to; i++) items.push({ message: await toy('spam', i), class: 'spam' as const }, { message: await toy('ham', i), class: 'ham' as const });
  await learnBatch(db, items);
}

interface Seen {
  thread: number;
  kind: string;
  version: number;
  spam: number;
  ham: number;
  size: number;
}

/** Scans `n` toy spam messages at once through the pool; returns each one's probe report and Bayes symbol. */
async function scanMany(pool: ScanPool, n: number, body = ''): Promise<{ seen: Seen; bayes: string | undefined }[]> {
  const runs = await Promise.all(
    Array.from({ length: n }, (_, i) => pool.scan({ raw: Buffer.from(toyMessage('spam', 500 + i).replace(/\r\n$/, ` ${body}\r\n`)), envelope })),
  );
  return runs.map((r) => {
    const probe = r.verdict.symbols.find((s) => s.name === 'MODEL_PROBE');
    assert.ok(probe?.detail, JSON.stringify(r.verdict.symbols));
    return { seen: JSON.parse(probe.detail) as Seen, bayes: r.verdict.symbols.find((s) => s.name.startsWith('BAYES_'))?.name };
  });
}

function startPool(tdb: TestDatabase, refreshMs: number, taskTimeoutMs?: number): Promise<ScanPool> {
  const config = parseConfig({ data_dir: tdb.dataDir, database: { url: tdb.url }, scan: { analyzers: { bayes: { min_learns: 10, refresh_interval: refreshMs } } } });
  return ScanPool.start({ config, size: 2, analyzersModule: PROBE_URL, shareBayes: true, taskTimeoutMs });
}


// Reads a table's shared storage in another thread until told to stop, counting passes whose sum
// differs from the first: a writer touching a published table would show up here.
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const slots = new Float64Array(workerData.slots);
const stop = new Int32Array(workerData.stop);
// Entries are (token, counts) pairs; an empty entry's token is -1.
const sum = () => { let s = 0; for (let i = 0; i < slots.length; i += 2) if (slots[i] !== -1) s += slots[i + 1]; return s; };
const first = sum();
parentPort.postMessage({ started: true });
let passes = 0, torn = 0;
for (;;) {
  const last = Atomics.load(stop, 0) === 1;
  if (sum() !== first) torn++;
  passes++;
  if (last) break;
}
parentPort.postMessage({ passes, torn });
`;

for (const kind of DATABASES) {
  describe(`shared bayes model (${kind})`, () => {
    it('two workers classify against one copy with the same counts', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      let pool: ScanPool | undefined;
      try {
        await trainToys(store.db, 0, 30);
        pool = await startPool(tdb, 60_000);
        const results = await scanMany(pool, 40);
        const threads = new Set(results.map((r) => r.seen.thread));
        assert.equal(threads.size, 2, 'both workers scanned');
        for (const r of results) {
          assert.equal(r.seen.kind, 'SharedModelClient');
          assert.deepEqual({ ...r.seen, thread: 0 }, { ...results[0]!.seen, thread: 0 });
          assert.equal(r.bayes, 'BAYES_SPAM');
        }
        assert.equal(results[0]!.seen.spam, 30);
        assert.equal(results[0]!.seen.ham, 30);
        assert.ok(results[0]!.seen.size > 10);
      } finally {
        await pool?.close();
        await store.close();
        await tdb.cleanup();
      }
    });

    it('learning is seen after the refresh interval, not before, also by a replaced worker', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      let pool: ScanPool | undefined;
      try {
        await trainToys(store.db, 0, 12);
        const refreshMs = 3000;
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        pool = await startPool(tdb, refreshMs, 1000);
        const first = await scanMany(pool, 8);
        const v1 = first[0]!.seen.version;
        for (const r of first) assert.deepEqual([r.seen.version, r.seen.spam, r.seen.ham], [v1, 12, 12]);
        // Let the copies age past the interval and have both workers check again (nothing new yet),
        // so that the next interval is known to run from `checked`.
        await sleep(refreshMs + 100);
        const checked = Date.now();
        const primed = await scanMany(pool, 8);
        assert.equal(new Set(primed.map((r) => r.seen.thread)).size, 2);
        await trainToys(store.db, 12, 20);
        // Within the interval the copy is not re-read (checked only if this machine did not stall
        // for the whole interval)…
        const early = await scanMany(pool, 8);
        if (Date.now() - checked < refreshMs) for (const r of early) assert.deepEqual([r.seen.version, r.seen.spam], [v1, 12]);
        else t.diagnostic('the within-interval check was skipped: the machine was too slow');
        // …after it, every worker sees the new counts.
        await sleep(refreshMs + 100);
        const later = await scanMany(pool, 8);
        for (const r of later) assert.deepEqual([r.seen.spam, r.seen.ham], [20, 20]);
        assert.ok(later[0]!.seen.version > v1);
        // A worker that overran its deadline is replaced; the new one gets the current copy.
        await assert.rejects(pool.scan({ raw: Buffer.from(toyMessage('spam', 900).replace(/\r\n$/, ' SPIN-FOREVER\r\n')), envelope }), /did not finish/);
        // The replacement starts in the background: scan until it takes a share of the messages.
        const before = new Set([...first, ...later].map((r) => r.seen.thread));
        let fresh: { seen: Seen }[] = [];
        for (let i = 0; i < 50 && !fresh.length; i++) {
          const after = await scanMany(pool, 8);
          for (const r of after) assert.deepEqual([r.seen.kind, r.seen.version, r.seen.spam, r.seen.ham], ['SharedModelClient', later[0]!.seen.version, 20, 20]);
          fresh = after.filter((r) => !before.has(r.seen.thread));
          if (!fresh.length) await sleep(200);
        }
        assert.ok(fresh.length > 0, 'the replacement worker scanned');
      } finally {
        await pool?.close();
        await store.close();
        await tdb.cleanup();
      }
    });

    it('a published table is never written: a reader thread sees the same copy throughout a refresh', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        // Many more rows than one load block (5,000), so the refresh yields between blocks.
        const n = 45_000;
        await writeTokens(store.db, 0, n, 1, 0);
        const model = new CachedModel(store.db);
        await model.ensureFresh(0, 0);
        const old = model.snapshot();
        const stop = new SharedArrayBuffer(4);
        const reader = new Worker(READER, { eval: true, workerData: { slots: old.table.slots, stop } });
        const report = new Promise<{ passes: number; torn: number }>((resolve, reject) => {
          reader.on('message', (m: { started?: true; passes: number; torn: number }) => {
            if (!m.started) resolve(m);
          });
          reader.on('error', reject);
        });
        await new Promise((r) => reader.once('message', r));
        await writeTokens(store.db, 0, n, 0, 2);
        await model.ensureFresh(1, 0);
        Atomics.store(new Int32Array(stop), 0, 1);
        const { passes, torn } = await report;
        await reader.terminate();
        assert.ok(passes >= 1);
        assert.equal(torn, 0);
        const now = model.snapshot();
        assert.ok(now.version > old.version);
        assert.notEqual(now.table.slots, old.table.slots);
        for (let i = 0; i < n; i += 997) assert.equal(model.get(tokenAt(i)), pack(0, 2));
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('a worker reads the old copy while the host refreshes, then the whole new one (no torn reads)', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      const { port1, port2 } = new MessageChannel();
      const client = new SharedModelClient(port2);
      try {
        const n = 45_000;
        await writeTokens(store.db, 0, n, 1, 0);
        new SharedModelHost(new CachedModel(store.db)).serve(port1);
        await client.ensureFresh(0, 60_000);
        assert.equal(client.spamCount, 1);
        assert.equal(client.get(tokenAt(5)), pack(1, 0));
        await writeTokens(store.db, 0, n, 0, 2);
        // Within the interval nothing is asked.
        await client.ensureFresh(30_000, 60_000);
        assert.equal(client.spamCount, 1);
        // After it, the host loads the changed rows in blocks, yielding between them; meanwhile
        // every read is of the old copy, and afterwards every read is of the new one.
        let done = false;
        const refreshed = client.ensureFresh(120_000, 60_000).then(() => {
          done = true;
        });
        let during = 0;
        while (!done) {
          for (let i = 0; i < n; i += 101) assert.equal(client.get(tokenAt(i)), pack(1, 0));
          assert.equal(client.spamCount, 1);
          during++;
          await yieldOnce();
        }
        await refreshed;
        assert.ok(during > 1, `reads during the refresh: ${during}`);
        assert.deepEqual([client.spamCount, client.hamCount], [0, 2]);
        for (let i = 0; i < n; i += 101) assert.equal(client.get(tokenAt(i)), pack(0, 2));
      } finally {
        client.close();
        port1.close();
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}
