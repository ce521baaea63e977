// The direct join that replaces postal-mime's Blob round trip gives the very bytes the Blob gave,
// and postal-mime really uses it once installed.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { decodersReady, joinChunks } from '../../src/message/postal-decoders.js';
import { seeded } from '../helpers/seeded.js';

const viaBlob = async (chunks: BlobPart[]) => Buffer.from(await new Blob(chunks).arrayBuffer());

describe('postal-mime decoders without Blob', () => {
  it('joins strings, ArrayBuffers and offset views exactly as a Blob does', async () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const chunks = ['plain ', 'é ü 日本 ', '\ud800 lone surrogate', new Uint8Array([0, 255, 10]).buffer, backing.subarray(2, 5), new DataView(backing.buffer, 0, 2), '\n', ''];
    const joined = joinChunks(chunks);
    assert.ok(joined instanceof ArrayBuffer);
    assert.deepEqual(Buffer.from(joined), await viaBlob(chunks as BlobPart[]));
    assert.equal(joinChunks([])?.byteLength, 0);
    assert.equal(joinChunks([new Blob(['x'])]), null, 'a chunk kind it does not know is left to the Blob');
  });

  it('is installed in postal-mime and decodes base64, quoted-printable and 8bit parts byte for byte', async () => {
    await decodersReady;
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('postal-mime/package.json')), 'dist', 'esm');
    for (const f of ['base64-decoder.js', 'qp-decoder.js', 'pass-through-decoder.js']) {
      const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default: { prototype: { finalize: unknown } } };
      assert.match(String(mod.default.prototype.finalize), /joinChunks/, `${f} uses the direct join`);
    }
    const pass = (await import(pathToFileURL(path.join(dir, 'pass-through-decoder.js')).href)) as { default: { prototype: { update: unknown } } };
    assert.match(String(pass.default.prototype.update), /flushLines/, 'the pass-through decoder collects lines in a buffer');
    const bin = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37) % 256));
    const raw = [
      'From: a@example.com',
      'To: b@example.com',
      'Subject: parts',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'caf=C3=A9 and a soft=',
      ' break',
      '--B',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      '<p>naïve</p>',
      '--B',
      'Content-Type: application/octet-stream; name="x.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      ...bin.toString('base64').match(/.{1,76}/g)!,
      '--B--',
      '',
    ].join('\r\n');
    const email = await PostalMime.parse(Buffer.from(raw));
    assert.match(email.text ?? '', /^café and a soft break\n/);
    assert.match(email.html ?? '', /<p>naïve<\/p>/);
    assert.equal(email.attachments.length, 1);
    assert.deepEqual(Buffer.from(email.attachments[0]!.content as ArrayBuffer), bin);
  });

  it('keeps every line of an unencoded part across the line buffer, long lines and empty ones included', async () => {
    await decodersReady;
    const rnd = seeded(3);
    // ~1.2 MB: thousands of lines of 0–300 bytes, and lines longer than the 100 KB buffer.
    const lines: string[] = [];
    for (let i = 0; i < 8000; i++) lines.push(i % 2500 === 7 ? 'L'.repeat(100 * 1024 + rnd(3)) : 'abcdefghij'.repeat(30).slice(0, rnd(301)));
    const body = lines.join('\r\n');
    const raw = `From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n--B\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: binary\r\n\r\n${body}\r\n--B--\r\n`;
    const email = await PostalMime.parse(Buffer.from(raw));
    const expected = `${lines.join('\n')}\n`;
    assert.equal(email.text, expected);
    assert.equal(Buffer.from(email.attachments[0]!.content as ArrayBuffer).toString('latin1'), expected);
  });
});
