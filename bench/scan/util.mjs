// Small helpers for the benchmark: a free loopback port, a bounded-concurrency map, polling, the
// engines' peak memory.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { rssTreeMb } from '../lib.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Maps items with at most n in flight; results in input order. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

export async function waitFor(check, timeoutMs, describe) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(describe());
}

/**
 * How many times Rampart and Rspamd scan the evaluation half in one benchmark run; their speed is
 * the median. The machine is shared and its speed drifts: the engines' passes take turns (scan.mjs),
 * so that each round meets the same neighbours.
 */
export const SPEED_RUNS = 3;

export const formatTimes = (times) => `${times.map((t) => t.toFixed(2)).join(' / ')} s`;

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Memory of an engine's processes: the proportional set size (PSS, /proc/PID/smaps_rollup) of every
 * process in the trees under roots(), summed. PSS divides each shared page among the processes
 * sharing it, so forked workers (rspamd's, spamd's children) are not counted once per worker for
 * the pages they share with their parent, as summed RSS would. The trees are walked once per root
 * (an engine's process set does not change during a pass).
 */
export function memoryMeter(roots) {
  const trees = new Map();
  const pssKb = (pid) => {
    try {
      return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  return {
    /** The current total, in MB. */
    read() {
      let kb = 0;
      for (const root of roots()) {
        if (!trees.has(root)) trees.set(root, rssTreeMb(root).pids);
        for (const pid of trees.get(root)) kb += pssKb(pid);
      }
      return kb / 1024;
    },
    /** Forget the trees (before a pass: the one-shot command is a new process each time). */
    reset() {
      trees.clear();
    },
  };
}

/** Every 250 ms, fn(); returns a stop function that calls it once more. */
export function every250ms(fn) {
  fn();
  const timer = setInterval(fn, 250);
  return () => {
    clearInterval(timer);
    fn();
  };
}
