// Header fields past 100 KiB are cut for the parser (Postfix's header_size_limit): the cut keeps
// the header block's shape — every field, its line end, the body — whatever the line ends, folding
// and block end, and a message of 1.5 MB of base64 encoded words in its Subject parses at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capHeaderFields, type HeaderCut, MAX_HEADER_FIELD_BYTES } from '../../src/message/header-cap.js';
import { parseMessage } from '../../src/message/parse.js';
import { seeded } from '../helpers/seeded.js';

const cap = (s: string, max: number) => {
  const r = capHeaderFields(Buffer.from(s, 'latin1'), max);
  return { text: Buffer.from(r.bytes).toString('latin1'), cut: r.cut };
};

/** The same cut written plainly: header block split into fields by line, each cut at `max`. */
function reference(s: string, max: number): { text: string; cut: HeaderCut[] } {
  const lines = s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const fields: string[][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '\n' || line === '\r\n') break;
    if (fields.length && /^[ \t]/.test(line)) fields[fields.length - 1]!.push(line);
    else fields.push([line]);
  }
  const cut: HeaderCut[] = [];
  const out = fields.map((f) => {
    const whole = f.join('');
    const eol = /\r\n$/.test(whole) ? '\r\n' : /\n$/.test(whole) ? '\n' : '';
    const content = whole.slice(0, whole.length - eol.length);
    if (content.length <= max) return whole;
    const colon = content.indexOf(':');
    const kept = content.slice(0, max).replace(/[\r\n]+$/, '');
    cut.push({ name: colon >= 0 && colon <= kept.length ? content.slice(0, colon) : kept.slice(0, 40), bytes: content.length });
    return kept + eol;
  });
  return { text: out.join('') + lines.slice(i).join(''), cut };
}

describe('capHeaderFields', () => {
  it('returns the same bytes when no field is longer than the cap', () => {
    const raw = Buffer.from('From: a@b.test\r\nSubject: hi\r\n\r\nbody\r\n');
    assert.equal(capHeaderFields(raw).bytes, raw);
    assert.deepEqual(capHeaderFields(raw).cut, []);
  });

  it('cuts a long field, keeps its line end, the other fields and the body', () => {
    const r = cap(`From: a@b.test\r\nSubject: ${'x'.repeat(50)}\r\nTo: c@d.test\r\n\r\nSubject: body ${'y'.repeat(50)}\r\n`, 20);
    assert.equal(r.text, `From: a@b.test\r\nSubject: ${'x'.repeat(11)}\r\nTo: c@d.test\r\n\r\nSubject: body ${'y'.repeat(50)}\r\n`);
    assert.deepEqual(r.cut, [{ name: 'Subject', bytes: 59 }]);
  });

  it('never leaves an empty line where a folded field is cut after a line break', () => {
    // "Subject: aaaaaa\r\n" is 17 bytes: a cut at 17 ends in the fold's CRLF, which must go.
    const r = cap('Subject: aaaaaa\r\n bbbbbbbbbbbb\r\nTo: c@d.test\r\n\r\nbody', 17);
    assert.equal(r.text, 'Subject: aaaaaa\r\nTo: c@d.test\r\n\r\nbody');
  });

  it('matches the plain reading on made-up header blocks (LF and CRLF, folding, no body)', () => {
    const rnd = seeded(7);
    const pieces = ['Subject: ', 'To: ', 'X-A:', 'a', 'bb', ' ', '\t', '=?utf-8?B?QUJD?=', ':', '\r', 'é'];
    for (let n = 0; n < 3000; n++) {
      const eol = rnd(3) === 0 ? '\n' : '\r\n';
      const fields: string[] = [];
      for (let f = rnd(5); f >= 0; f--) {
        let field = pieces[rnd(3)]!;
        for (let k = rnd(30); k > 0; k--) field += rnd(6) === 0 ? `${eol}${rnd(2) ? ' ' : '\t'}` : pieces[3 + rnd(pieces.length - 3)]!;
        fields.push(field);
      }
      const end = [`${eol}${eol}body${eol}`, eol, '', `${eol}${eol}`][rnd(4)]!;
      const s = fields.join(eol) + end;
      const max = 1 + rnd(40);
      assert.deepEqual(cap(s, max), reference(s, max), JSON.stringify({ s, max }));
    }
  });

  it('lets the parser read 1.5 MB of base64 encoded words in a Subject at once, saying it cut them', { timeout: 15_000 }, async () => {
    // Uncut, postal-mime took 20 s on 1 MB of these (quadratic past ~0.5 MB): the test would time out.
    const words = '=?utf-8?B?QUJD?= '.repeat(90_000);
    const raw = Buffer.from(`From: a@sender.test\r\nSubject: ${words}\r\nTo: b@example.org\r\n\r\nthe body\r\n`);
    const m = await parseMessage(raw);
    // The size as received: "Subject: " and the words, up to the line end.
    assert.deepEqual(m.limitsHit, ['header_size: Subject (1530009 bytes)']);
    assert.deepEqual(m.headerCuts, [{ name: 'Subject', bytes: 1_530_009 }]);
    assert.ok(m.subject.startsWith('ABCABC'));
    assert.ok(m.subject.length < MAX_HEADER_FIELD_BYTES);
    assert.equal(m.to[0]?.address, 'b@example.org');
    assert.equal(m.text.trim(), 'the body');
    assert.equal(m.raw, raw, 'the message itself is kept whole');
  });
});
