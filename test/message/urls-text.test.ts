// urlsInText hands linkify only the lines that can hold a link: it must find exactly what linkify
// finds over the whole text, in the same order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkifyIt } from 'linkify-it';
import { urlsInText } from '../../src/message/urls.js';

const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyIP: true, fuzzyEmail: false });
const whole = (text: string) => (linkify.match(text) ?? []).filter((m) => m.schema !== 'mailto:').map((m) => m.url);
const lines = (text: string, limit = 1000) => urlsInText(text, 'text', limit).map((u) => u.url);

const SAMPLES = [
  'Visit www.example.com today.\nOr http://example.org/path?q=1#x, and https://sub.example.co.uk:8080/a_b.',
  'start.example.com at the start\r\nand at the end example.net\r\n',
  'an IP 192.0.2.10/login and ftp://files.example.com/pub and //cdn.example.com/x.js',
  'two on a line: a.example.com b.example.com (in brackets: (c.example.com)) "d.example.com"',
  'Unicode: пример.рф and münchen.de and 例子.中国; punycode xn--80ak6aa92e.com',
  'no links here. None at all! Just sentences. e.g. abbreviations, 3.5 percent, U.S.A.',
  'mail me at someone@example.com or mailto:other@example.com, site example.com',
  'http://localhost:3000/ needs no dot; nor does http://intranet/',
  'a very long line ' + 'word '.repeat(2000) + 'then tail.example.com',
  // Words of URLs with and without a separator before the scheme, and protocol-relative ones
  // after ':', '/' and others (what urlsInText's own "//" check decides first).
  'ahttp://a.test/'.repeat(200),
  'a:http://b.test/'.repeat(200),
  './/a.b/ =//c.test/x x://d.test/? ///e.test/ |http://f.test/ (//g.test/) [//h.test]'.repeat(20),
  'http://a.test/?u=http%3A%2F%2Fb.test%2F%3Fu%3D'.repeat(100),
  'x' + 'http://a.test/?u=http://'.repeat(100),
  '',
  '\n\n\n',
];

describe('urlsInText', () => {
  for (const [i, text] of SAMPLES.entries()) {
    it(`finds what linkify finds in the whole text (sample ${i})`, () => {
      assert.deepEqual(lines(text), whole(text));
    });
  }

  it('found the links the samples were written with', () => {
    assert.ok(lines(SAMPLES[0]!).includes('http://www.example.com'));
    assert.ok(lines(SAMPLES[1]!).includes('http://example.net'));
    assert.ok(lines(SAMPLES[7]!).includes('http://intranet/'));
    assert.deepEqual(lines(SAMPLES[5]!), []);
  });

  // Each took linkify most of an hour at 1 MB (1 s at 16 KB, growing with the square of the
  // length): it read the rest of the word again from every "//" (README, Large and hostile
  // messages). Now a few hundred milliseconds each, on a loaded machine too.
  it('reads a megabyte-long word of URLs in linear time', { timeout: 30_000 }, () => {
    for (const unit of ['ahttp://a.test/', 'x://a.test/?', '|http://a.b/', 'http://a.test/?u=http%3A%2F%2Fb.test%2F%3Fu%3D']) {
      const word = 'x' + unit.repeat(Math.ceil(1_000_000 / unit.length));
      const t0 = performance.now();
      const found = lines(`${word} after.example.org`);
      const ms = performance.now() - t0;
      assert.ok(ms < 5000, `${unit}: ${ms.toFixed(0)} ms`);
      assert.deepEqual(found, ['http://after.example.org'], unit);
    }
  });

  it('stops at the limit', () => {
    const text = Array.from({ length: 50 }, (_, i) => `see host${i}.example.com`).join('\n');
    assert.equal(lines(text, 7).length, 7);
    assert.deepEqual(lines(text, 7), whole(text).slice(0, 7));
  });
});
