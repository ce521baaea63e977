// Golden .eml → category and symbols, for every threat category and for legitimate mail, with a
// real clamd and a real store (known-bad hash, VIP list) behind the analyzers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { importHashes, importVips } from '../../src/files/lists.js';
import { parseMessage } from '../../src/message/parse.js';
import type { Store } from '../../src/store/db.js';
import { startClamd, type RunningClamd } from '../helpers/clamd.js';
import { sqliteDatabase } from '../helpers/db.js';
import { runThreats } from './harness.js';

const DIR = 'test/fixtures/threats';
const expected = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8')) as Record<string, { category: string; symbols: string[] }>;
delete (expected as Record<string, unknown>)._comment;

// Started at top level so that their after() hooks belong to the file, not to a hook.
const clamd: RunningClamd = await startClamd();
const store: Store = await (await sqliteDatabase()).open();
after(() => store.close());

describe('threat goldens', () => {
  before(async () => {
    const bad = createHash('sha256').update(readFileSync(`${DIR}/files/known-bad.bin`)).digest('hex');
    await importHashes(store.db, [{ sha256: bad, name: 'Fixture.KnownBad' }], 'test');
    await importVips(store.db, [{ domain: 'example.edu', name: 'Jane Provost', address: 'jane.provost@example.edu', title: 'President' }]);
  });

  test('every .eml fixture has an expectation and vice versa', () => {
    assert.deepEqual(readdirSync(`${DIR}/eml`).sort(), Object.keys(expected).sort());
  });

  for (const [file, want] of Object.entries(expected)) {
    test(`${file} → ${want.category}`, async () => {
      const msg = await parseMessage(readFileSync(`${DIR}/eml/${file}`), { clientIp: '192.0.2.1', clientHostname: null, helo: null, tls: false, mailFrom: '', rcptTo: [] });
      const r = await runThreats(msg, { clamd: clamd.spec, db: store.db, protectedDomains: ['example.edu'] });
      const names = new Set(r.symbols.map((s) => s.name));
      for (const s of want.symbols) assert.ok(names.has(s), `${file}: expected ${s}; got ${[...names].join(', ')}`);
      assert.equal(r.category, want.category, `${file}: symbols ${JSON.stringify(r.symbols)}`);
    });
  }

  test('outside mail using a VIP name carries the external tag header', async () => {
    const msg = await parseMessage(readFileSync(`${DIR}/eml/bec-vip-wire.eml`));
    const r = await runThreats(msg, { clamd: clamd.spec, db: store.db, protectedDomains: ['example.edu'] });
    assert.ok(r.headers.some((h) => h.key === 'x-rampart-external' && h.value.startsWith('yes')));
    const real = await runThreats(await parseMessage(readFileSync(`${DIR}/eml/clean-vip-real.eml`)), { clamd: clamd.spec, db: store.db, protectedDomains: ['example.edu'] });
    assert.equal(real.headers.length, 0);
  });
});
