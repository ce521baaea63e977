// Every analyzer shipped in ALL_ANALYZERS declares symbols whose names are unique across the product.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ALL_ANALYZERS } from '../../src/scan/analyzers/index.js';

it('symbol names are declared once across all analyzers', () => {
  const owner = new Map<string, string>();
  const dups: string[] = [];
  for (const a of ALL_ANALYZERS) {
    for (const s of a.symbols) {
      if (owner.has(s.name)) dups.push(`${s.name} (${owner.get(s.name)} and ${a.name})`);
      owner.set(s.name, a.name);
    }
  }
  assert.deepEqual(dups, []);
  assert.ok(owner.size > 50, 'the shipped analyzers declare their symbols');
});
