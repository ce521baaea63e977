// HTML smuggling: attachments (or bodies) whose script builds a file in the browser and saves it
// (Blob + createObjectURL + download, msSaveOrOpenBlob, atob of a large payload), so that no file
// crosses the gateway. Also the credential forms that phishing pages carry.
import { someTag, type TagSpan } from '../message/html-tags.js';
import type { ParsedMessage } from '../scan/types.js';

export interface HtmlReport {
  smuggling: string[];
  forms: { action: string; password: boolean }[];
  /** A large base64 literal in script. */
  bigBase64: boolean;
}

const BASE64_RUN = /["'`]([A-Za-z0-9+/=\s\\]{4096,})["'`]/;

/**
 * The elements' contents: from the end of each start tag matching `open` to the first `close`
 * after it (or to the end of the text when `toEnd`), as `/<open[^>]*>([\s\S]*?)close/gi` (or
 * `(?:close|$)`) finds them — tried from every start tag, those expressions read to the end of the
 * text each time no close followed (see html-tags.ts), so they are not used.
 */
function elements(html: string, open: RegExp, close: RegExp, toEnd: boolean): { attrs: string; body: string }[] {
  const out: { attrs: string; body: string }[] = [];
  const start = new RegExp(open.source, 'gi');
  const end = new RegExp(close.source, 'gi');
  for (let m = start.exec(html); m; m = start.exec(html)) {
    const gt = html.indexOf('>', m.index);
    // No '>' after this start: none after any later one either.
    if (gt < 0) break;
    end.lastIndex = gt + 1;
    const c = end.exec(html);
    if (!c && !toEnd) break;
    const stop = c ? c.index : html.length;
    out.push({ attrs: html.slice(m.index + m[0].length, gt), body: html.slice(gt + 1, stop) });
    start.lastIndex = c ? stop + c[0].length : html.length;
  }
  return out;
}

const DATA_HREF = /href\s*=\s*["']data:application\/[^"']{0,60};base64,/iy;

/** `<a … download … href="data:application/…;base64,` — an href after a download attribute in the tag. */
function embeddedDownload(html: string, a: TagSpan): boolean {
  const d = /\bdownload\b/i.exec(a.text);
  if (!d) return false;
  // The href starts inside the tag; the data URI's first characters may run past its '>'.
  const href = /href/gi;
  href.lastIndex = d.index + d[0].length;
  for (let h = href.exec(a.text); h; h = href.exec(a.text)) {
    DATA_HREF.lastIndex = a.start + h.index;
    if (DATA_HREF.test(html)) return true;
  }
  return false;
}

export function inspectHtml(html: string): HtmlReport {
  const scripts = elements(html, /<script\b/, /<\/script>/, false).map((e) => e.body).join('\n') + '\n' + [...html.matchAll(/\son\w+\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!).join('\n');
  const cues: string[] = [];
  const blob = /new\s+Blob\s*\(|\bBlob\s*\(/.test(scripts);
  const objectUrl = /createObjectURL\s*\(/.test(scripts);
  const download = /\.download\s*=|setAttribute\s*\(\s*["']download["']|\bdownload\s*:/.test(scripts) || someTag(html, /<a\b/i, (a) => /\bdownload\b/i.test(a.text));
  const atob = /\batob\s*\(/.test(scripts);
  const bigBase64 = BASE64_RUN.test(scripts) || /data:application\/(?:octet-stream|zip|x-msdownload|x-zip-compressed)[^"']{0,40};base64,[A-Za-z0-9+/=]{4096,}/i.test(html);
  if (blob && objectUrl && download) cues.push('Blob+createObjectURL+download');
  if (/msSaveOrOpenBlob|msSaveBlob/.test(scripts)) cues.push('msSaveOrOpenBlob');
  if (atob && bigBase64 && (blob || download || objectUrl)) cues.push('atob of a large payload');
  if (someTag(html, /<a\b/i, (a) => embeddedDownload(html, a))) cues.push('download link with an embedded file');
  const forms = elements(html, /<form\b/, /<\/form>/, true).map((f) => ({
    action: /\baction\s*=\s*["']?([^"'\s>]*)/i.exec(f.attrs)?.[1] ?? '',
    password: someTag(f.body, /<input\b/i, (i) => /type\s*=\s*["']?password/i.test(i.text)),
  }));
  return { smuggling: cues, forms, bigBase64 };
}

// The same HTML is read by several analyzers (the body by APT and phishing, an HTML attachment by
// the shared file analysis and by phishing): each is inspected once. Keyed by the read-only parsed
// message and by the attachment's bytes, which live as long as it.
const bodies = new WeakMap<ParsedMessage, HtmlReport | null>();
const files = new WeakMap<Uint8Array, HtmlReport>();

/** The report on the message's HTML body, or null when it has none. */
export function bodyHtmlReport(msg: ParsedMessage): HtmlReport | null {
  let r = bodies.get(msg);
  if (r === undefined) bodies.set(msg, (r = msg.html ? inspectHtml(msg.html) : null));
  return r;
}

/** The report on an HTML file's bytes (read as UTF-8). */
export function fileHtmlReport(content: Uint8Array): HtmlReport {
  let r = files.get(content);
  if (!r) files.set(content, (r = inspectHtml(Buffer.from(content).toString('utf8'))));
  return r;
}
