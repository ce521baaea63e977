// The parser: one read-only ParsedMessage with URLs, link text, sniffed attachments and limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { header, parseMessage } from '../../src/message/parse.js';
import { sniffType } from '../../src/message/sniff.js';

const CRLF = '\r\n';
const msg = (lines: string[]) => Buffer.from(lines.join(CRLF));

describe('parseMessage', () => {
  it('reads headers, addresses, bodies and URLs with their link text', async () => {
    const raw = msg([
      'From: =?utf-8?q?J=C3=BCrgen?= <Juergen@Sender.test>',
      'Reply-To: other@free.test',
      'To: a@example.org, b@example.org',
      'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=',
      'Message-ID: <m1@sender.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary=b1',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'See http://plain.test/x and www.bare.com',
      '--b1',
      'Content-Type: text/html',
      '',
      '<p>Hi <a href="https://evil.test/login">https://bank.test</a> <img src="http://img.test/p.png">',
      '<map><area href="http://map.test/" alt="area"></map><form action="https://form.test/post"></form></p>',
      '--b1--',
      '',
    ]);
    const m = await parseMessage(raw);
    assert.equal(m.from?.address, 'juergen@sender.test');
    assert.equal(m.from?.name, 'Jürgen');
    assert.deepEqual(m.replyTo.map((a) => a.address), ['other@free.test']);
    assert.deepEqual(m.to.map((a) => a.address), ['a@example.org', 'b@example.org']);
    assert.equal(m.subject, 'Grüße');
    assert.equal(m.messageId, '<m1@sender.test>');
    assert.equal(header(m, 'Reply-To'), 'other@free.test');
    assert.match(m.htmlText, /Hi https:\/\/bank\.test/);
    const link = m.urls.find((u) => u.source === 'href');
    assert.deepEqual(link, { url: 'https://evil.test/login', host: 'evil.test', text: 'https://bank.test', source: 'href', part: 'html' });
    assert.deepEqual(m.urls.filter((u) => u.source !== 'href').map((u) => [u.source, u.host]).sort(), [
      ['form', 'form.test'],
      ['image-map', 'map.test'],
      ['src', 'img.test'],
      ['text', 'plain.test'],
      ['text', 'www.bare.com'],
    ]);
    assert.ok(Object.isFrozen(m));
  });

  it('sniffs the real type of attachments and opens nested messages', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]).toString('base64');
    const inner = ['From: x@inner.test', 'Subject: inner', 'Content-Type: multipart/mixed; boundary=i', '', '--i', 'Content-Type: text/plain', '', 'inner http://inner-link.test/', '--i', 'Content-Type: application/pdf; name="doc.pdf"', 'Content-Disposition: attachment; filename="doc.pdf"', 'Content-Transfer-Encoding: base64', '', exe, '--i--', ''].join(CRLF);
    const raw = msg([
      'From: a@sender.test',
      'Subject: outer',
      'Content-Type: multipart/mixed; boundary=o',
      '',
      '--o',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--o',
      'Content-Type: message/rfc822',
      '',
      inner,
      '--o--',
      '',
    ]);
    const m = await parseMessage(raw);
    const pdf = m.attachments.find((a) => a.filename === 'doc.pdf');
    assert.ok(pdf, 'the nested attachment is found');
    assert.equal(pdf.declaredType, 'application/pdf');
    assert.equal(pdf.sniffedType, 'application/x-msdownload');
    assert.equal(pdf.depth, 1);
    assert.equal(pdf.sha256.length, 64);
    assert.ok(m.urls.some((u) => u.host === 'inner-link.test'));
  });

  it('records a limit hit and still returns the message', async () => {
    const parts = [];
    for (let i = 0; i < 5; i++) parts.push('--p', `Content-Type: application/octet-stream; name="f${i}.bin"`, 'Content-Disposition: attachment', '', `data${i}`);
    const raw = msg(['From: a@sender.test', 'Subject: many', 'Content-Type: multipart/mixed; boundary=p', '', ...parts, '--p--', '']);
    const m = await parseMessage(raw, undefined, null, { maxParts: 3, maxDepth: 5, maxDecodedBytes: 1e9, maxUrls: 100 });
    assert.equal(m.attachments.length, 3);
    assert.deepEqual(m.limitsHit, ['parts']);
    assert.equal(m.subject, 'many');
  });

  it('sniffs common dangerous and container types', () => {
    assert.equal(sniffType(Buffer.from('%PDF-1.7')), 'application/pdf');
    assert.equal(sniffType(Buffer.from('{\\rtf1')), 'application/rtf');
    assert.equal(sniffType(Buffer.from('  <!DOCTYPE html><html>')), 'text/html');
    assert.equal(sniffType(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])), 'application/x-ole-storage');
    assert.equal(sniffType(Buffer.from('hello')), null);
  });
});
