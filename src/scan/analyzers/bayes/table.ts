// The Bayes model's token table: token hash → packed counts in shared memory, so that a scan
// pool can hand one copy to all its worker threads (shared.ts). A table once handed out is never
// written again; a refresh builds the next one (model.ts).

/** A token table's storage, which can be posted to another thread without a copy. */
export interface TableArrays {
  keys: SharedArrayBuffer;
  values: SharedArrayBuffer;
  used: number;
  size: number;
}

/** n float64 slots in shared memory (plain reads and writes; the sharing protocol is copy-on-write). */
const sharedF64 = (n: number) => new Float64Array(new SharedArrayBuffer(n * 8));

/**
 * Token hash → packed counts, in an open-addressing table over typed arrays. A Map of a few
 * hundred thousand 53-bit keys holds as many heap numbers, which every major GC walks and which
 * made each lookup hash a boxed double; here keys and counts are plain float64 slots. A removed
 * token keeps its slot with NaN counts (tokens seldom disappear; the table is rebuilt when it grows).
 */
export class TokenTable {
  private keys: Float64Array;
  private values: Float64Array;
  private mask: number;
  /** Occupied slots, removed tokens included. */
  private used = 0;
  /** Tokens with counts. */
  size = 0;

  /** An empty table for about `capacity` tokens, or one over existing storage. */
  constructor(capacity = 1024, from?: { keys: Float64Array; values: Float64Array; used: number; size: number }) {
    if (from) {
      this.keys = from.keys;
      this.values = from.values;
      this.used = from.used;
      this.size = from.size;
    } else {
      let cap = 1024;
      while (cap < capacity * 2) cap *= 2;
      this.keys = sharedF64(cap).fill(-1);
      this.values = sharedF64(cap);
    }
    this.mask = this.keys.length - 1;
  }

  /** A table over another thread's storage (from TokenTable.arrays()), to be read only. */
  static attach(a: TableArrays): TokenTable {
    return new TokenTable(0, { keys: new Float64Array(a.keys), values: new Float64Array(a.values), used: a.used, size: a.size });
  }

  /** The storage, to post to another thread; from then on nobody may write to this table. */
  arrays(): TableArrays {
    return { keys: this.keys.buffer as SharedArrayBuffer, values: this.values.buffer as SharedArrayBuffer, used: this.used, size: this.size };
  }

  /** An independent copy (new shared buffers), to build the next version on. */
  clone(): TokenTable {
    const keys = sharedF64(this.keys.length);
    keys.set(this.keys);
    const values = sharedF64(this.values.length);
    values.set(this.values);
    return new TokenTable(0, { keys, values, used: this.used, size: this.size });
  }

  /** Calls fn for every token with counts. */
  forEach(fn: (token: number, packed: number) => void): void {
    const { keys, values } = this;
    for (let i = 0; i < keys.length; i++) {
      const v = values[i]!;
      if (keys[i] !== -1 && v === v) fn(keys[i]!, v);
    }
  }

  private slot(token: number): number {
    // Tokens are non-negative integers below 2^53: the low 32 bits, mixed, pick the slot.
    let i = Math.imul(token >>> 0, 0x9e3779b1) & this.mask;
    const keys = this.keys;
    while (keys[i] !== token && keys[i] !== -1) i = (i + 1) & this.mask;
    return i;
  }

  get(token: number): number | undefined {
    const i = this.slot(token);
    if (this.keys[i] === -1) return undefined;
    const v = this.values[i]!;
    return v === v ? v : undefined;
  }

  set(token: number, packed: number): void {
    let i = this.slot(token);
    if (this.keys[i] === -1) {
      if ((this.used + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(token);
      }
      this.keys[i] = token;
      this.used++;
      this.size++;
    } else if (this.values[i] !== this.values[i]) this.size++;
    this.values[i] = packed;
  }

  delete(token: number): void {
    const i = this.slot(token);
    if (this.keys[i] === -1 || this.values[i] !== this.values[i]) return;
    this.values[i] = NaN;
    this.size--;
  }

  private grow(): void {
    const next = new TokenTable(Math.max(this.size, 512) * 2);
    this.forEach((token, packed) => next.set(token, packed));
    this.keys = next.keys;
    this.values = next.values;
    this.mask = next.mask;
    this.used = next.used;
    this.size = next.size;
  }
}
