// A scan worker's outbox: replies finished in one turn of the event loop share one postMessage,
// never more than MAX_REPLIES to one, none waits past the turn, and moved buffers go with them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REPLIES, Outbox } from '../../src/scan/outbox.js';
import type { WorkerReply } from '../../src/scan/pool.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('scan worker outbox', () => {
  it('sends the replies of one turn together, in order, at most MAX_REPLIES to a message', async () => {
    const posts: { seqs: number[]; transfers: ArrayBuffer[] }[] = [];
    const box = new Outbox({ postMessage: (replies, transfers) => posts.push({ seqs: replies.map((r) => r.seq), transfers }) });
    const fail = (seq: number): WorkerReply => ({ seq, ok: false, error: `e${seq}` });
    box.send(fail(1));
    const moved = new ArrayBuffer(4);
    box.send(fail(2), moved);
    box.send(fail(3));
    assert.equal(posts.length, 0, 'nothing is sent before the turn ends');
    await turn();
    assert.deepEqual(posts, [{ seqs: [1, 2, 3], transfers: [moved] }]);
    // A full outbox goes at once; the rest of the turn's replies at its end.
    for (let i = 0; i < MAX_REPLIES + 2; i++) box.send(fail(10 + i));
    assert.equal(posts.length, 2);
    assert.equal(posts[1]!.seqs.length, MAX_REPLIES);
    await turn();
    assert.deepEqual(
      posts.slice(1).map((p) => p.seqs),
      [Array.from({ length: MAX_REPLIES }, (_, i) => 10 + i), [10 + MAX_REPLIES, 11 + MAX_REPLIES]],
    );
    // A reply in a later turn is not held for more.
    box.send(fail(99));
    await turn();
    assert.deepEqual(posts.at(-1)!.seqs, [99]);
    assert.equal(posts.length, 4);
  });
});
