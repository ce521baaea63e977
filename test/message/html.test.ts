// readHtml: one pass over a message's HTML gives the text a reader sees and every link.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readHtml } from '../../src/message/html.js';

const text = (html: string) => readHtml(html, 'html', 100).text;

describe('readHtml', () => {
  it('reads blocks as lines and inline runs as one line, entities decoded', () => {
    assert.equal(text('<h1>Big news</h1><p>Hello <b>wor</b>ld &amp;\n   you</p><div>next</div>tail'), 'Big news\n\nHello world & you\n\nnext\ntail');
  });

  it('keeps table cells apart, one row per line', () => {
    assert.equal(text('<table><tr><th>Price</th><td>now</td></tr><tr><td>x</td><td>y</td></tr></table>'), 'Price now\nx y');
  });

  it('leaves out what a reader never sees: head, title, scripts, styles, comments', () => {
    assert.equal(text('<html><head><title>T</title><style>.a{}</style></head><body><script>var x = 1</script>shown<!-- hidden --></body></html>'), 'shown');
  });

  it('reads only the body when there is one: a list footer after </html> is not the message', () => {
    assert.equal(text('<html><body>Offer inside</body></html>\n--- list footer: unsubscribe here'), 'Offer inside');
    assert.equal(text('no body here <p>para</p>'), 'no body here\n\npara');
  });

  it('gives each <br> its own line break and keeps <pre> as written', () => {
    assert.equal(text('a<br>b<br><br>c<pre>  x\n  y</pre>z'), 'a\nb\n\nc\n\n  x\n  y\n\nz');
  });

  it('finds links with their text, image maps, forms and sources, inside and outside the body', () => {
    const { urls } = readHtml('<head><link><script src="https://cdn.test/a.js"></script></head><body><a href="https://evil.test/login"> Your <b>bank</b> </a><a href="#top">top</a><img src="cid:x"><area href="http://map.test/" alt="area"><form action="www.form.test/post"></form></body>', 'html', 100);
    assert.deepEqual(
      urls.map((u) => [u.source, u.url, u.text]),
      [
        ['src', 'https://cdn.test/a.js', null],
        ['href', 'https://evil.test/login', 'Your bank'],
        ['image-map', 'http://map.test/', 'area'],
        ['form', 'http://www.form.test/post', null],
      ],
    );
  });

  it('stops collecting links at the limit', () => {
    assert.equal(readHtml('<a href="http://a.test/">a</a><a href="http://b.test/">b</a><img src="http://c.test/i">', 'html', 2).urls.length, 2);
  });
});
