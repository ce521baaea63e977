// Fuzzy hashes: a message whose text is a near-copy of one an operator reported (spam, phishing)
// or released as not spam, or that carries one of its attachments or a picture that looks like one
// of its pictures. One report then covers the
// whole campaign — the copies sent to other mailboxes with another greeting, name, amount or link —
// which Bayes, learning one message among hundreds of thousands of tokens, does not promise.
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import type { Analyzer, Emit, ParsedMessage } from '../../types.js';
import { fingerprinted, fuzzyWords, SHINGLES, shingles } from './fingerprint.js';
import { IMAGE_BITS } from './image.js';
import { fuzzyIndexFor, messageImages, type FuzzyClass, type FuzzyIndex } from './store.js';
import { describeScope } from './scope.js';

export const FuzzyConfig = z
  .object({
    /**
     * Share of the 32 min-hashes a message must have in common with an entry. On the benchmark's
     * training half no ham shares more than 4 of 32 with any training spam (bench/fuzzy.ts);
     * copies of one spam campaign share 19–32.
     */
    threshold: z.number().gt(0).max(1).default(0.5),
    /** Texts of fewer words get no fingerprint: short notes and signatures are alike by nature. */
    min_words: z.number().int().min(3).default(24),
    /**
     * Bits of a picture's 64-bit perceptual hash that may differ from an entry's. A copy saved
     * again as JPEG at quality 40 differs in ~2, one scaled to 80 % in ~4, one with a name painted
     * across the bottom in ~8; unrelated pictures in 20–40 (test/spam/fuzzy-image.test.ts).
     */
    image_bits: z.number().int().min(0).max(16).default(6),
    /** Days an added entry matches; 0: until deleted. Adding it again extends it. */
    lifetime_days: z.number().int().min(0).default(90),
    /** How often a process checks the store for added or deleted entries (ms). */
    refresh_interval: z.number().int().min(0).default(10_000),
  })
  .strict();
export type FuzzyConfig = z.infer<typeof FuzzyConfig>;

const SYMBOL: Record<FuzzyClass, string> = { spam: 'FUZZY_SPAM', phishing: 'FUZZY_PHISHING', ham: 'FUZZY_HAM' };

export const fuzzy: Analyzer = {
  name: 'fuzzy',
  family: 'spam',
  stage: 'normal',
  config: FuzzyConfig,
  symbols: [
    { name: 'FUZZY_SPAM', description: 'Near-copy of a message reported as spam, one of its attachments or pictures (weight: share of the fingerprint in common)', group: 'fuzzy', score: 16, category: 'spam' },
    { name: 'FUZZY_PHISHING', description: 'Near-copy of a message reported as phishing, one of its attachments or pictures (weight: share of the fingerprint in common)', group: 'fuzzy', score: 10, category: 'phishing', family: 'phishing' },
    { name: 'FUZZY_HAM', description: 'Near-copy of a message released as not spam (weight: share of the fingerprint in common)', group: 'fuzzy', score: -10 },
  ],
  analyze(msg, ctx) {
    if (!ctx.db) return [];
    const cfg = analyzerConfig(FuzzyConfig, 'fuzzy', ctx.config);
    const now = ctx.now();
    const cache = fuzzyIndexFor(ctx.db);
    // Synchronous while the copy is fresh: this runs for every message, entries or not.
    const index = cache.fresh(now.getTime(), cfg.refresh_interval);
    const domains = ctx.recipientDomains;
    return index ? lookup(msg, index, cfg, now, domains) : cache.get(now.getTime(), cfg.refresh_interval).then((i) => lookup(msg, i, cfg, now, domains));
  },
};

function lookup(msg: ParsedMessage, index: FuzzyIndex, cfg: FuzzyConfig, now: Date, domains: readonly string[]): Emit[] {
  // No entries (the usual state of a new installation): nothing to do. No text entries: the
  // fingerprint is not even computed; no picture entries: no picture is decoded. Pictures are
  // compared only for a message without a text fingerprint, as only such a message's pictures are
  // reported (store.ts): a picture campaign's copies carry a line or two; a letter with a photo
  // or a logo does not pay for decoding it (10–100 ms a picture) nor risk resembling one.
  if (index.size === 0) return [];
  const words = index.hasText || index.hasImage ? fuzzyWords(msg) : [];
  const sh = index.hasText ? shingles(words, cfg.min_words) : null;
  const images = index.hasImage && !fingerprinted(words, cfg.min_words) ? messageImages(msg) : [];
  const judge = (domain: string | null): Emit[] => {
    const out: Emit[] = [];
    for (const [cls, { entry, agree, bitsDiffer, over }] of index.match({ shingles: sh, files: msg.attachments, images, domain }, Math.ceil(cfg.threshold * SHINGLES), now, cfg.image_bits)) {
      const what =
        entry.kind === 'text' ? `${agree}/${SHINGLES}` : entry.kind === 'file' ? `file ${entry.filename ?? entry.sha256.slice(0, 16)}` : `picture ${entry.filename ?? entry.phash}, ${bitsDiffer}/${IMAGE_BITS} bits differ`;
      const notes = [entry.source, ...(entry.scope.kind === 'all' ? [] : [`for ${describeScope(entry.scope)}`])];
      if (over) notes.push(`${over.winner === entry ? '' : `${over.winner.class} #${over.winner.id} `}judged after ${over.loser.class} #${over.loser.id}`);
      out.push({ name: SYMBOL[cls], detail: `#${entry.id} ${what} "${entry.subject.slice(0, 60)}" (${notes.join('; ')})`, weight: agree / SHINGLES });
    }
    return out;
  };
  if (domains.length < 2 || !index.scoped) return judge(domains[0] ?? null);
  // Entries of some domains' judgement: each recipient domain judged on its own, each symbol
  // marked with the domains it counts for when not all of them (policy scores their copies apart).
  const byKey = new Map<string, { emit: Emit; domains: string[] }>();
  for (const d of domains) {
    for (const emit of judge(d)) {
      const key = JSON.stringify(emit);
      const seen = byKey.get(key);
      if (seen) seen.domains.push(d);
      else byKey.set(key, { emit, domains: [d] });
    }
  }
  return [...byKey.values()].map(({ emit, domains: ds }) => (ds.length === domains.length ? emit : { ...emit, domains: ds }));
}
