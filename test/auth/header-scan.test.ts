// The header scan installed into mailauth's DKIM parser finds the same header end, hands on the
// same chunks and carries the same bytes as mailauth's own, whatever the chunking; and CRLF
// conversion before mailauth gives the bytes mailauth's own conversion gives.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
interface Parser {
  state: string;
  stateBytes: number[];
  headerChunks: Buffer[];
  headers: { parsed: { key: string; line: Buffer }[] } | false;
  processChunk(chunk: Buffer): Promise<void>;
  ensureLinebreaks(input: Buffer): Iterable<Buffer>;
}
const { MessageParser } = require('mailauth/lib/dkim/message-parser.js') as { MessageParser: new () => Parser & { prototype: Parser } };
// mailauth's own, taken before the replacement is installed.
const original = (MessageParser as unknown as { prototype: Parser }).prototype.processChunk;
const { headerScanInstalled, isKnownProcessChunk } = await import('../../src/scan/analyzers/auth/header-scan.js');
const { withCrlf } = await import('../../src/scan/analyzers/auth/crlf.js');
const installed = (MessageParser as unknown as { prototype: Parser }).prototype.processChunk;

async function run(processChunk: (this: Parser, c: Buffer) => Promise<void>, chunks: Buffer[]) {
  const p = new MessageParser();
  const calls: string[] = [];
  const body: Buffer[] = [];
  Object.assign(p, {
    messageHeaders: async (h: unknown) => void calls.push(`headers after ${body.length} body chunks`),
    nextChunk: async (c: Buffer) => void body.push(Buffer.from(c)),
  });
  for (const c of chunks) await processChunk.call(p, c);
  const headers = p.headers ? p.headers.parsed.map((h) => `${h.key}=${h.line.toString('latin1')}`) : null;
  return { state: p.state, stateBytes: p.state === 'header' ? p.stateBytes : null, header: Buffer.concat(p.headerChunks).toString('latin1'), headers, calls, body: Buffer.concat(body).toString('latin1') };
}

function chunkings(msg: Buffer): Buffer[][] {
  const out: Buffer[][] = [[msg]];
  for (let i = 1; i < msg.length; i++) out.push([msg.subarray(0, i), msg.subarray(i)]);
  for (const size of [1, 2, 3, 5]) {
    const cs: Buffer[] = [];
    for (let i = 0; i < msg.length; i += size) cs.push(msg.subarray(i, i + size));
    out.push(cs);
  }
  return out;
}

const MESSAGES = [
  'From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody line\r\nsecond\r\n',
  'From: a@example.org\nSubject: bare LF\n\nbody\n',
  'From: a@example.org\r\nSubject: mixed\r\n\nbody\r\n',
  'From: a@example.org\nSubject: folded\n continued\n\r\nbody\n\n\n',
  'From: a@example.org\r\nSubject: no body\r\n\r\n',
  'From: a@example.org\r\nSubject: no blank line at all\r\n',
  '\r\nbody without a header\r\n',
  '\nbody after a bare LF\n',
  'X: \r\r\n\r\n\n\r\nodd\r\n',
];

describe('mailauth header scan', () => {
  it('is installed over mailauth 4.13’s own', () => {
    assert.equal(headerScanInstalled, true);
    assert.notEqual(installed, original);
  });

  it('recognises mailauth’s processChunk as esbuild reprints it into the bundles, and nothing else', async () => {
    const { transformSync } = await import('esbuild');
    // A method's text (async processChunk(chunk) {…}) is valid inside an object literal.
    const source = `({ ${String(original)} })`;
    const bundled = transformSync(source, { format: 'esm', target: 'node20' }).code;
    assert.notEqual(bundled, source, 'esbuild reprints the function');
    assert.equal(isKnownProcessChunk(source), true);
    assert.equal(isKnownProcessChunk(bundled), true);
    assert.equal(isKnownProcessChunk(source.replace('b1 === 0x0d', 'b1 === 0x0a')), false);
    assert.equal(isKnownProcessChunk(String(installed)), false);
  });

  it('gives what mailauth’s own gives, for every way of cutting the message into chunks', async () => {
    for (const m of MESSAGES) {
      const msg = Buffer.from(m, 'latin1');
      for (const chunks of chunkings(msg)) {
        const label = `${JSON.stringify(m)} cut ${chunks.map((c) => c.length).join('+')}`;
        assert.deepEqual(await run(installed, chunks), await run(original, chunks), label);
      }
    }
  });

  it('CRLF conversion gives the bytes mailauth’s own conversion gives', () => {
    const inputs = [...MESSAGES, 'a\nb\r\nc\r\n\nd\n\n\r\r\ne', '\n\n', '\r\n\n\n', 'no line end', '', 'end\r'];
    for (const m of inputs) {
      const buf = Buffer.from(m, 'latin1');
      const theirs = Buffer.concat([...new MessageParser().ensureLinebreaks(buf)]);
      assert.equal(withCrlf(buf).toString('latin1'), theirs.toString('latin1'), JSON.stringify(m));
    }
    const crlf = Buffer.from('a\r\nb\r\n');
    assert.equal(withCrlf(crlf).buffer, crlf.buffer, 'a message without bare LFs is not copied');
  });
});
