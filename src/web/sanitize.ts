// Makes a message's HTML safe to preview: an allow-list of tags and attributes rebuilt from a
// parse, no script, no event handlers, no forms, and nothing remote (links show their target as
// text, remote images become a placeholder). The result is shown in a sandboxed iframe besides.
import { htmlParser } from '../message/html-parser.js';
import { escapeHtml } from './html.js';

const ALLOWED = new Set('a abbr b blockquote br caption center code dd div dl dt em font h1 h2 h3 h4 h5 h6 hr i img li ol p pre s small span strike strong sub sup table tbody td tfoot th thead tr u ul'.split(' '));
const DROP_WITH_CONTENT = new Set(['script', 'style', 'title', 'head', 'iframe', 'object', 'embed', 'noscript', 'template', 'svg', 'math', 'form', 'textarea', 'select', 'button']);
const VOID = new Set(['br', 'hr', 'img']);
const ATTRS = new Set(['align', 'valign', 'width', 'height', 'colspan', 'rowspan', 'border', 'cellpadding', 'cellspacing', 'color', 'bgcolor', 'alt', 'title', 'style', 'dir']);

/** Inline style is kept only when it cannot fetch anything or run anything. */
function safeStyle(v: string): boolean {
  return !/url\s*\(|@import|expression\s*\(|javascript:|behavior|-moz-binding|image-set/i.test(v);
}

export function sanitizeHtml(input: string): { html: string; removedRemote: number } {
  const out: string[] = [];
  const open: string[] = [];
  let dropDepth = 0;
  let removedRemote = 0;
  const linkTargets: (string | null)[] = [];
  const parser = htmlParser(
    {
      onopentag(name, attrs) {
        if (dropDepth > 0 || DROP_WITH_CONTENT.has(name)) {
          if (!VOID.has(name)) dropDepth++;
          return;
        }
        if (!ALLOWED.has(name)) return;
        const kept: string[] = [];
        for (const [k, v] of Object.entries(attrs)) {
          const key = k.toLowerCase();
          if (!ATTRS.has(key)) continue;
          if (key === 'style' && !safeStyle(v)) continue;
          kept.push(`${key}="${escapeHtml(v)}"`);
        }
        if (name === 'img') {
          const src = attrs.src ?? '';
          if (/^data:image\/(png|gif|jpeg|webp);base64,/i.test(src)) kept.push(`src="${escapeHtml(src)}"`);
          else {
            removedRemote++;
            out.push(`<span class="removed">[image removed${attrs.alt ? `: ${escapeHtml(attrs.alt)}` : ''}]</span>`);
            return;
          }
        }
        if (name === 'a') {
          const href = attrs.href ?? null;
          if (href) removedRemote++;
          linkTargets.push(href);
        }
        out.push(`<${name}${kept.length ? ' ' + kept.join(' ') : ''}>`);
        if (!VOID.has(name)) open.push(name);
      },
      ontext(text) {
        if (dropDepth === 0) out.push(escapeHtml(text));
      },
      onclosetag(name) {
        if (dropDepth > 0) {
          if (DROP_WITH_CONTENT.has(name) || !VOID.has(name)) dropDepth = Math.max(0, dropDepth - 1);
          return;
        }
        if (!ALLOWED.has(name) || VOID.has(name)) return;
        const i = open.lastIndexOf(name);
        if (i < 0) return;
        while (open.length > i) {
          const t = open.pop()!;
          if (t === 'a') {
            const href = linkTargets.pop();
            out.push('</a>');
            if (href) out.push(` <span class="link-target">[${escapeHtml(href)}]</span>`);
          } else out.push(`</${t}>`);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(input);
  parser.end();
  while (open.length) out.push(`</${open.pop()}>`);
  return { html: out.join(''), removedRemote };
}

/** The srcdoc document for the preview iframe; its own CSP forbids everything but inline style. */
export function previewDocument(safeBody: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><style>body{font-family:sans-serif;margin:8px}.removed,.link-target{color:#555;font-size:.85em}</style></head><body>${safeBody}</body></html>`;
}
