// A batch of input messages through a scanner (the local worker pool or a scan daemon): a bounded
// number in flight (enough to keep every worker busy, few enough that a directory of thousands
// never sits in memory at once), each outcome handed back in input order. `rampart scan` prints
// with it.
import { readInputs } from './inputs.js';

/** Messages in flight per worker thread of a local pool: enough that none waits for work. */
export const PER_THREAD = 16;

/**
 * Scans every message of the inputs; onOutcome (which must not throw) gets each result or error in
 * input order. An empty input (a file of no bytes, an empty mbox entry) is an error, never scanned.
 */
export async function scanInputs<T>(scan: (raw: Buffer) => Promise<T>, inFlightMax: number, inputs: readonly string[], onOutcome: (file: string, outcome: T | Error) => void): Promise<void> {
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
    const settle = (outcome: T | Error) => void done.set(i, () => onOutcome(file, outcome));
    // Nothing to scan: an error like the daemon's answer, not a verdict on no message at all.
    const scanned = m.raw.length ? scan(m.raw) : Promise.reject(new Error('empty message'));
    const tracked: Promise<void> = scanned
      .then(settle, (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))))
      .then(() => {
        inFlight.delete(tracked);
        flush();
      });
    inFlight.add(tracked);
    if (inFlight.size >= inFlightMax) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}
