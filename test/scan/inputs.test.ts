// `rampart scan` starts no more workers than messages when the inputs are a few plain message
// files; anything whose message count is not known up front (a directory, an mbox, standard
// input) keeps the full pool.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fewMessages } from '../../src/scan/inputs.js';
import { tempDir } from '../helpers/tmp.js';

describe('scan inputs: fewMessages', () => {
  const dir = tempDir();
  const eml = (name: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, 'From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n');
    return p;
  };
  const one = eml('one.eml');
  const two = eml('two.eml');
  const mbox = path.join(dir, 'box.mbox');
  writeFileSync(mbox, 'From a@example.org Mon Nov 30 00:00:00 2026\nSubject: a\n\na\nFrom b@example.org Mon Nov 30 00:00:01 2026\nSubject: b\n\nb\n');
  const sub = path.join(dir, 'sub');
  mkdirSync(sub);
  const empty = path.join(dir, 'empty.eml');
  writeFileSync(empty, '');

  it('counts a few plain message files', () => {
    assert.equal(fewMessages([one], 2), 1);
    assert.equal(fewMessages([one, two], 4), 2);
    assert.equal(fewMessages([empty], 2), 1);
  });

  it('is null at or above the limit, and for anything holding an unknown number of messages', () => {
    assert.equal(fewMessages([one, two], 2), null);
    assert.equal(fewMessages([mbox], 2), null);
    assert.equal(fewMessages([sub], 2), null);
    assert.equal(fewMessages(['-'], 2), null);
    assert.equal(fewMessages([path.join(dir, 'missing.eml')], 2), null);
    assert.equal(fewMessages([one, mbox], 4), null);
  });
});
