// The scan daemon's batch body: what encodeBatch writes decodeBatch reads back byte for byte, and
// a body that does not follow the format is refused with where it went wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchFormatError, decodeBatch, encodeBatch } from '../../src/scan/batch-frames.js';

const body = (messages: Uint8Array[]) => Buffer.concat(encodeBatch(messages));

describe('batch frames', () => {
  it('reads back every message byte for byte, line feeds, digits and empty messages included', () => {
    // A fixed-seed generator: the same 200 messages each run.
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const m = Buffer.alloc(i % 17 === 0 ? 0 : next() % 3000);
      // Bytes a length line is made of, often: a decoder that looked for them would go wrong.
      for (let j = 0; j < m.length; j++) m[j] = next() % 4 === 0 ? 10 : 48 + (next() % 10);
      messages.push(m);
    }
    const back = decodeBatch(body(messages), 200);
    assert.equal(back.length, 200);
    back.forEach((m, i) => assert.ok(Buffer.from(messages[i]!).equals(m), `message ${i + 1}`));
  });

  it('refuses a body that does not follow the format, saying where', () => {
    const refused = (b: Buffer | string, max: number, expected: RegExp) =>
      assert.throws(() => decodeBatch(Buffer.from(b), max), (err: Error) => err instanceof BatchFormatError && expected.test(err.message));
    refused('', 10, /^empty batch$/);
    refused('Subject: x\n\nx\n', 10, /^message 1: expected its length in bytes and a line feed at byte 0, found "Subject: x"$/);
    refused('2\nab12', 10, /^message 2: expected its length in bytes and a line feed at byte 4, found "12"$/);
    refused('2\nab5\nabc', 10, /^message 2: 5 bytes announced, 3 left in the body$/);
    refused('-1\n', 10, /^message 1: expected its length/);
    refused(' 1\na', 10, /^message 1: expected its length/);
    refused('1234567890123\n', 10, /^message 1: expected its length/);
    refused(body([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]), 2, /^more than 2 messages in one batch$/);
    assert.equal(decodeBatch(body([Buffer.from('a'), Buffer.from('b')]), 2).length, 2);
  });
});
