// The test analyzers as a module the scan worker threads can load (ScanPool analyzersModule),
// plus one that spins the CPU forever on a marker, to prove a runaway worker is replaced.
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import type { Analyzer } from '../../src/scan/types.js';
import { FAKES } from './fake-analyzers.js';

/** In a worker, this module answers "ping" on this channel with its thread id: tests see which workers live. */
export const PING_CHANNEL = 'rampart-test-scan-workers';
if (!isMainThread) {
  const ch = new BroadcastChannel(PING_CHANNEL);
  ch.onmessage = (e) => {
    if ((e as { data: unknown }).data === 'ping') ch.postMessage(threadId);
  };
  ch.unref();
}

const spin: Analyzer = {
  name: 'spinner',
  family: 'other',
  stage: 'normal',
  symbols: [],
  analyze(m) {
    if (m.text.includes('SPIN-FOREVER')) for (;;);
    return [];
  },
};

export const analyzers: readonly Analyzer[] = [...FAKES, spin];
export const MODULE_URL = import.meta.url;
