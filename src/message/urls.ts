// Finds every URL a reader could follow: links with the text shown for them, image maps, form
// targets, embedded sources, and bare URLs in plain text.
import { Parser } from 'htmlparser2';
import { LinkifyIt } from 'linkify-it';
import type { FoundUrl, UrlSource } from '../scan/types.js';

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

function normalise(raw: string): string {
  const s = raw.trim().replace(/[\u0000-\u001f\u007f]/g, '');
  if (/^www\./i.test(s)) return `http://${s}`;
  return s;
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

const SOURCES: Record<string, [attr: string, source: UrlSource]> = {
  a: ['href', 'href'],
  area: ['href', 'image-map'],
  form: ['action', 'form'],
  img: ['src', 'src'],
  iframe: ['src', 'src'],
  script: ['src', 'src'],
  embed: ['src', 'src'],
  object: ['data', 'src'],
};

/** URLs in HTML with the visible text of each link (anchors collect the text until </a>). */
export function urlsInHtml(html: string, part: string, limit: number): FoundUrl[] {
  const out: FoundUrl[] = [];
  const open: { url: string; text: string }[] = [];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const spec = SOURCES[name];
        if (!spec || out.length >= limit) return;
        const value = attrs[spec[0]];
        if (!value) return;
        const url = normalise(value);
        if (!url || url.startsWith('#') || url.startsWith('cid:')) return;
        if (name === 'a') open.push({ url, text: '' });
        else out.push({ url, host: hostOf(url), text: name === 'area' ? (attrs.alt ?? null) : null, source: spec[1], part });
      },
      ontext(text) {
        for (const a of open) a.text += text;
      },
      onclosetag(name) {
        if (name !== 'a') return;
        const a = open.pop();
        if (!a || out.length >= limit) return;
        const text = a.text.replace(/\s+/g, ' ').trim();
        out.push({ url: a.url, host: hostOf(a.url), text: text || null, source: 'href', part });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return out;
}
