// The Bayes model's token table: token hash → packed counts in shared memory, so that a scan
// pool can hand one copy to all its worker threads (shared.ts). A table once handed out is never
// written again; a refresh builds the next one (model.ts).

/** A token table's storage, which can be posted to another thread without a copy. */
export interface TableArrays {
  slots: SharedArrayBuffer;
  used: number;
  size: number;
}

/** n float64 slots in shared memory (plain reads and writes; the sharing protocol is copy-on-write). */
const sharedF64 = (n: number) => new Float64Array(new SharedArrayBuffer(n * 8));

/**
 * Token hash → packed counts, in an open-addressing table over one typed array. A Map of a few
 * hundred thousand 53-bit keys holds as many heap numbers, which every major GC walks and which
 * made each lookup hash a boxed double; here each entry is two float64 slots side by side, the
 * token and its counts, so that a lookup in a table far larger than the CPU's caches costs one
 * cache miss, not one for the key and another for the counts. An empty entry has token -1. A
 * removed token keeps its entry with NaN counts (tokens seldom disappear; the table is rebuilt
 * when it grows).
 */
export class TokenTable {
  /** Entry i at 2i (token) and 2i + 1 (packed counts). */
  private slots: Float64Array;
  /** Entries - 1 (entries are a power of two). */
  private mask: number;
  /** Occupied entries, removed tokens included. */
  private used = 0;
  /** Tokens with counts. */
  size = 0;

  /** An empty table for about `capacity` tokens, or one over existing storage. */
  constructor(capacity = 1024, from?: { slots: Float64Array; used: number; size: number }) {
    if (from) {
      this.slots = from.slots;
      this.used = from.used;
      this.size = from.size;
    } else {
      let cap = 1024;
      while (cap < capacity * 2) cap *= 2;
      this.slots = sharedF64(cap * 2);
      for (let i = 0; i < this.slots.length; i += 2) this.slots[i] = -1;
    }
    this.mask = this.slots.length / 2 - 1;
  }

  /** A table over another thread's storage (from TokenTable.arrays()), to be read only. */
  static attach(a: TableArrays): TokenTable {
    return new TokenTable(0, { slots: new Float64Array(a.slots), used: a.used, size: a.size });
  }

  /** The storage, to post to another thread; from then on nobody may write to this table. */
  arrays(): TableArrays {
    return { slots: this.slots.buffer as SharedArrayBuffer, used: this.used, size: this.size };
  }

  /** An independent copy (new shared buffers), to build the next version on. */
  clone(): TokenTable {
    const slots = sharedF64(this.slots.length);
    slots.set(this.slots);
    return new TokenTable(0, { slots, used: this.used, size: this.size });
  }

  /** Calls fn for every token with counts. */
  forEach(fn: (token: number, packed: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const v = slots[i + 1]!;
      if (slots[i] !== -1 && v === v) fn(slots[i]!, v);
    }
  }

  /** The index in slots of the token's entry, or of the empty entry where it would go. */
  private slot(token: number): number {
    // Tokens are non-negative integers below 2^53: the low 32 bits, mixed, pick the entry.
    let i = Math.imul(token >>> 0, 0x9e3779b1) & this.mask;
    const slots = this.slots;
    while (slots[2 * i] !== token && slots[2 * i] !== -1) i = (i + 1) & this.mask;
    return 2 * i;
  }

  get(token: number): number | undefined {
    const i = this.slot(token);
    if (this.slots[i] === -1) return undefined;
    const v = this.slots[i + 1]!;
    return v === v ? v : undefined;
  }

  set(token: number, packed: number): void {
    let i = this.slot(token);
    if (this.slots[i] === -1) {
      if ((this.used + 1) * 4 > this.slots.length) {
        this.grow();
        i = this.slot(token);
      }
      this.slots[i] = token;
      this.used++;
      this.size++;
    } else if (this.slots[i + 1] !== this.slots[i + 1]) this.size++;
    this.slots[i + 1] = packed;
  }

  delete(token: number): void {
    const i = this.slot(token);
    if (this.slots[i] === -1 || this.slots[i + 1] !== this.slots[i + 1]) return;
    this.slots[i + 1] = NaN;
    this.size--;
  }

  private grow(): void {
    const next = new TokenTable(Math.max(this.size, 512) * 2);
    this.forEach((token, packed) => next.set(token, packed));
    this.slots = next.slots;
    this.mask = next.mask;
    this.used = next.used;
    this.size = next.size;
  }
}
