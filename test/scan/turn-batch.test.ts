// Items of one event-loop turn sent together: in order, once each, at the turn's end or as soon
// as a limit is reached; an item that does not fit starts the next batch. The scan command's
// output (lines to one write), the daemon client (messages to one request) and a worker's
// replies (test/scan/outbox.test.ts) are batched so.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { TurnBatch } from '../../src/scan/turn-batch.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('TurnBatch', () => {
  it('joins a turn of output lines into one write, in order, and flushes on demand', async () => {
    const writes: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        writes.push(chunk.toString());
        done();
      },
    });
    const out = new TurnBatch<string>((lines) => stream.write(lines.join('')));
    out.add('a\n');
    out.add('b\n');
    assert.deepEqual(writes, []);
    await turn();
    assert.deepEqual(writes, ['a\nb\n']);
    out.add('c\n');
    out.flush();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
    // The turn's scheduled flush finds nothing left.
    await turn();
    out.flush();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
  });

  it('sends at a count or a weight; a heavy item starts a batch, alone past the limit', async () => {
    const sent: number[][] = [];
    const batch = new TurnBatch<number>((items) => sent.push(items), { maxItems: 3, maxWeight: 10, weight: (n) => n });
    for (const n of [1, 1, 1, 1]) batch.add(n);
    assert.deepEqual(sent, [[1, 1, 1]], 'sent at three items, before the turn ends');
    batch.add(6);
    batch.add(5);
    assert.deepEqual(sent, [[1, 1, 1], [1, 6]], '1 + 6 + 5 would pass 10: 5 starts the next batch');
    batch.add(20);
    assert.deepEqual(sent, [[1, 1, 1], [1, 6], [5], [20]], 'heavier than the limit: alone, at once');
    batch.add(4);
    batch.add(6);
    assert.deepEqual(sent.at(-1), [4, 6], 'exactly the limit: sent at once');
    batch.add(2);
    await turn();
    assert.deepEqual(sent, [[1, 1, 1], [1, 6], [5], [20], [4, 6], [2]]);
  });
});
