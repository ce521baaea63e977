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
// A number written with separators (1,250.00, 10:30, 2026-12-01) is one word.
const WORD = /[\p{L}\p{N}]+(?:[.,:/-]\p{N}+)*/gu;

/** 32 values; two fingerprints match in slot k when their k-th values are equal. */
export type Shingles = readonly number[];

/** The words the fingerprint is made of: lower-cased, digit runs as one '#' (amounts, ids, dates vary per copy). */
export function fuzzyWords(msg: ParsedMessage): string[] {
  // The plain-text part when the message has one worth the name, else the HTML as the reader sees it.
  const text = msg.text.trim().length >= msg.htmlText.trim().length / 2 ? msg.text : msg.htmlText;
  const out: string[] = [];
  for (const m of text.match(WORD) ?? []) {
    if (out.length === MAX_WORDS) break;
    out.push(m.toLowerCase().replace(/\p{N}+(?:[.,:/-]\p{N}+)*/gu, '#'));
  }
  return out;
}

/** Per-slot keys: each slot is a different hash function (the min-hash family). */
const KEYS_A = Array.from({ length: SHINGLES }, (_, k) => fmix(0x9e3779b9 ^ Math.imul(k + 1, 0x85ebca6b)));
const KEYS_B = Array.from({ length: SHINGLES }, (_, k) => fmix(0x7f4a7c15 ^ Math.imul(k + 1, 0xc2b2ae35)));

/** MurmurHash3's 32-bit finaliser: every input bit moves every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The fingerprint of a text of at least `minWords` words, else null (a short text — a one-line
 * note, a signature — is shared by too many unrelated messages to say anything). Values are 53-bit
 * integers, so that the minima of unrelated long texts do not collide by chance.
 */
export function shingles(words: readonly string[], minWords: number): Shingles | null {
  if (words.length < Math.max(minWords, WINDOW)) return null;
  const min = new Array<number>(SHINGLES).fill(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i + WINDOW <= words.length; i++) {
    // FNV-1a over the window, two seeds: the window's 64-bit identity.
    let a = 0x811c9dc5;
    let b = 0x01000193;
    for (let w = i; w < i + WINDOW; w++) {
      const s = words[w]!;
      for (let j = 0; j < s.length; j++) {
        const c = s.charCodeAt(j);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
      }
      a = Math.imul(a ^ 32, 0x01000193);
      b = Math.imul(b ^ 32, 0x5bd1e995) ^ (b >>> 15);
    }
    for (let k = 0; k < SHINGLES; k++) {
      const v = (fmix(a ^ KEYS_A[k]!) >>> 11) * 4294967296 + fmix(b ^ KEYS_B[k]!);
      if (v < min[k]!) min[k] = v;
    }
  }
  return min;
}

/** Slots in which two fingerprints agree. */
export function agreement(x: Shingles, y: Shingles): number {
  let n = 0;
  for (let k = 0; k < SHINGLES; k++) if (x[k] === y[k]) n++;
  return n;
}
