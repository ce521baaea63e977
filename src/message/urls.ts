// Bare URLs in plain text, and the host of a URL. Links in HTML (with the text shown for them,
// image maps, form targets, embedded sources) are read with its text in one pass: html.ts.
import { LinkifyIt } from 'linkify-it';
import type { FoundUrl } from '../scan/types.js';

const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyIP: true, fuzzyEmail: false });

/** Lower-cased punycode host of a URL, '' for schemes without one (mailto:, data:, javascript:). */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return u.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  } catch {
    return '';
  }
}

/**
 * Where a link can be: every link linkify finds has "//" (http:, https:, ftp:, protocol-relative)
 * or a host with a dot between two non-space characters, and none contains white space.
 */
const CANDIDATE = /\S\.\S|\/\//g;

/** Space, tab, line breaks: linkify never puts them inside a link and treats them like a start. */
const isBreak = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/**
 * Bare URLs in plain text. linkify's fuzzy-link expression is costly at every word boundary (it
 * was ~27 % of parsing), so it only sees the space-separated words that hold a candidate: the same
 * links, in the same order (tested against matching the whole text).
 */
export function urlsInText(text: string, part: string, limit: number): FoundUrl[] {
  const out: FoundUrl[] = [];
  CANDIDATE.lastIndex = 0;
  let c: RegExpExecArray | null;
  while (out.length < limit && (c = CANDIDATE.exec(text)) !== null) {
    let start = c.index;
    while (start > 0 && !isBreak(text.charCodeAt(start - 1))) start--;
    let end = c.index + c[0].length;
    while (end < text.length && !isBreak(text.charCodeAt(end))) end++;
    for (const m of linkify.match(text.slice(start, end)) ?? []) {
      if (out.length >= limit) break;
      if (m.schema === 'mailto:') continue;
      out.push({ url: m.url, host: hostOf(m.url), text: null, source: 'text', part });
    }
    CANDIDATE.lastIndex = end;
  }
  return out;
}
