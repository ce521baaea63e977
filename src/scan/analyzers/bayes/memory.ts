// An in-memory model with the same counting as the store's: for cross-validation and tests of
// the classifier without a database.
import { pack, type ModelView } from './classify.js';

export class MemoryModel implements ModelView {
  spamCount = 0;
  hamCount = 0;
  private spam = new Map<number, number>();
  private ham = new Map<number, number>();

  learn(tokens: readonly number[], cls: 'spam' | 'ham'): void {
    const m = cls === 'spam' ? this.spam : this.ham;
    for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1);
    if (cls === 'spam') this.spamCount++;
    else this.hamCount++;
  }

  get(token: number): number | undefined {
    const s = this.spam.get(token);
    const h = this.ham.get(token);
    return s === undefined && h === undefined ? undefined : pack(s ?? 0, h ?? 0);
  }
}
