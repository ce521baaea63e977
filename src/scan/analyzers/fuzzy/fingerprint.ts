// A message's fuzzy fingerprint: 32 min-hashes over the three-word windows of its text (Rspamd's
// fuzzy shingles, Broder's resemblance). Two texts that share most of their windows share most of
// their 32 values, so a copy of a reported message with a changed greeting, name, link or number
// still matches it, and the share of equal values estimates how much of the text the two share.
import type { ParsedMessage } from '../../types.js';

export const SHINGLES = 32;
/** Words per window: one changed word alters three windows, not the text's whole fingerprint. */
const WINDOW = 3;
/** The start of a long text carries the campaign; the rest is often quoted or boilerplate. */
const MAX_WORDS = 10_000;
const MAX_CHARS = 100_000;
// A number written with separators (1,250.00, 10:30, 2026-12-01) is one '#': amounts, ids and dates vary per copy.
const NUMBER = /\p{N}+(?:[.,:/-]\p{N}+)*/gu;
const WORD = /[\p{L}#]+/gu;

/** 32 values; two fingerprints match in slot k when their k-th values are equal. */
export type Shingles = readonly number[];

/** The words the fingerprint is made of: lower-cased, numbers as '#'. */
export function fuzzyWords(msg: ParsedMessage): string[] {
  // The plain-text part when the message has one worth the name, else the HTML as the reader sees it.
  const text = msg.text.trim().length >= msg.htmlText.trim().length / 2 ? msg.text : msg.htmlText;
  // Lower-cased and numbers replaced in one pass each over the text, not per word.
  const words = text.slice(0, MAX_CHARS).toLowerCase().replace(NUMBER, '#').match(WORD) ?? [];
  return words.length > MAX_WORDS ? words.slice(0, MAX_WORDS) : words;
}

/**
 * Slot k's hash of a window is (x ^ KEY[k]) * MUL[k] mod 2^32: an xor and a multiplication by an
 * odd number are both one-to-one, so each slot orders the windows by its own permutation — the
 * min-hash family at three operations a slot (53-bit values from two full mixers per slot cost
 * twice as much and, on the training half, separated ham from campaign copies no better).
 */
const KEYS = Uint32Array.from({ length: SHINGLES }, (_, k) => fmix(0x9e3779b9 ^ Math.imul(k + 1, 0x85ebca6b)));
const MULS = Uint32Array.from({ length: SHINGLES }, (_, k) => fmix(0x7f4a7c15 ^ Math.imul(k + 1, 0xc2b2ae35)) | 1);

/** MurmurHash3's 32-bit finaliser: every input bit moves every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a of a word, mixed: each word is hashed once, not once per window it is in. */
function wordHash(s: string): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < s.length; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
  return fmix(h);
}

/**
 * The fingerprint of a text of at least `minWords` words, else null (a short text — a one-line
 * note, a signature — is shared by too many unrelated messages to say anything).
 */
/** Whether a text of these words has a fingerprint (shingles gives one). */
export const fingerprinted = (words: readonly string[], minWords: number): boolean => words.length >= Math.max(minWords, WINDOW);

export function shingles(words: readonly string[], minWords: number): Shingles | null {
  if (!fingerprinted(words, minWords)) return null;
  const hashes = words.map(wordHash);
  const min = new Uint32Array(SHINGLES).fill(0xffffffff);
  for (let i = 0; i + WINDOW <= hashes.length; i++) {
    // The window's identity, order-sensitive ("a b c" is not "c b a").
    const x = fmix(Math.imul(hashes[i]!, 0x9e3779b1) ^ Math.imul(hashes[i + 1]! ^ 0x5bd1e995, 0x85ebca6b) ^ hashes[i + 2]!);
    for (let k = 0; k < SHINGLES; k++) {
      const v = Math.imul(x ^ KEYS[k]!, MULS[k]!) >>> 0;
      if (v < min[k]!) min[k] = v;
    }
  }
  return Array.from(min);
}

/** Slots in which two fingerprints agree. */
export function agreement(x: Shingles, y: Shingles): number {
  let n = 0;
  for (let k = 0; k < SHINGLES; k++) if (x[k] === y[k]) n++;
  return n;
}
