// The in-memory cache the connection check reads the lists through: one load per refresh
// interval, concurrent callers share the load in flight, a failed reload keeps the last value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cached } from '../../src/store/cached.js';

describe('Cached', () => {
  it('loads once per refresh interval and shares the load in flight', async () => {
    let now = 1000;
    let loads = 0;
    let release!: () => void;
    const c = new Cached(async () => {
      loads++;
      await new Promise<void>((r) => (release = r));
      return loads;
    }, { refreshMs: 100, now: () => now });
    const first = Promise.all([c.get(), c.get(), c.get()]);
    await new Promise((r) => setImmediate(r));
    release();
    assert.deepEqual(await first, [1, 1, 1]);
    assert.equal(loads, 1);
    now += 99;
    assert.equal(await c.get(), 1);
    now += 1;
    const again = c.get();
    await new Promise((r) => setImmediate(r));
    release();
    assert.equal(await again, 2);
    c.invalidate();
    const third = c.get();
    await new Promise((r) => setImmediate(r));
    release();
    assert.equal(await third, 3);
  });

  it('throws when the first load fails; later failures serve the last good value', async () => {
    let fail = true;
    let value = 'a';
    const errors: unknown[] = [];
    const c = new Cached(async () => {
      if (fail) throw new Error('db down');
      return value;
    }, { refreshMs: 0, onStaleError: (e) => errors.push(e) });
    await assert.rejects(c.get(), /db down/);
    fail = false;
    assert.equal(await c.get(), 'a');
    fail = true;
    value = 'b';
    assert.equal(await c.get(), 'a');
    assert.equal(errors.length, 1);
    fail = false;
    assert.equal(await c.get(), 'b');
  });
});
