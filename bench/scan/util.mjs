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
 * Peak resident memory of an engine's processes while it scans: every 100 ms the VmRSS of each
 * process in the trees under roots() (the trees are walked once per root; an engine's process set
 * does not change during a pass) is summed, and the largest sum kept. Reading a few
 * /proc/PID/status files costs well under a millisecond, so sampling does not slow the pass.
 */
export function memorySampler(roots) {
  const trees = new Map();
  let peakKb = 0;
  const vmRssKb = (pid) => {
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  const sample = () => {
    let kb = 0;
    for (const root of roots()) {
      if (!trees.has(root)) trees.set(root, rssTreeMb(root).pids);
      for (const pid of trees.get(root)) kb += vmRssKb(pid);
    }
    peakKb = Math.max(peakKb, kb);
  };
  let timer = null;
  return {
    start() {
      trees.clear();
      sample();
      timer = setInterval(sample, 100);
    },
    stop() {
      clearInterval(timer);
      sample();
    },
    get peakMb() {
      return peakKb / 1024;
    },
  };
}
