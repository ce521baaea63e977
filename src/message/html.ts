// One streaming pass over a message's HTML gives both things the analyzers need from it: the text a
// reader sees (words in reading order, a line per block, nothing from <head>, scripts or styles) and
// every URL with the text shown for it. html-to-text used to render the text from a second parse
// (it parses the string itself and cannot be handed a DOM), and its table layout glued adjacent
// cells into one word ("price</td><td>now" read "pricenow").
import { htmlParser } from './html-parser.js';
import type { FoundUrl, UrlSource } from '../scan/types.js';
import { hostOf } from './urls.js';

export interface HtmlContent {
  /** What a reader sees: blocks on their own lines, runs of white space as one space. */
  text: string;
  urls: FoundUrl[];
}

/** Elements a reader never sees the content of. */
const HIDDEN = new Set(['head', 'title', 'script', 'style', 'template']);

/** Elements that start and end a line of their own; paragraph-like ones leave a blank line. */
const LINE = new Set(['address', 'article', 'aside', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'li', 'main', 'nav', 'section', 'tr', 'caption', 'option', 'legend', 'summary', 'details']);
const PARAGRAPH = new Set(['p', 'blockquote', 'pre', 'table', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Table cells: side by side, but never one word across two of them. */
const CELL = new Set(['td', 'th']);

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

function normalise(raw: string): string {
  const s = raw.trim().replace(/[\u0000-\u001f\u007f]/g, '');
  if (/^www\./i.test(s)) return `http://${s}`;
  return s;
}

/** Reads the text and the URLs (at most `limit`) of one HTML part named `part`. */
export function readHtml(html: string, part: string, limit: number): HtmlContent {
  const urls: FoundUrl[] = [];
  const open: { url: string; text: string }[] = [];
  // All the text, and the part inside <body>. With a <body>, only its text is the message's
  // (mailing lists append their footers after </html>); without one, all of it.
  const out: string[] = [];
  const inBody: string[] = [];
  let body = 0;
  let sawBody = false;
  const emit = (s: string) => {
    out.push(s);
    if (body > 0) inBody.push(s);
  };
  // Line breaks owed before the next visible text (0, 1 or 2), and whether a space is.
  let breaks = 0;
  let space = false;
  let hidden = 0;
  let pre = 0;
  const lineBreak = (n: number) => {
    if (out.length && n > breaks) breaks = n;
    space = false;
  };
  /** What an element's start or end means for the text around it. */
  const boundary = (name: string) => {
    if (LINE.has(name)) lineBreak(1);
    else if (PARAGRAPH.has(name)) lineBreak(2);
    else if (CELL.has(name) && out.length && !breaks) space = true;
  };
  const parser = htmlParser(
    {
      onopentag(name, attrs) {
        if (HIDDEN.has(name)) hidden++;
        else if (name === 'pre') pre++;
        else if (name === 'body') {
          body++;
          sawBody = true;
        }
        // Each <br> is a line break of its own: two of them leave a blank line.
        if (name === 'br') {
          if (out.length) breaks = Math.min(2, breaks + 1);
          space = false;
        } else boundary(name);
        const spec = SOURCES[name];
        if (!spec || urls.length >= limit) return;
        const value = attrs[spec[0]];
        if (!value) return;
        const url = normalise(value);
        if (!url || url.startsWith('#') || url.startsWith('cid:')) return;
        if (name === 'a') open.push({ url, text: '' });
        else urls.push({ url, host: hostOf(url), text: name === 'area' ? (attrs.alt ?? null) : null, source: spec[1], part });
      },
      ontext(data) {
        for (const a of open) a.text += data;
        if (hidden) return;
        if (pre) {
          if (breaks) emit('\n'.repeat(breaks));
          else if (space) emit(' ');
          breaks = 0;
          space = false;
          emit(data);
          return;
        }
        const collapsed = data.replace(/\s+/g, ' ');
        if (collapsed === ' ') {
          if (out.length && !breaks) space = true;
          return;
        }
        const lead = collapsed.charCodeAt(0) === 32;
        const words = lead ? collapsed.slice(1) : collapsed;
        if (breaks) emit('\n'.repeat(breaks));
        else if ((space || lead) && out.length) emit(' ');
        breaks = 0;
        const trail = words.charCodeAt(words.length - 1) === 32;
        emit(trail ? words.slice(0, -1) : words);
        space = trail;
      },
      onclosetag(name) {
        if (HIDDEN.has(name)) hidden = Math.max(0, hidden - 1);
        else if (name === 'pre') pre = Math.max(0, pre - 1);
        else if (name === 'body') body = Math.max(0, body - 1);
        boundary(name);
        if (name !== 'a') return;
        const a = open.pop();
        if (!a || urls.length >= limit) return;
        const text = a.text.replace(/\s+/g, ' ').trim();
        urls.push({ url: a.url, host: hostOf(a.url), text: text || null, source: 'href', part });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const text = sawBody ? inBody.join('').trim() : out.join('');
  return { text, urls };
}
