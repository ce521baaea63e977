// Bayes features of one message: words and word pairs of subject and body (HTML as the reader sees
// it), selected header facts and URL domains, each hashed to a 53-bit number so that the model is
// compact and lookups are Map hits on numbers.
import { getDomain } from 'tldts';
import type { ParsedMessage } from '../../types.js';

/** Bodies longer than this are cut: the start of a message carries its character. */
const MAX_BODY_CHARS = 40_000;
const MAX_WORD = 16;

/** FNV-1a over UTF-16 code units, two seeds, combined into 53 bits (a safe JS integer). */
export function hashToken(s: string): number {
  return hashPair(s, null);
}

/**
 * hashToken(`${a} ${b}`) without building the string (b null: hashToken(a)): a message has
 * thousands of word pairs, and their strings were most of the tokenizer's garbage.
 */
function hashPair(first: string, second: string | null): number {
  ha = 0x811c9dc5;
  hb = 0x01000193 ^ 0x5bd1e995;
  mix(first);
  if (second !== null) {
    mix(' ');
    mix(second);
  }
  return (ha >>> 11) * 4294967296 + (hb >>> 0);
}

// The two hash states while hashPair runs (module-level so that mix needs no allocation).
let ha = 0;
let hb = 0;

function mix(s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    ha = Math.imul(ha ^ c, 0x01000193);
    hb = Math.imul(hb ^ c, 0x5bd1e995) ^ (hb >>> 15);
  }
}

const WORD = /[\p{L}\p{N}$€£][\p{L}\p{N}'$€£%!.,\-_@]*/gu;
const TRIM = /[.,!'\-_]+$/;
// Chinese, Japanese and Korean are written without spaces: their runs are cut into overlapping
// character pairs (as Rspamd and CJK search engines do) instead of one unrepeatable "word".
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]{2,}/gu;

function cjkPairs(w: string, out: string[]): void {
  for (const m of w.matchAll(CJK)) {
    const run = m[0];
    for (let i = 0; i + 1 < run.length && i < 200; i++) out.push(run.slice(i, i + 2));
  }
}

/** Lower-cased words; over-long ones become a length class (long URLs, base64 junk, hashes). */
function words(text: string, out: string[]): void {
  // match() with the g flag gives the matched strings alone: matchAll's match object per word
  // (index, input, groups) was the tokenizer's largest allocation.
  for (const m of text.slice(0, MAX_BODY_CHARS).match(WORD) ?? []) {
    let w = m.replace(TRIM, '');
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

/** Where features go: kept as strings (features) or hashed at once (tokenize). */
interface Sink {
  one(feature: string): void;
  /** The word pair "a b". */
  pair(a: string, b: string): void;
}

/** Unique feature hashes of a message, in first-seen order. */
export function tokenize(msg: ParsedMessage): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  const add = (h: number) => {
    if (!seen.has(h)) {
      seen.add(h);
      out.push(h);
    }
  };
  collect(msg, { one: (f) => add(hashPair(f, null)), pair: (a, b) => add(hashPair(a, b)) });
  return out;
}

/** The readable features of a message, before hashing (with repeats). */
export function features(msg: ParsedMessage): string[] {
  const raw: string[] = [];
  collect(msg, { one: (f) => raw.push(f), pair: (a, b) => raw.push(`${a} ${b}`) });
  return raw;
}

function collect(msg: ParsedMessage, sink: Sink): void {
  const subj: string[] = [];
  words(msg.subject, subj);
  for (const w of subj) sink.one(`s:${w}`);
  let body = msg.text;
  if (msg.htmlText && msg.htmlText.length > body.length * 2) body = `${body}\n${msg.htmlText}`;
  const bw: string[] = [];
  words(body, bw);
  for (let i = 0; i < bw.length; i++) {
    sink.one(bw[i]!);
    if (i > 0) sink.pair(bw[i - 1]!, bw[i]!);
  }
  const header: string[] = [];
  headerTokens(msg, header);
  for (const f of header) sink.one(f);
  const hosts = new Set<string>();
  for (const u of msg.urls) if (u.host) hosts.add(u.host);
  for (const h of hosts) {
    const reg = getDomain(h) ?? h;
    sink.one(`url:${reg}`);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(h)) sink.one('url:ip-literal');
  }
  sink.one(`url-count:${Math.min(Math.ceil(Math.log2(msg.urls.length + 1)), 8)}`);
}
