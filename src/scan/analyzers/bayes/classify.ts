// Robinson–Fisher (chi-square) combining over the most telling tokens, as in SpamBayes and
// SpamAssassin: pure arithmetic over a model snapshot, no I/O.

/** A read-only model snapshot: learned message totals and per-token counts. */
export interface ModelView {
  spamCount: number;
  hamCount: number;
  /** Packed counts of a token (see pack/unpack), undefined when never seen. */
  get(token: number): number | undefined;
}

// Counts packed into one number so a lookup is a single Map hit: spam * 2^26 + ham.
const SHIFT = 67108864;
export const pack = (spam: number, ham: number): number => Math.max(0, spam) * SHIFT + Math.max(0, Math.min(ham, SHIFT - 1));
export const unpackSpam = (p: number): number => Math.floor(p / SHIFT);
export const unpackHam = (p: number): number => p % SHIFT;

export interface ClassifyOptions {
  /** Strength of the prior for rarely seen tokens (Robinson's s). */
  strength: number;
  /** Prior probability of an unknown token (Robinson's x). */
  prior: number;
  /** Tokens whose probability is closer than this to 0.5 are ignored. */
  minDeviation: number;
  /** At most this many of the most telling tokens are combined. */
  maxTokens: number;
}

// Chosen by cross-validation on the training half (bench/scan/cv.ts): a stronger prior and a wider
// dead band than SpamBayes' defaults, and many tokens, separated that corpus best.
export const DEFAULT_CLASSIFY: ClassifyOptions = { strength: 1, prior: 0.5, minDeviation: 0.2, maxTokens: 400 };

/** P(chi² with 2v degrees of freedom ≥ x2), the series form SpamBayes uses. */
export function chi2Q(x2: number, v: number): number {
  const m = x2 / 2;
  let sum = Math.exp(-m);
  let term = sum;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}

export interface Classification {
  /** Spam probability 0..1. */
  probability: number;
  /** How many tokens were combined. */
  used: number;
}

/** The spam probability of a message from its token hashes. */
export function classify(tokens: readonly number[], model: ModelView, opts: ClassifyOptions = DEFAULT_CLASSIFY): Classification {
  const ns = Math.max(model.spamCount, 1);
  const nh = Math.max(model.hamCount, 1);
  const probs: number[] = [];
  for (const t of tokens) {
    const p = model.get(t);
    if (p === undefined) continue;
    const s = unpackSpam(p);
    const h = unpackHam(p);
    const n = s + h;
    if (n === 0) continue;
    const sr = s / ns;
    const hr = h / nh;
    const raw = sr / (sr + hr);
    const f = (opts.strength * opts.prior + n * raw) / (opts.strength + n);
    if (Math.abs(f - 0.5) >= opts.minDeviation) probs.push(f);
  }
  if (probs.length === 0) return { probability: 0.5, used: 0 };
  if (probs.length > opts.maxTokens) {
    probs.sort((a, b) => Math.abs(b - 0.5) - Math.abs(a - 0.5));
    probs.length = opts.maxTokens;
  }
  // Sums of logs instead of products: a long message would underflow the product.
  let lnS = 0;
  let lnH = 0;
  for (const f of probs) {
    lnS += Math.log(Math.max(1 - f, 1e-200));
    lnH += Math.log(Math.max(f, 1e-200));
  }
  const n = probs.length;
  const S = 1 - chi2Q(-2 * lnS, 2 * n);
  const H = 1 - chi2Q(-2 * lnH, 2 * n);
  return { probability: (S - H + 1) / 2, used: n };
}
