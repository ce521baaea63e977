// Subject prefix rewriting: decoded, prefixed once, re-encoded as RFC 2047 words when needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { prefixSubject } from '../../src/policy/subject.js';

const subjectOf = async (raw: Buffer) => (await parseMessage(raw)).subject;

describe('prefixSubject', () => {
  it('prefixes an ASCII subject and keeps the rest byte for byte', async () => {
    const raw = Buffer.from('From: a@b.test\r\nSubject: Hello\r\nTo: c@d.test\r\n\r\nbody\r\n');
    const out = prefixSubject(raw, '[SPAM]');
    assert.equal(out.toString(), 'From: a@b.test\r\nSubject: [SPAM] Hello\r\nTo: c@d.test\r\n\r\nbody\r\n');
    assert.equal(prefixSubject(out, '[SPAM]').toString(), out.toString(), 'not prefixed twice');
  });

  it('re-encodes a folded encoded-word subject as UTF-8 words of at most 75 characters', async () => {
    const long = 'Grüße aus Köln — '.repeat(6);
    const words = [long.slice(0, 20), long.slice(20)].map((w) => `=?utf-8?B?${Buffer.from(w).toString('base64')}?=`);
    const raw2 = Buffer.from(`Subject: ${words.join('\r\n ')}\r\nFrom: a@b.test\r\n\r\nx`);
    const out = prefixSubject(raw2, '[Verdächtig]');
    assert.equal(await subjectOf(out), `[Verdächtig] ${long}`);
    const head = out.toString('latin1').split('\r\n\r\n')[0]!;
    for (const line of head.split('\r\n')) assert.ok(line.length <= 78, `line too long: ${line}`);
    assert.ok(/^[\x00-\x7f]*$/.test(head), 'header stays ASCII');
  });

  it('adds a Subject when there is none, and works with bare LF messages', async () => {
    const out = prefixSubject(Buffer.from('From: a@b.test\n\nbody\n'), '[SPAM]');
    assert.equal(out.toString(), 'From: a@b.test\nSubject: [SPAM]\n\nbody\n');
  });
});
