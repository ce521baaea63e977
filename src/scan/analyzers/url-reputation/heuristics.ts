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

const DOMAIN_IN_TEXT = /(?:https?:\/\/)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?=[\/:\s]|$)/i;

/** The domain the link text shows, when it shows one that differs from the target's. */
export function textMismatch(u: FoundUrl): string | null {
  if (!u.text || u.source !== 'href' || !u.host) return null;
  const m = DOMAIN_IN_TEXT.exec(u.text.trim());
  if (!m) return null;
  const shown = m[1]!.toLowerCase();
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
