// Opt-in stage timer: RAMPART_SCAN_TIMING=N makes each scan engine (one per worker thread) print to
// standard error, every N messages, the time spent per message in parsing, in each analyzer and in
// the policy decision since the previous report. Analyzers of one stage run concurrently, so an
// analyzer's figure is the wall time from its start until it settled, including the time it
// waited for the others' synchronous work.
import { threadId } from 'node:worker_threads';

export class StageTimer {
  private totals = new Map<string, number>();
  private messages = 0;

  private constructor(private readonly every: number) {}

  /** A timer when RAMPART_SCAN_TIMING is a positive whole number, else null. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): StageTimer | null {
    const n = Number(env.RAMPART_SCAN_TIMING);
    return Number.isInteger(n) && n > 0 ? new StageTimer(n) : null;
  }

  add(name: string, ms: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + ms);
  }

  /** One message done; prints and starts over every N messages. */
  tick(): void {
    if (++this.messages < this.every) return;
    const rows = [...this.totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${(v / this.messages).toFixed(2)}`);
    process.stderr.write(`rampart scan timing (thread ${threadId}, ms per message over ${this.messages}): ${rows.join(' ')}\n`);
    this.totals.clear();
    this.messages = 0;
  }
}
