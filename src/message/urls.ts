// Bare URLs in plain text, and the host of a URL. Links in HTML (with the text shown for them,
// image maps, form targets, embedded sources) are read with its text in one pass: html.ts.
import { LinkifyIt } from 'linkify-it';
import type { FoundUrl } from '../scan/types.js';

const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyIP: true, fuzzyEmail: false });

/**
 * linkify's own protocol-relative ("//") check with its two cheap tests first. linkify matches the
 * host and up to 10,000 characters of path before it looks whether the "//" follows ':' or '/' (a
 * scheme's, already tried); every URL has one, so a word of URLs that are no links (no separator
 * before their scheme: `ahttp://a.test/ahttp://a.test/…`) was read again from each of them to the
 * end: 16 KB took 1 s, 64 KB in a message body 5.4 s, 1 MB would take most of an hour, in the
 * parser, outside every analyzer's time budget. Same answers (tested against linkify's own).
 */
linkify.add('//', {
  validate(text: string, pos: number, self: LinkifyIt): number {
    if (pos >= 3 && (text[pos - 3] === ':' || text[pos - 3] === '/')) return 0;
    const re = self.re.get_relative_proto_validator();
    re.lastIndex = pos;
    const m = re.exec(text);
    return m ? m[0].length : 0;
  },
});

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
