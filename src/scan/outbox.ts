// A scan worker's replies to the pool, several to a postMessage. Each postMessage wakes the pool's
// thread, which mostly sleeps between replies: on a virtual machine a wake-up is a system call and
// a cross-CPU interrupt, and on two cores the woken thread takes a core from a worker — 0.17–0.23
// ms in postMessage per reply in the one-shot scan of the benchmark's 2,921 messages (README, Scan
// speed). Replies that
// finish in one turn of the worker's event loop — all of them while it works through a queue
// without waiting on I/O — go together; a reply never waits past that turn, nor behind more than
// MAX_REPLIES - 1 others.
import type { WorkerReply } from './pool.js';

export const MAX_REPLIES = 8;

/** The part of a MessagePort the outbox uses. */
export interface ReplyPort {
  postMessage(value: WorkerReply[], transfer: ArrayBuffer[]): void;
}

export class Outbox {
  private replies: WorkerReply[] = [];
  private transfers: ArrayBuffer[] = [];
  private scheduled = false;

  constructor(private readonly port: ReplyPort) {}

  /** Queues a reply (and a buffer to move with it rather than copy); sent within this turn. */
  send(reply: WorkerReply, transfer?: ArrayBuffer): void {
    this.replies.push(reply);
    if (transfer) this.transfers.push(transfer);
    if (this.replies.length >= MAX_REPLIES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.replies.length) return;
    this.port.postMessage(this.replies, this.transfers);
    this.replies = [];
    this.transfers = [];
  }
}
