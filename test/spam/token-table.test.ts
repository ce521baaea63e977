// The Bayes model's token table agrees with a Map through inserts, updates, removals and growth;
// a clone is independent of its original, and a table attached to another's storage reads the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenTable } from '../../src/scan/analyzers/bayes/table.js';
import { hashToken } from '../../src/scan/analyzers/bayes/tokenize.js';

describe('TokenTable', () => {
  it('matches a Map over 53-bit token hashes, with removals and regrowth', () => {
    const table = new TokenTable();
    const ref = new Map<number, number>();
    const tokens = Array.from({ length: 20_000 }, (_, i) => hashToken(`token-${i}`));
    tokens.push(0, 2 ** 53 - 1, 4294967296, 4294967297);
    for (const [i, t] of tokens.entries()) {
      table.set(t, i * 67108864 + 3);
      ref.set(t, i * 67108864 + 3);
    }
    for (const [i, t] of tokens.entries()) {
      if (i % 3 === 0) {
        table.delete(t);
        ref.delete(t);
      } else if (i % 3 === 1) {
        table.set(t, i);
        ref.set(t, i);
      }
    }
    // A removed token can come back.
    table.set(tokens[3]!, 42);
    ref.set(tokens[3]!, 42);
    assert.equal(table.size, ref.size);
    for (const t of tokens) assert.equal(table.get(t), ref.get(t));
    assert.equal(table.get(hashToken('never-seen')), undefined);
    table.delete(hashToken('never-seen'));
    assert.equal(table.size, ref.size);
  });

  it('clones into new shared storage; an attached table reads the same storage', () => {
    const table = new TokenTable();
    const tokens = Array.from({ length: 5000 }, (_, i) => hashToken(`t-${i}`));
    tokens.forEach((t, i) => table.set(t, i + 1));
    const copy = table.clone();
    for (const t of tokens.slice(0, 2500)) copy.set(t, 0);
    copy.delete(tokens[4999]!);
    copy.set(hashToken('only-in-copy'), 7);
    tokens.forEach((t, i) => assert.equal(table.get(t), i + 1));
    assert.equal(table.get(hashToken('only-in-copy')), undefined);
    assert.equal(copy.get(tokens[4999]!), undefined);
    assert.equal(copy.size, 5000);
    const arrays = copy.arrays();
    assert.ok(arrays.slots instanceof SharedArrayBuffer);
    assert.notEqual(arrays.slots, table.arrays().slots);
    const attached = TokenTable.attach(arrays);
    assert.equal(attached.size, copy.size);
    for (const t of [...tokens, hashToken('only-in-copy'), hashToken('never')]) assert.equal(attached.get(t), copy.get(t));
  });
});
