// URL heuristics that need no lookup: IP-literal hosts, punycode and mixed-script hosts, known
// shorteners, a URL carried in another URL's query (open redirects), and link text that shows a
// different domain than the link goes to. Pure functions over one FoundUrl.
import { domainToUnicode } from 'node:url';
import { getDomain, parse as parseTld } from 'tldts';
import type { FoundUrl } from '../../types.js';

export type Heuristic = 'ip_literal' | 'punycode' | 'mixed_script' | 'shortener' | 'redirect' | 'text_mismatch';

export const DEFAULT_SHORTENERS = [
  'bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at',
  'rb.gy', 'tiny.cc', 'bl.ink', 'soo.gd', 's.id', 'v.gd', 'qr.ae', 'lnkd.in', 'shorte.st', 'adf.ly',
];

/** The registrable domain, or the host itself for IPs and unknown suffixes. */
export function registrable(host: string): string {
  return (getDomain(host, { allowPrivateDomains: true }) ?? host).toLowerCase();
}

export function isIpHost(host: string): boolean {
  return parseTld(host.replace(/^\[|\]$/g, '')).isIp === true;
}

const LATIN = /\p{Script=Latin}/u;
const CONFUSABLE_SCRIPTS = [/\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u];

/** A label that mixes Latin letters with a confusable script (e.g. "pаypal" with a Cyrillic а). */
export function mixedScript(host: string): boolean {
  const unicode = domainToUnicode(host) || host;
  return unicode.split('.').some((label) => LATIN.test(label) && CONFUSABLE_SCRIPTS.some((s) => s.test(label)));
}

/** A URL inside the query string or path of another (encoded or not), on a different domain. */
export function redirectTarget(url: string, host: string): string | null {
  // A target in a query value or path segment starts with "//" or an encoded "%2f%2f" (the URL
  // parser drops tabs and line breaks, which may sit between the slashes): a plain "scheme://" URL
  // with neither after that has none, and most links are not parsed a second time here. Any other
  // shape (backslashes, leading space) is left to the parser.
  const clean = url.replace(/[\t\n\r]/g, '');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(clean);
  if (scheme && !clean.includes('//', scheme[0].length) && !/%2f/i.test(clean)) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const values = [...u.searchParams.values(), ...u.pathname.split('/').map((p) => { try { return decodeURIComponent(p); } catch { return p; } })];
  for (const v of values) {
    const m = /^(?:https?:)?\/\/([^/?#\s]+)/i.exec(v.trim()) ?? /^https?%3a%2f%2f([^%/?#\s]+)/i.exec(v.trim());
    if (!m) continue;
    const inner = m[1]!.toLowerCase().replace(/:\d+$/, '');
    if (registrable(inner) !== registrable(host)) return inner;
  }
  return null;
}

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** A character of a run that can hold a domain: letter, digit, '-' or '.'. */
const inRun = (c: number): boolean => isAlnum(c) || c === 45 || c === 46;
const isLabel = (s: string): boolean => s.length >= 1 && s.length <= 63 && isAlnum(s.charCodeAt(0)) && isAlnum(s.charCodeAt(s.length - 1));

/**
 * The first domain written in a text: what
 * `/(?:https?:\/\/)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?=[\/:\s]|$)/i`
 * captures, in one pass. That expression tried every position of a run of labels and read the run
 * on from each: 100 KB of "a.b.c.d." as a link's text took 15 s (a worker's whole analyzer budget,
 * and on past it). A match ends where a run of letters, digits, '-' and '.' ends, before '/', ':',
 * white space or the end: its last label is a top-level domain of 2–63 letters, the labels before
 * it reach back as far as they are labels, and the first that is not one may still end in one (its
 * last 63 characters at most) — where the expression's leftmost start would be.
 */
export function domainInText(text: string): string | null {
  let i = 0;
  while (i < text.length) {
    if (!inRun(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && inRun(text.charCodeAt(end))) end++;
    const after = end < text.length ? text[end]! : '';
    if (after === '' || after === '/' || after === ':' || /\s/.test(after)) {
      const found = runDomain(text.slice(i, end));
      if (found) return found;
    }
    i = end;
  }
  return null;
}

function runDomain(run: string): string | null {
  const parts = run.split('.');
  const tld = parts[parts.length - 1]!;
  if (tld.length < 2 || tld.length > 63) return null;
  for (let k = 0; k < tld.length; k++) if (!isLetter(tld.charCodeAt(k))) return null;
  let first = parts.length - 1;
  while (first > 0 && isLabel(parts[first - 1]!)) first--;
  let head = '';
  if (first > 0) {
    // Not a label: its longest ending that is one (starts with a letter or digit), if any.
    const p = parts[first - 1]!;
    if (p.length && isAlnum(p.charCodeAt(p.length - 1))) {
      for (let k = Math.max(0, p.length - 63); k < p.length; k++) {
        if (isAlnum(p.charCodeAt(k))) {
          head = `${p.slice(k)}.`;
          break;
        }
      }
    }
  }
  if (!head && first === parts.length - 1) return null;
  return head + parts.slice(first).join('.');
}

/** The domain the link text shows, when it shows one that differs from the target's. */
export function textMismatch(u: FoundUrl): string | null {
  if (!u.text || u.source !== 'href' || !u.host) return null;
  const found = domainInText(u.text.trim());
  if (!found) return null;
  const shown = found.toLowerCase();
  // Only a real public suffix counts as a domain ("file.pdf", "v1.2" do not).
  if (!parseTld(shown).isIcann) return null;
  return registrable(shown) === registrable(u.host) ? null : shown;
}

export function heuristics(u: FoundUrl, shorteners: ReadonlySet<string>): { kind: Heuristic; detail: string }[] {
  const out: { kind: Heuristic; detail: string }[] = [];
  const host = u.host;
  if (!host) return out;
  if (isIpHost(host)) out.push({ kind: 'ip_literal', detail: host });
  else {
    if (host.split('.').some((l) => l.startsWith('xn--'))) out.push({ kind: mixedScript(host) ? 'mixed_script' : 'punycode', detail: `${host} (${domainToUnicode(host)})` });
    else if (mixedScript(host)) out.push({ kind: 'mixed_script', detail: host });
    if (shorteners.has(registrable(host)) || shorteners.has(host)) out.push({ kind: 'shortener', detail: host });
  }
  const inner = redirectTarget(u.url, host);
  if (inner) out.push({ kind: 'redirect', detail: `${host} → ${inner}` });
  const shown = textMismatch(u);
  if (shown) out.push({ kind: 'text_mismatch', detail: `text shows ${shown}, link goes to ${host}` });
  return out;
}
