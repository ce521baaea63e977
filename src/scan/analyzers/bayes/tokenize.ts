// Bayes features of one message: words and word pairs of subject and body (HTML as the reader sees
// it), selected header facts and URL domains, each hashed to a 53-bit number so that the model is
// compact and a lookup is a probe of a table of numbers (table.ts).
import { getDomain } from 'tldts';
import type { ParsedMessage } from '../../types.js';

/** Bodies longer than this are cut: the start of a message carries its character. */
const MAX_BODY_CHARS = 40_000;
const MAX_WORD = 16;

/** FNV-1a over UTF-16 code units, two seeds, combined into 53 bits (a safe JS integer). */
export function hashToken(s: string): number {
  start();
  mix(s);
  return value();
}

// The two hash states while a token is hashed (module-level: no allocation per token). The word
// pair "a b" is hashed by continuing from a's state after "a " (tokenize keeps it per word): the
// same number as hashToken("a b"), without building the string or mixing a twice.
let ha = 0;
let hb = 0;
const SEED_A = 0x811c9dc5;
const SEED_B = 0x01000193 ^ 0x5bd1e995;

function start(): void {
  ha = SEED_A;
  hb = SEED_B;
}

function mix(s: string): void {
  for (let i = 0; i < s.length; i++) mixChar(s.charCodeAt(i));
}

function mixChar(c: number): void {
  ha = Math.imul(ha ^ c, 0x01000193);
  hb = Math.imul(hb ^ c, 0x5bd1e995) ^ (hb >>> 15);
}

const value = (): number => (ha >>> 11) * 4294967296 + (hb >>> 0);

const WORD = /[\p{L}\p{N}$€£][\p{L}\p{N}'$€£%!.,\-_@]*/gu;
// Chinese, Japanese and Korean are written without spaces: their runs are cut into overlapping
// character pairs (as Rspamd and CJK search engines do) instead of one unrepeatable "word".
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]{2,}/gu;

function cjkPairs(w: string, out: string[]): void {
  for (const m of w.matchAll(CJK)) {
    const run = m[0];
    for (let i = 0; i + 1 < run.length && i < 200; i++) out.push(run.slice(i, i + 2));
  }
}

/** Punctuation a word does not end with: . , ! ' - _ */
const trailing = (c: number): boolean => c === 46 || c === 44 || c === 33 || c === 39 || c === 45 || c === 95;

/** Lower-cased words; over-long ones become a length class (long URLs, base64 junk, hashes). */
function words(text: string, out: string[]): void {
  // match() with the g flag gives the matched strings alone: matchAll's match object per word
  // (index, input, groups) was the tokenizer's largest allocation.
  for (const m of text.slice(0, MAX_BODY_CHARS).match(WORD) ?? []) {
    // A word starts with a letter, digit or currency sign, so trimming never empties it.
    let end = m.length;
    while (trailing(m.charCodeAt(end - 1))) end--;
    let w = end === m.length ? m : m.slice(0, end);
    if (w.length < 2) continue;
    if (w.charCodeAt(0) >= 0x2e80 || w.charCodeAt(w.length - 1) >= 0x2e80) {
      const before = out.length;
      cjkPairs(w, out);
      if (out.length > before) continue;
    }
    if (w.length > MAX_WORD) {
      out.push(`skip:${w[0]!.toLowerCase()}${Math.floor(w.length / 10) * 10}`);
      continue;
    }
    w = w.toLowerCase();
    out.push(w);
  }
}

function headerValue(msg: ParsedMessage, key: string): string | undefined {
  for (const h of msg.headers) if (h.key === key) return h.value;
  return undefined;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/**
 * Header-derived features: who sent it, with what, in what shape, through where. Which header
 * names are present is deliberately not a feature: it describes the mail infrastructure a corpus
 * was collected through more than the message, and it generalised worse to later mail
 * (bench/scan/cv-engine.mjs --forward on the training half: 87.5 → 90.0 % spam caught, same FPs).
 */
function headerTokens(msg: ParsedMessage, out: string[]): void {
  const received = msg.headers.filter((h) => h.key === 'received');
  out.push(`rcvd:${Math.min(received.length, 10)}`);
  for (const r of received) {
    const m = /\bfrom\s+([^\s(;]+)/i.exec(r.value);
    const host = m?.[1]?.toLowerCase();
    if (host) out.push(`rcvd-from:${getDomain(host) ?? host}`);
    if (/\(\s*\[?\d+\.\d+\.\d+\.\d+\]?\s*\)/.test(r.value) || /unknown/i.test(r.value)) out.push('rcvd:nordns');
  }
  if (msg.from) {
    const d = domainOf(msg.from.address);
    out.push(`from-dom:${getDomain(d) ?? d}`);
    out.push(`from-local:${msg.from.address.slice(0, msg.from.address.indexOf('@')).replace(/\d+/g, '#')}`);
    if (!msg.from.name) out.push('from:noname');
    else for (const w of msg.from.name.toLowerCase().split(/\s+/)) if (w) out.push(`from-name:${w}`);
  } else out.push('from:none');
  if (msg.replyTo.length) out.push(msg.replyTo.some((r) => r.address === msg.from?.address) ? 'reply-to:same' : 'reply-to:other');
  out.push(`to-count:${Math.min(msg.to.length, 5)}`, `cc-count:${Math.min(msg.cc.length, 5)}`);
  const mailer = headerValue(msg, 'x-mailer') ?? headerValue(msg, 'user-agent');
  if (mailer) out.push(`mailer:${mailer.toLowerCase().split(/[\s/(;]+/).slice(0, 2).join(' ')}`);
  const ct = headerValue(msg, 'content-type');
  if (ct) {
    out.push(`ct:${ct.split(';')[0]!.trim().toLowerCase()}`);
    const cs = /charset="?([^";\s]+)/i.exec(ct);
    if (cs) out.push(`charset:${cs[1]!.toLowerCase()}`);
  } else out.push('ct:none');
  const cte = headerValue(msg, 'content-transfer-encoding');
  if (cte) out.push(`cte:${cte.trim().toLowerCase()}`);
  const mid = msg.messageId;
  if (mid) out.push(`mid:${(mid.split('@')[1] ?? '').replace(/[<>]/g, '').replace(/\d+/g, '#').toLowerCase().slice(0, 40)}`);
  else out.push('mid:none');
  out.push(msg.html ? (msg.text ? 'body:both' : 'body:html-only') : 'body:text-only');
  for (const a of msg.attachments) out.push(`att:${a.declaredType}`);
}

/**
 * The features of a message seen so far, as hashes in first-seen order without repeats. A Set of
 * 53-bit numbers boxed each one and hashed the box: here they are float64 slots of an
 * open-addressing table, reused from message to message (a stamp per slot says which message
 * filled it, so nothing is cleared between messages).
 */
class Seen {
  private slots = new Float64Array(1 << 12);
  private stamps = new Uint32Array(1 << 12);
  private shift = 20;
  private stamp = 0;
  out: number[] = [];

  reset(): void {
    this.out = [];
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
  }

  /** Adds the hash now in ha/hb unless the message already has it. */
  add(): void {
    const v = value();
    const i = this.slotOf(v);
    if (this.stamps[i] === this.stamp) return;
    this.slots[i] = v;
    this.stamps[i] = this.stamp;
    this.out.push(v);
    if (this.out.length * 2 > this.slots.length) this.grow();
  }

  /** The slot holding v in this message, or the free slot where it goes. */
  private slotOf(v: number): number {
    // v's low 32 bits are hb's: spread by Fibonacci hashing, the top bits pick the slot.
    const mask = this.slots.length - 1;
    let i = Math.imul(v >>> 0, 0x9e3779b1) >>> this.shift;
    while (this.stamps[i] === this.stamp && this.slots[i] !== v) i = (i + 1) & mask;
    return i;
  }

  /** Twice the slots, with this message's hashes placed again. */
  private grow(): void {
    const size = this.slots.length * 2;
    this.slots = new Float64Array(size);
    this.stamps = new Uint32Array(size);
    this.shift--;
    this.stamp = 1;
    for (const v of this.out) {
      const i = this.slotOf(v);
      this.slots[i] = v;
      this.stamps[i] = 1;
    }
  }
}

const seen = new Seen();
// Per body word, the hash state after "word " (where its pair with the next word continues).
let afterA = new Int32Array(1024);
let afterB = new Int32Array(1024);

/** Unique feature hashes of a message, in first-seen order. */
export function tokenize(msg: ParsedMessage): number[] {
  seen.reset();
  const one = (f: string) => {
    start();
    mix(f);
    seen.add();
  };
  const subj: string[] = [];
  words(msg.subject, subj);
  for (const w of subj) one(`s:${w}`);
  let body = msg.text;
  if (msg.htmlText && msg.htmlText.length > body.length * 2) body = `${body}\n${msg.htmlText}`;
  const bw: string[] = [];
  words(body, bw);
  if (afterA.length < bw.length) {
    afterA = new Int32Array(bw.length * 2);
    afterB = new Int32Array(bw.length * 2);
  }
  // Each word, then its pair with the word before it ("a b"), as hashToken would hash them.
  for (let i = 0; i < bw.length; i++) {
    const w = bw[i]!;
    start();
    mix(w);
    seen.add();
    mixChar(32);
    afterA[i] = ha;
    afterB[i] = hb;
    if (i > 0) {
      ha = afterA[i - 1]!;
      hb = afterB[i - 1]!;
      mix(w);
      seen.add();
    }
  }
  const header: string[] = [];
  headerTokens(msg, header);
  for (const f of header) one(f);
  const hosts = new Set<string>();
  for (const u of msg.urls) if (u.host) hosts.add(u.host);
  for (const h of hosts) {
    const reg = getDomain(h) ?? h;
    one(`url:${reg}`);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(h)) one('url:ip-literal');
  }
  one(`url-count:${Math.min(Math.ceil(Math.log2(msg.urls.length + 1)), 8)}`);
  return seen.out;
}
