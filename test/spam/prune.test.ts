// Pruning the Bayes model past max_tokens, on SQLite and PostgreSQL: the least telling tokens go
// (fewest messages, then least recently changed) down to 90 %; a scanner's copy loaded before the
// prune loads again at its next refresh and no longer holds them; the snapshot of the old
// generation is never used again, not even one a loader writes after the prune; two prunes at once
// prune once; the gateway's job prunes at start; `rampart train` prunes past the configured limit
// and says so.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pack } from '../../src/scan/analyzers/bayes/classify.js';
import { CachedModel } from '../../src/scan/analyzers/bayes/model.js';
import { PRUNE_TO, pruneModel, startBayesPrune } from '../../src/scan/analyzers/bayes/prune.js';
import { createLogger } from '../../src/log.js';
import { readSnapshot, writeSnapshot } from '../../src/scan/analyzers/bayes/snapshot.js';
import { TokenTable } from '../../src/scan/analyzers/bayes/table.js';
import { openStore } from '../../src/store/db.js';
import { rampart } from '../helpers/cli.js';
import { DATABASES, makeDatabase } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';
import { tokenAt, writeTokens } from './token-rows.js';
import { toyMessage } from './toy.js';

const ANY = Number.MAX_SAFE_INTEGER;

for (const kind of DATABASES) {
  describe(`bayes prune (${kind})`, () => {
    it('keeps the model within max_tokens, dropping the rarest and oldest tokens; copies and snapshots follow', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const db = store.db;
        // 30,000 tokens: [0, 10k) seen once long ago, [10k, 20k) seen once lately, [20k, 30k) seen
        // in five messages long ago. The prune to 20,000 × 0.9 = 18,000 must take the 12,000
        // oldest hapaxes: all of the first block and 2,000 of the second, none of the third.
        await writeTokens(db, 0, 10_000, 1, 0);
        await writeTokens(db, 20_000, 30_000, 2, 3);
        const before = new CachedModel(db);
        await before.ensureFresh(Date.now(), 0);
        await writeTokens(db, 10_000, 20_000, 0, 1);
        await before.ensureFresh(Date.now(), 0);
        assert.equal(before.size, 30_000);
        assert.ok(await readSnapshot(db, ANY, 0), 'the first load left a snapshot');
        const generation = before.generation;

        assert.deepEqual(await pruneModel(db, 30_000), { tokens: 30_000, removed: 0 }, 'within the limit nothing goes');
        const r = await pruneModel(db, 20_000);
        assert.deepEqual(r, { tokens: 30_000, removed: 12_000 });
        const rows = await db.selectFrom('bayes_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(rows.n), 20_000 * PRUNE_TO);
        assert.equal(await readSnapshot(db, ANY, generation), null, 'the old snapshot is gone');

        // The copy loaded before the prune loads again at its next refresh.
        await before.ensureFresh(Date.now(), 0);
        assert.equal(before.generation, generation + 1);
        assert.equal(before.size, 18_000);
        assert.equal(before.get(tokenAt(5)), undefined, 'an old hapax is gone');
        assert.equal(before.get(tokenAt(11_999)), undefined, 'the first 2,000 of the later hapaxes too (token order among equals)');
        assert.equal(before.get(tokenAt(12_000)), pack(0, 1));
        assert.equal(before.get(tokenAt(19_999)), pack(0, 1), 'the latest hapaxes stay');
        assert.equal(before.get(tokenAt(25_000)), pack(2, 3), 'a token seen in five messages stays');

        // A snapshot of the old generation, written late by a loader that began before the prune,
        // is not used: a new loader reads the rows.
        const stale = new TokenTable();
        stale.set(tokenAt(5), pack(1, 0));
        await writeSnapshot(db, { version: before.version, generation, spamCount: 9, hamCount: 9, table: stale });
        const fresh = new CachedModel(db);
        await fresh.ensureFresh(Date.now(), 0);
        assert.equal(fresh.size, 18_000);
        assert.equal(fresh.get(tokenAt(5)), undefined);
        assert.notEqual(fresh.spamCount, 9, 'not the stale snapshot');
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}

for (const kind of DATABASES) {
  describe(`bayes prune from two places at once (${kind})`, () => {
    it('prunes once: the second finds the model within bounds and leaves the generation alone', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        await writeTokens(store.db, 0, 200, 1, 1);
        const results = await Promise.all([pruneModel(store.db, 100), pruneModel(store.db, 100)]);
        assert.deepEqual(results.map((r) => r.removed).sort((a, b) => a - b), [0, 110]);
        const meta = await store.db.selectFrom('bayes_meta').selectAll().executeTakeFirstOrThrow();
        assert.equal(meta.generation, 1);
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}

describe("the gateway's hourly prune", () => {
  it('prunes at start when the model is past max_tokens, and not at all with max_tokens 0', async () => {
    const dir = tempDir();
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    try {
      await writeTokens(store.db, 0, 200, 1, 1);
      const count = async () => Number((await store.db.selectFrom('bayes_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const log = createLogger('silent');
      const off = startBayesPrune({ db: store.db, section: { max_tokens: 0 }, log });
      await new Promise((r) => setTimeout(r, 100));
      await off(0);
      assert.equal(await count(), 200);
      const stop = startBayesPrune({ db: store.db, section: { max_tokens: 100 }, log });
      const deadline = Date.now() + 5000;
      while ((await count()) !== 90 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await stop(0);
      assert.equal(await count(), 90);
    } finally {
      await store.close();
    }
  });
});

describe('rampart train prunes past scan.analyzers.bayes.max_tokens', () => {
  it('learns, prunes to 90 % of the limit and says how many tokens went', async () => {
    const dir = tempDir();
    const spam = path.join(dir, 'spam');
    const ham = path.join(dir, 'ham');
    for (const [d, cls] of [[spam, 'spam'], [ham, 'ham']] as const) {
      mkdirSync(d);
      for (let i = 0; i < 12; i++) writeFileSync(path.join(d, `${i}.eml`), toyMessage(cls, i));
    }
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, 'data_dir: .\ndatabase:\n  url: sqlite:rampart.db\nscan:\n  analyzers:\n    bayes:\n      max_tokens: 100\n');
    const r = await rampart(config, 'train', '--json', '--spam', spam, '--ham', ham);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.learned, 24);
    assert.ok(summary.pruned > 0, r.stdout);
    const store = await openStore({ url: 'sqlite:rampart.db', dataDir: dir });
    try {
      const rows = await store.db.selectFrom('bayes_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(rows.n), 90);
      const meta = await store.db.selectFrom('bayes_meta').selectAll().executeTakeFirstOrThrow();
      assert.equal(meta.generation, 1);
    } finally {
      await store.close();
    }
    const text = await rampart(config, 'train', '--spam', spam);
    assert.match(text.stdout, /12 already known/);
    assert.doesNotMatch(text.stdout, /pruned/, 'within the limit nothing more goes');
  });
});
