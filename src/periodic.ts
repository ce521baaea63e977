// A housekeeping job of the gateway's primary process: run at start and then every interval,
// never two runs at once, a failure logged and retried at the next interval. Its stop function
// waits for a run in progress.
import type { Logger } from './log.js';

export function startPeriodic(o: { what: string; intervalMs: number; run: () => Promise<void>; log: Logger }): (graceMs: number) => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= o
      .run()
      .catch((err: unknown) => o.log.error({ err }, `${o.what} failed`))
      .finally(() => {
        running = null;
      });
  };
  const first = setImmediate(tick);
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  return async () => {
    clearImmediate(first);
    clearInterval(timer);
    await running;
  };
}

/** How often a job bounded by an age looks for what is past it: hourly, or at each age when shorter. */
export function housekeepingInterval(ageMs: number): number {
  return Math.min(3_600_000, Math.max(1000, ageMs));
}
