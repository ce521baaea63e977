// A batch of input messages through a scan pool: a bounded number in flight (enough to keep every
// worker busy, few enough that a directory of thousands never sits in memory at once), each
// outcome handed back in input order. `rampart scan` prints with it; the benchmark times it.
import type { Decided } from '../policy/decide.js';
import { readInputs } from './inputs.js';
import type { ScanPool } from './pool.js';
import type { Envelope } from './types.js';

/** Messages in flight per worker thread. */
const PER_THREAD = 16;

/** Scans every message of the inputs; onOutcome (which must not throw) gets each verdict or error in input order. */
export async function scanInputs(pool: ScanPool, inputs: readonly string[], envelope: Envelope, onOutcome: (file: string, outcome: Decided | Error) => void): Promise<void> {
  const done = new Map<number, () => void>();
  let next = 0;
  const flush = () => {
    for (let report = done.get(next); report; report = done.get(next)) {
      done.delete(next++);
      report();
    }
  };
  const inFlight = new Set<Promise<void>>();
  let index = 0;
  for await (const m of readInputs(inputs)) {
    const i = index++;
    // Only the name waits for its turn, not the message's bytes.
    const file = m.file;
    const settle = (outcome: Decided | Error) => void done.set(i, () => onOutcome(file, outcome));
    const tracked: Promise<void> = pool
      .scan({ raw: m.raw, envelope })
      .then(settle, (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))))
      .then(() => {
        inFlight.delete(tracked);
        flush();
      });
    inFlight.add(tracked);
    if (inFlight.size >= pool.size * PER_THREAD) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}
