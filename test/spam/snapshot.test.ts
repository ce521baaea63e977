// The Bayes model's snapshot in the store: a first load that reads many token rows leaves one
// behind, the next first load starts from it and reads only the rows changed since, an older
// snapshot never replaces a newer one, and refreshes see every changed row whichever way SQLite
// is asked for them — on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { pack } from '../../src/scan/analyzers/bayes/classify.js';
import { CachedModel } from '../../src/scan/analyzers/bayes/model.js';
import { decodeTable, encodeTable, readSnapshot, writeSnapshot } from '../../src/scan/analyzers/bayes/snapshot.js';
import { TokenTable } from '../../src/scan/analyzers/bayes/table.js';
import type { Database } from '../../src/store/schema.js';
import { DATABASES, makeDatabase } from '../helpers/db.js';
import { tokenAt, writeTokens } from './token-rows.js';

/** A version bound every test snapshot is under. */
const ANY = Number.MAX_SAFE_INTEGER;

/** Every token of a model copy with its packed counts. */
function entries(model: { get(t: number): number | undefined }, from: number, to: number): (number | undefined)[] {
  return Array.from({ length: to - from }, (_, k) => model.get(tokenAt(from + k)));
}

describe('bayes snapshot encoding', () => {
  it('round-trips every token and its counts, and leaves removed tokens out', () => {
    const t = new TokenTable();
    for (let i = 0; i < 3000; i++) t.set(tokenAt(i), pack(i % 17, (i * 31) % 1000));
    t.set(2 ** 53 - 1, pack(4_000_000, 60_000_000)); // the largest token and large counts survive
    t.delete(tokenAt(5));
    const back = decodeTable(encodeTable(t));
    assert.equal(back.size, t.size);
    const seen: [number, number][] = [];
    t.forEach((token, packed) => seen.push([token, packed]));
    for (const [token, packed] of seen) assert.equal(back.get(token), packed, `token ${token}`);
    assert.equal(back.get(tokenAt(5)), undefined);
  });

  it('refuses a blob that is not whole entries', () => {
    assert.throws(() => decodeTable(new Uint8Array(17)), /17 bytes is not a whole number of 16-byte entries/);
  });
});

for (const kind of DATABASES) {
  describe(`bayes snapshot (${kind})`, () => {
    it('a first load of many rows stores a snapshot; the next first load starts from it and reads only newer rows', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const v1 = await writeTokens(store.db, 0, 25_000, 3, 4);
        assert.equal(await readSnapshot(store.db, ANY, 0), null, 'no snapshot before any load');
        const first = new CachedModel(store.db);
        await first.ensureFresh(Date.now(), 0);
        const snap = await readSnapshot(store.db, ANY, 0);
        assert.ok(snap, 'the first load stored a snapshot');
        assert.deepEqual([snap.version, snap.spamCount, snap.hamCount, snap.table.size], [v1, 3, 4, 25_000]);
        assert.deepEqual(entries(snap.table, 0, 25_000), entries(first, 0, 25_000));

        // A row changed behind the model's back (same version) shows which source a load used:
        // one that starts from the snapshot keeps the snapshot's counts for it.
        await store.db.updateTable('bayes_tokens').set({ spam: 99 }).where('token', '=', tokenAt(7)).execute();
        const v2 = await writeTokens(store.db, 24_990, 25_010, 8, 9);
        const second = new CachedModel(store.db);
        await second.ensureFresh(Date.now(), 0);
        assert.equal(second.get(tokenAt(7)), pack(3, 4), 'token 7 came from the snapshot, not its row');
        assert.deepEqual(entries(second, 24_990, 25_010), Array(20).fill(pack(8, 9)), 'rows newer than the snapshot were read');
        assert.deepEqual([second.version, second.spamCount, second.hamCount, second.size], [v2, 8, 9, 25_010]);
        assert.equal((await readSnapshot(store.db, ANY, 0))?.version, v1, 'twenty changed rows do not rewrite the snapshot');
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('an older copy never replaces a newer snapshot, and one ahead of the model is not read', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        const table = (n: number) => {
          const x = new TokenTable();
          for (let i = 0; i < n; i++) x.set(tokenAt(i), pack(1, 1));
          return x;
        };
        await writeSnapshot(store.db, { version: 5, generation: 0, spamCount: 1, hamCount: 1, table: table(5) });
        await writeSnapshot(store.db, { version: 4, generation: 0, spamCount: 1, hamCount: 1, table: table(4) });
        assert.deepEqual([(await readSnapshot(store.db, ANY, 0))?.version, (await readSnapshot(store.db, ANY, 0))?.table.size], [5, 5]);
        await writeSnapshot(store.db, { version: 6, generation: 0, spamCount: 2, hamCount: 2, table: table(6) });
        assert.deepEqual([(await readSnapshot(store.db, ANY, 0))?.version, (await readSnapshot(store.db, ANY, 0))?.table.size], [6, 6]);
        assert.equal(await readSnapshot(store.db, 5, 0), null, 'a snapshot ahead of the model is not read');
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('a refresh sees every changed row, for a few changes and for many', async (t) => {
      const tdb = await makeDatabase(kind);
      if (!tdb) return t.skip('PostgreSQL unreachable');
      const store = await tdb.open();
      try {
        await writeTokens(store.db, 0, 30_000, 1, 1);
        const model = new CachedModel(store.db);
        await model.ensureFresh(Date.now(), 0);
        // A few rows (SQLite: through the version index), then most of them (in token order).
        await writeTokens(store.db, 100, 150, 5, 0);
        await model.ensureFresh(Date.now(), 0);
        assert.deepEqual(entries(model, 99, 151), [pack(1, 1), ...Array(50).fill(pack(5, 0)), pack(1, 1)]);
        await writeTokens(store.db, 0, 28_000, 0, 7);
        await model.ensureFresh(Date.now(), 0);
        assert.deepEqual(entries(model, 27_999, 28_001), [pack(0, 7), pack(1, 1)]);
        assert.equal(entries(model, 0, 28_000).filter((p) => p !== pack(0, 7)).length, 0);
        assert.equal(model.size, 30_000);
      } finally {
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}
