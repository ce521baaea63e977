// Fuzzy hashes on the benchmark corpus: what a fingerprint and a lookup cost, and how the default
// threshold separates when every training spam is reported; and what hashing a picture costs. The threshold was chosen on the
// training half (its ham against its spam); the evaluation half is scanned once, as a measurement.
//   node --expose-gc --import tsx bench/fuzzy.ts [entries=10000]
import { performance } from 'node:perf_hooks';
// @ts-expect-error plain ES module without types
import { corpusIndex, readRaw } from './scan/corpus.mjs';
import { parseMessage } from '../src/message/parse.js';
import { FuzzyConfig } from '../src/scan/analyzers/fuzzy/index.js';
import { agreement, fuzzyWords, SHINGLES, shingles, type Shingles } from '../src/scan/analyzers/fuzzy/fingerprint.js';
import { ALL_DOMAINS } from '../src/scan/analyzers/fuzzy/scope.js';
import { FuzzyIndex, type FuzzyEntry } from '../src/scan/analyzers/fuzzy/store.js';
import { imageHash } from '../src/scan/analyzers/fuzzy/image.js';
import { jpg, png } from '../test/spam/pictures.js';

const { threshold, min_words: minWords } = FuzzyConfig.parse({});
const minAgree = Math.ceil(threshold * SHINGLES);
const extra = Number(process.argv[2] ?? 10_000);

interface Item {
  set: string;
  half: string;
  file: string;
  sh: Shingles | null;
}

const items: Item[] = [];
let fpMs = 0;
let wordsMs = 0;
for (const m of corpusIndex() as { set: string; half: string; file: string }[]) {
  const msg = await parseMessage(readRaw(m.file));
  const t = performance.now();
  const words = fuzzyWords(msg);
  const t1 = performance.now();
  const sh = shingles(words, minWords);
  wordsMs += t1 - t;
  fpMs += performance.now() - t;
  items.push({ set: m.set, half: m.half, file: m.file, sh });
}
console.log(`fingerprints: ${items.length} messages, ${(fpMs / items.length * 1000).toFixed(0)} µs each, ${(wordsMs / items.length * 1000).toFixed(0)} µs of it the words (parsing not counted); ${items.filter((i) => !i.sh).length} under min_words ${minWords}`);

const now = new Date();
const entry = (id: number, sh: Shingles): FuzzyEntry => ({ id, class: 'spam', kind: 'text', shingles: sh, words: 0, subject: '', source: 'bench', note: null, createdAt: '', judgedAt: '', expiresAt: null, scope: ALL_DOMAINS });
const reported = items.filter((i) => i.half === 'train' && i.set === 'spam' && i.sh);
// Random fingerprints fill the index to the size of a busy installation's list.
const filler = Array.from({ length: extra }, (_, k) => entry(100_000 + k, Array.from({ length: SHINGLES }, () => Math.floor(Math.random() * 2 ** 53))));
const all = [...reported.map((i, k) => entry(k, i.sh!)), ...filler];
const mem = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const before = mem();
let t = performance.now();
const index = new FuzzyIndex(all);
const built = performance.now() - t;
console.log(`index of ${index.size} entries built in ${built.toFixed(0)} ms${globalThis.gc ? `, ${((mem() - before) / 1e6).toFixed(1)} MB beside the entries` : ' (run node with --expose-gc for its size)'}`);

const scanned = items.filter((i) => i.sh);
t = performance.now();
for (const i of scanned) index.match({ shingles: i.sh, files: [], domain: null }, minAgree, now);
console.log(`lookups: ${((performance.now() - t) / scanned.length * 1000).toFixed(1)} µs each over ${scanned.length} messages`);

console.log(`\nevery training spam (${reported.length}) reported; matches at ${minAgree}/${SHINGLES} (threshold ${threshold}):`);
for (const half of ['train', 'eval']) {
  for (const set of ['spam', 'easy-ham', 'hard-ham']) {
    const sel = items.filter((i) => i.half === half && i.set === set);
    // A training spam matches itself: for those, the near-copies among the other reported spam.
    const matched = (i: Item) =>
      i.sh !== null && (half === 'train' && set === 'spam' ? reported.some((r) => r !== i && agreement(r.sh!, i.sh!) >= minAgree) : index.match({ shingles: i.sh, files: [], domain: null }, minAgree, now).size > 0);
    const n = sel.filter(matched).length;
    console.log(`  ${half === 'train' ? 'training' : 'evaluation'} ${set}: ${n} of ${sel.length}`);
  }
}

// Pictures: what hashing one costs (decoding most of it), on pictures drawn as the tests draw them.
console.log('\npicture hashes (decode + pHash), mean of 5:');
for (const [w, h] of [[400, 300], [800, 600], [1150, 860]] as const) {
  for (const [name, bytes, type] of [['JPEG q75', jpg({ width: w, height: h, seed: 1 }), 'image/jpeg'], ['PNG', png({ width: w, height: h, seed: 1 }), 'image/png']] as const) {
    imageHash(bytes, type);
    const t0 = performance.now();
    for (let k = 0; k < 5; k++) imageHash(bytes, type);
    console.log(`  ${w}×${h} ${name} (${(bytes.length / 1024).toFixed(0)} KB): ${((performance.now() - t0) / 5).toFixed(1)} ms`);
  }
}
