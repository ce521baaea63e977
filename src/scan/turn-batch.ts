// Items handed in during one turn of the event loop, sent together at its end: the scan daemon's
// client (messages to a request), a scan worker (replies to a postMessage) and `rampart scan`'s
// output (lines to a write). Each send is a system call that wakes another thread or process —
// on a virtual machine a cross-CPU interrupt — and these were a measurable share of a scan's cost
// (README, Scan daemon; docs/scan-speed.md). An item never waits past the turn it came in.

export interface TurnBatchLimits<T> {
  /** A batch is sent as soon as it holds this many items. */
  maxItems?: number;
  /** ... or this much weight; an item that would take it past goes in the next batch. */
  maxWeight?: number;
  weight?: (item: T) => number;
}

export class TurnBatch<T> {
  private items: T[] = [];
  private weight = 0;
  private scheduled = false;

  constructor(
    private readonly send: (items: T[]) => void,
    private readonly limits: TurnBatchLimits<T> = {},
  ) {}

  add(item: T): void {
    const { maxItems = Infinity, maxWeight = Infinity } = this.limits;
    const w = this.limits.weight?.(item) ?? 0;
    // An item heavier than the room left starts a batch of its own (alone, if heavier than the limit).
    if (this.items.length && this.weight + w > maxWeight) this.flush();
    this.items.push(item);
    this.weight += w;
    if (this.items.length >= maxItems || this.weight >= maxWeight) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends what is pending now; call it before the process may exit. */
  flush(): void {
    this.scheduled = false;
    if (!this.items.length) return;
    const items = this.items;
    this.items = [];
    this.weight = 0;
    this.send(items);
  }
}
