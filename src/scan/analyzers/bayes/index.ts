// The Bayes analyzer: classifies the message against the shared, cached model and says how sure
// it is. It abstains until the model has learned enough of both classes.
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import type { Analyzer, Emit } from '../../types.js';
import { classify, DEFAULT_CLASSIFY } from './classify.js';
import { modelFor } from './model.js';
import { tokenize } from './tokenize.js';

export const BayesConfig = z
  .object({
    /** Learned spam and ham each needed before the classifier votes. */
    min_learns: z.number().int().min(1).default(100),
    /** How often a process checks the store for a newer model (ms). */
    refresh_interval: z.number().int().min(0).default(10_000),
    /** Probability at or above which BAYES_SPAM fires. */
    spam_threshold: z.number().min(0.5).max(1).default(0.9),
    /** Probability at or below which BAYES_HAM fires. */
    ham_threshold: z.number().min(0).max(0.5).default(0.1),
    /**
     * Token rows the model may hold; past it `rampart train` and the gateway (hourly) prune it to
     * 90 % (prune.ts). 0: no limit. The benchmark's training half makes ~350,000.
     */
    max_tokens: z.number().int().min(0).default(1_000_000),
  })
  .strict();

export const bayes: Analyzer = {
  name: 'bayes',
  family: 'spam',
  stage: 'normal',
  config: BayesConfig,
  symbols: [
    { name: 'BAYES_SPAM', description: 'Bayes classifier: probably spam (weight grows with the probability)', group: 'bayes', score: 21.5, category: 'spam' },
    { name: 'BAYES_HAM', description: 'Bayes classifier: probably ham (weight grows with the certainty)', group: 'bayes', score: -7 },
  ],
  async analyze(msg, ctx) {
    if (!ctx.db) return [];
    const cfg = analyzerConfig(BayesConfig, 'bayes', ctx.config);
    const model = modelFor(ctx.db);
    await model.ensureFresh(ctx.now().getTime(), cfg.refresh_interval);
    if (model.spamCount < cfg.min_learns || model.hamCount < cfg.min_learns) return [];
    const { probability: p, used } = classify(tokenize(msg), model, DEFAULT_CLASSIFY);
    const detail = `p=${p.toFixed(4)} tokens=${used}`;
    const out: Emit[] = [];
    // Weight 0 at 0.5, 1 at certainty. p ≥ 0.9 alone is spam. Ham evidence is capped at -7 so that
    // a message the token statistics have not seen the like of (new spam campaigns) can still be
    // caught by several rules: on the training half's forward split (bench/scan/cv-engine.mjs
    // --forward) -7 caught 92 % of the later spam against 90 % at -20.5, with the same false
    // positives; -5 began to flag hard ham.
    if (p >= cfg.spam_threshold) out.push({ name: 'BAYES_SPAM', detail, weight: Math.round((p - 0.5) * 2 * 1000) / 1000 });
    else if (p <= cfg.ham_threshold) out.push({ name: 'BAYES_HAM', detail, weight: Math.round((0.5 - p) * 2 * 1000) / 1000 });
    return out;
  },
};
