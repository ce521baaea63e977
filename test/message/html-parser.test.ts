// htmlParser: htmlparser2's Parser with its open-element stacks kept at the end of an array, so
// that a tag costs the same however deeply it is nested.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Parser, type Handler } from 'htmlparser2';
import { frontStack, htmlParser } from '../../src/message/html-parser.js';
import { readHtml } from '../../src/message/html.js';
import { sanitizeHtml } from '../../src/web/sanitize.js';
import { seeded } from '../helpers/seeded.js';

/** Every open and close event, with the implied flag, as a string. */
function events(make: (cbs: Partial<Handler>) => Parser, html: string): string {
  const out: string[] = [];
  const p = make({ onopentag: (n) => out.push(`<${n}`), onclosetag: (n, implied) => out.push(`/${n}${implied ? '*' : ''}`), ontext: (t) => out.push(t) });
  p.write(html);
  p.end();
  return out.join(' ');
}

describe('htmlParser', () => {
  it('behaves as an array used at its front, for every operation the parser makes', () => {
    const rnd = seeded(11);
    const ref: string[] = ['x'];
    const s = frontStack(['x']);
    for (let i = 0; i < 20_000; i++) {
      const op = rnd(5);
      const item = 'abcde'[rnd(5)]!;
      if (op < 2) assert.equal(s.unshift(item), ref.unshift(item));
      else if (op === 2) assert.equal(s.shift(), ref.shift());
      else if (op === 3) assert.equal(s.indexOf(item), ref.indexOf(item));
      else if (rnd(50) === 0) {
        s.length = 0;
        ref.length = 0;
      }
      assert.equal(s.length, ref.length);
      assert.equal(s[0], ref[0]);
      assert.equal(s[ref.length - 1], ref[ref.length - 1]);
    }
  });

  it('gives the same events as the plain parser on tag soup (implied closes, svg and math, self-closing)', () => {
    const opts = { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true };
    for (const html of [
      '<p>a<p>b<li>c<li>d</p></li><table><tr><td>a<td>b<tr><td>c</table>',
      '<svg><math><p>a<svg></p></math>b</svg>c<svg><path/><g><rect/></g></svg><br/><p/>',
      '<a href=x><b><i>x</a></b>y</i><div><span></div></span>text<select><option>a<option>b</select>',
      '<div>'.repeat(300) + 'deep' + '</span>'.repeat(5) + '</div>'.repeat(100),
    ]) {
      assert.equal(events((cbs) => htmlParser(cbs, opts), html), events((cbs) => new Parser(cbs, opts), html), html.slice(0, 60));
    }
  });

  it('is the parser readHtml and the console sanitizer use, and 200,000 nested elements read to their text', () => {
    const p = htmlParser({}, {}) as unknown as { stack: { unshift: unknown } };
    assert.notEqual(p.stack.unshift, Array.prototype.unshift);
    // 2.2 MB: 6 s with the plain parser (its stack shifted at every tag), a fraction of a second here.
    const deep = `${'<div>'.repeat(200_000)}hi${'</div>'.repeat(200_000)}`;
    assert.equal(readHtml(deep, 'html', 10).text, 'hi');
    assert.match(sanitizeHtml(deep).html, /^(<div>)+hi(<\/div>)+$/);
  });
});
