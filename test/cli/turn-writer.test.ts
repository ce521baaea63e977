// The scan command's output: what is written in one turn of the event loop reaches the stream as
// one write, in order; flush() writes at once; nothing is written twice or lost.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { turnWriter } from '../../src/cli/turn-writer.js';

describe('turnWriter', () => {
  it('joins a turn into one write, in order, and flushes on demand', async () => {
    const writes: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        writes.push(chunk.toString());
        done();
      },
    });
    const out = turnWriter(stream);
    out.write('a\n');
    out.write('b\n');
    assert.deepEqual(writes, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ['a\nb\n']);
    out.write('c\n');
    out.flush();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
    // The turn's scheduled flush finds nothing left.
    await new Promise((r) => setImmediate(r));
    out.flush();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  });
});
