// Analyzers for the shared-model pool tests, loadable by the scan worker threads: the real Bayes
// analyzer, a probe that reports which model its thread classifies against, and a spinner that
// makes a worker overrun its deadline (so that a replacement worker is tested too).
import { threadId } from 'node:worker_threads';
import { bayes } from '../../src/scan/analyzers/bayes/index.js';
import { modelFor } from '../../src/scan/analyzers/bayes/model.js';
import type { Analyzer } from '../../src/scan/types.js';

const probe: Analyzer = {
  name: 'model_probe',
  family: 'other',
  // After bayes (stage normal) has brought the model up to date for this message.
  stage: 'postfilter',
  symbols: [{ name: 'MODEL_PROBE', description: 'test: the Bayes model this thread sees', group: 'test', score: 0 }],
  analyze(m, ctx) {
    if (m.text.includes('SPIN-FOREVER')) for (;;);
    if (!ctx.db) return [];
    const model = modelFor(ctx.db) as ReturnType<typeof modelFor> & { version: number; size: number };
    const seen = { thread: threadId, kind: model.constructor.name, version: model.version, spam: model.spamCount, ham: model.hamCount, size: model.size };
    return [{ name: 'MODEL_PROBE', detail: JSON.stringify(seen) }];
  },
};

export const analyzers: readonly Analyzer[] = [bayes, probe];
export const PROBE_URL = import.meta.url;
