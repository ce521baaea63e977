// A scan worker's replies to the pool, several to a postMessage. Each postMessage wakes the pool's
// thread, which mostly sleeps between replies: on a virtual machine a wake-up is a system call and
// a cross-CPU interrupt, and on two cores the woken thread takes a core from a worker — 0.17–0.23
// ms in postMessage per reply in the one-shot scan of the benchmark's 2,921 messages
// (docs/scan-speed.md). Replies that finish in one turn of the worker's event loop — all of them
// while it works through a queue without waiting on I/O — go together (turn-batch.ts); a reply
// never waits past that turn, nor behind more than MAX_REPLIES - 1 others.
import type { WorkerReply } from './pool.js';
import { TurnBatch } from './turn-batch.js';

export const MAX_REPLIES = 8;

/** The part of a MessagePort the outbox uses. */
export interface ReplyPort {
  postMessage(value: WorkerReply[], transfer: ArrayBuffer[]): void;
}

/** A reply, and the buffer to move with it rather than copy. */
interface Outgoing {
  reply: WorkerReply;
  transfer?: ArrayBuffer;
}

export class Outbox {
  private readonly batch: TurnBatch<Outgoing>;

  constructor(port: ReplyPort) {
    this.batch = new TurnBatch((out) => port.postMessage(out.map((o) => o.reply), out.flatMap((o) => (o.transfer ? [o.transfer] : []))), { maxItems: MAX_REPLIES });
  }

  /** Queues a reply; sent within this turn. */
  send(reply: WorkerReply, transfer?: ArrayBuffer): void {
    this.batch.add({ reply, transfer });
  }
}
