// The checks that used to be expressions tried from every tag start (or every header) now read
// each tag or line once (src/message/html-tags.ts, files/html.ts, files/mime.ts, files/office.ts,
// the HTML spam rules, graymail's tracking pixel). Each is held here to the expression it
// replaced, on seeded made-up tag soup, and shown to finish on the text that made the expression
// read to the end from every start.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspectHtml } from '../../src/files/html.js';
import { base64Bodies } from '../../src/files/mime.js';
import { boundEvents } from '../../src/files/office.js';
import { tagSpans } from '../../src/message/html-tags.js';
import { trackingPixel } from '../../src/scan/analyzers/graymail/index.js';
import { RULES } from '../../src/scan/analyzers/spam-rules/rules.js';
import type { RuleView } from '../../src/scan/analyzers/spam-rules/view.js';
import { seeded } from '../helpers/seeded.js';

/** inspectHtml as it was, expressions over the whole text. */
function inspectHtmlBefore(html: string) {
  const BASE64_RUN = /["'`]([A-Za-z0-9+/=\s\\]{4096,})["'`]/;
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]!).join('\n') + '\n' + [...html.matchAll(/\son\w+\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!).join('\n');
  const cues: string[] = [];
  const blob = /new\s+Blob\s*\(|\bBlob\s*\(/.test(scripts);
  const objectUrl = /createObjectURL\s*\(/.test(scripts);
  const download = /\.download\s*=|setAttribute\s*\(\s*["']download["']|\bdownload\s*:/.test(scripts) || /<a\b[^>]*\bdownload\b/i.test(html);
  const atob = /\batob\s*\(/.test(scripts);
  const bigBase64 = BASE64_RUN.test(scripts) || /data:application\/(?:octet-stream|zip|x-msdownload|x-zip-compressed)[^"']{0,40};base64,[A-Za-z0-9+/=]{4096,}/i.test(html);
  if (blob && objectUrl && download) cues.push('Blob+createObjectURL+download');
  if (/msSaveOrOpenBlob|msSaveBlob/.test(scripts)) cues.push('msSaveOrOpenBlob');
  if (atob && bigBase64 && (blob || download || objectUrl)) cues.push('atob of a large payload');
  if (/<a\b[^>]*\bdownload\b[^>]*href\s*=\s*["']data:application\/[^"']{0,60};base64,/i.test(html)) cues.push('download link with an embedded file');
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)(?:<\/form>|$)/gi)].map((m) => ({
    action: /\baction\s*=\s*["']?([^"'\s>]*)/i.exec(m[1]!)?.[1] ?? '',
    password: /<input\b[^>]*type\s*=\s*["']?password/i.test(m[2]!),
  }));
  return { smuggling: cues, forms, bigBase64 };
}

const rnd = seeded(5);
const pick = <T,>(xs: readonly T[]) => xs[rnd(xs.length)]!;
const soup = (pieces: readonly string[], max: number) => Array.from({ length: 1 + rnd(max) }, () => pick(pieces)).join('');

const HTML_PIECES = [
  '<a ', '<A href="x">', '<a download ', ' download', 'href="data:application/zip;base64,', "href='data:application/x-msdownload;x;base64,", '<abbr>', '>', '<',
  '<script>', '<SCRIPT type="x">', '</script>', '</Script>', 'new Blob(', 'createObjectURL(', 'a.download=1', 'atob(', 'msSaveBlob', '<scripts>',
  '<form action="https://e.test/p">', '<FORM>', '</form>', '<input type=password>', '<input ', 'type="password"', '<inputs type=password>',
  ' onclick="new Blob(x)"', '"', "'", 'x', ' ', '\n', '<img ', 'width=1 ', 'height="0" ', 'style="display: none"', '<font ', 'color=#fff ', 'size=1 ', 'size="+6"',
  'aaaaaaaaaaaaaaaaaaaaaaaa', 'display:none', 'font-size: 0px',
];

describe('linear scans held to the expressions they replaced', () => {
  test('tag spans: every start, up to its >, none inside an earlier span', () => {
    assert.deepEqual([...tagSpans('<a x><b><a y <a z>', /<a\b/gi)].map((t) => [t.start, t.text, t.close]), [[0, '<a x', 4], [8, '<a y <a z', 17]]);
    assert.deepEqual([...tagSpans('<A <abbr <a', /<a\b/gi)].map((t) => t.text), ['<A <abbr <a']);
  });

  test('inspectHtml, the HTML spam rules and the tracking pixel on 4,000 pieces of tag soup', () => {
    const hidden = RULES.find((r) => r.name === 'HTML_HIDDEN_TEXT')!;
    const big = RULES.find((r) => r.name === 'HTML_FONT_BIG')!;
    const hiddenBefore = /<font[^>]+color\s*=\s*["']?#?(fff(fff)?|white)\b|display\s*:\s*none|font-size\s*:\s*[01](px|pt)\b|<font[^>]+size\s*=\s*["']?[-]?1\b[^>]*>[^<]{20}/;
    const bigBefore = /<font[^>]+size\s*=\s*["']?\+?[5-7]\b/;
    const pixelBefore = /<img\b[^>]*(width\s*=\s*["']?[01]\b[^>]*height\s*=\s*["']?[01]\b|height\s*=\s*["']?[01]\b[^>]*width\s*=\s*["']?[01]\b|display\s*:\s*none)/i;
    const seen = { cues: 0, forms: 0, passwords: 0, hidden: 0, big: 0, pixel: 0 };
    for (let n = 0; n < 4000; n++) {
      const html = soup(HTML_PIECES, 30);
      const got = inspectHtml(html);
      assert.deepEqual(got, inspectHtmlBefore(html), JSON.stringify(html));
      const v = { htmlLower: html.toLowerCase() } as RuleView;
      assert.equal(Boolean(hidden.test(v)), hiddenBefore.test(v.htmlLower), JSON.stringify(html));
      assert.equal(Boolean(big.test(v)), bigBefore.test(v.htmlLower), JSON.stringify(html));
      assert.equal(trackingPixel(html), pixelBefore.test(html), JSON.stringify(html));
      seen.cues += got.smuggling.length;
      seen.forms += got.forms.length;
      seen.passwords += got.forms.filter((f) => f.password).length;
      seen.hidden += Number(hiddenBefore.test(v.htmlLower));
      seen.big += Number(bigBefore.test(v.htmlLower));
      seen.pixel += Number(pixelBefore.test(html));
    }
    for (const [k, count] of Object.entries(seen)) assert.ok(count >= 50, `only ${count} ${k}`);
  });

  test('base64 bodies on 4,000 made-up MIME texts', () => {
    const before = /content-transfer-encoding:[ \t]*base64[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([\s\S]*?)(?=^--|^content-|(?![\s\S]))/gim;
    const LINES = ['Content-Transfer-Encoding: base64', 'content-transfer-encoding:base64; x', 'Content-Type: text/plain', 'QUJDREVGR0g=', '--b', '--b--', 'content-x', '', 'text\rmore', 'X: y'];
    let bodies = 0;
    for (let n = 0; n < 4000; n++) {
      let text = '';
      for (let l = rnd(16); l >= 0; l--) text += pick(LINES) + pick(['\n', '\n', '\r\n', '\r\n', '\r', '']);
      const ref = Array.from(text.matchAll(before), (m) => m[1]!);
      assert.deepEqual(base64Bodies(text), ref, JSON.stringify(text));
      bodies += ref.length;
    }
    assert.ok(bodies >= 400, `${bodies} bodies`);
  });

  test('document events bound to macros, one tag at a time', () => {
    const xml = '<office:x><script:event-listener script:language="ooo:script" script:event-name="office:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic"/><script:event-listener script:event-name="dom:click" xlink:href="vnd.sun.star.script:A.B"/><script:event-listener script:event-name="dom:load" xlink:type="simple" xlink:href="vnd.sun.star.script:Lib.M.Auto"/>';
    assert.deepEqual(boundEvents(xml), ['office:load → Standard.Module1.Main', 'dom:load → Lib.M.Auto']);
  });

  test('the texts that made the expressions read to the end from every start finish', { timeout: 60_000 }, () => {
    // Each took the expression tens of seconds (past the scan's 30 s time-out for the first three).
    const manyA = '<a '.repeat(100_000);
    assert.deepEqual(inspectHtml(manyA).smuggling, []);
    assert.equal(inspectHtml('<form '.repeat(100_000) + '>' + '<input '.repeat(100_000)).forms.length, 1);
    assert.deepEqual(base64Bodies('Content-Transfer-Encoding: base64\r\n'.repeat(50_000) + 'x'), []);
    assert.equal(trackingPixel('<img '.repeat(100_000)), false);
    assert.equal(Boolean(RULES.find((r) => r.name === 'HTML_HIDDEN_TEXT')!.test({ htmlLower: '<font '.repeat(100_000) } as RuleView)), false);
    assert.deepEqual(boundEvents('<script:event-listener script:event-name="office:load" '.repeat(20_000)), []);
  });
});
