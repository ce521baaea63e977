// The same goldens through the real scan engine (parse → pipeline → scoring → policy) once the
// pipeline exists (branch scan-core): the verdict's category must match. Loaded dynamically so this
// file type-checks and skips on a tree without src/scan/engine.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { importHashes, importVips } from '../../src/files/lists.js';
import { startClamd } from '../helpers/clamd.js';
import { sqliteDatabase } from '../helpers/db.js';

const DIR = 'test/fixtures/threats';
const ENGINE = 'src/scan/engine.ts';
const expected = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8')) as Record<string, { category: string; symbols: string[] }>;
delete (expected as Record<string, unknown>)._comment;

describe('threat goldens through the scan engine', { skip: existsSync(ENGINE) ? false : 'no scan engine on this tree yet' }, async () => {
  if (!existsSync(ENGINE)) return;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const { ScanEngine } = (await import(pathToFileURL(ENGINE).href)) as any;
  const { ALL_ANALYZERS } = (await import(pathToFileURL('src/scan/analyzers/index.ts').href)) as any;
  const { ScanConfig } = (await import(pathToFileURL('src/scan/config.ts').href)) as any;
  const { DnsConfig } = await import('../../src/config/schema.js');
  const clamd = await startClamd();
  const store = await (await sqliteDatabase()).open();
  after(() => store.close());
  await store.db.insertInto('domains').values({ name: 'example.edu', catch_all: 1, created_at: new Date().toISOString() }).execute();
  await importHashes(store.db, [{ sha256: createHash('sha256').update(readFileSync(`${DIR}/files/known-bad.bin`)).digest('hex'), name: 'Fixture.KnownBad' }], 'test');
  await importVips(store.db, [{ domain: 'example.edu', name: 'Jane Provost', address: 'jane.provost@example.edu', title: 'President' }]);
  const scan = ScanConfig.parse({ analyzer_timeout: 60_000, analyzers: { malware: { clamd: { address: clamd.spec, timeout_ms: 30_000 } } } });
  const engine = new ScanEngine({ config: { scan, dns: DnsConfig.parse({}) }, analyzers: ALL_ANALYZERS, db: store.db, resolve: async () => { throw new Error('no DNS in threat tests'); } });

  for (const [file, want] of Object.entries(expected)) {
    test(`${file} → ${want.category}`, async () => {
      const raw = readFileSync(`${DIR}/eml/${file}`);
      const to = /^To: .*?([^\s<>]+@[^\s<>]+)/m.exec(raw.toString('latin1'))?.[1] ?? 'staff@example.edu';
      const d = await engine.scan({ raw, envelope: { clientIp: '192.0.2.1', clientHostname: null, helo: 'mx.sender.example', tls: false, mailFrom: '', rcptTo: [to.endsWith('example.edu') ? to : 'staff@example.edu'] } });
      const names = new Set(d.verdict.symbols.map((s: { name: string }) => s.name));
      for (const s of want.symbols) assert.ok(names.has(s), `${file}: expected ${s}; got ${[...names].join(', ')}`);
      // Threat categories outrank everything else; for clean mail other analyzers (spam, auth)
      // may still have their say, but no threat category may appear.
      if (want.category !== 'clean') assert.equal(d.verdict.category, want.category, JSON.stringify(d.verdict.symbols));
      else assert.ok(!['malware', 'apt', 'phishing', 'bec', 'other_threat'].includes(d.verdict.category), `${file}: ${d.verdict.category} ${JSON.stringify(d.verdict.symbols)}`);
    });
  }
  test('a 12 MB attachment is scanned by every analyzer, none fails (the evasive-MIME scan ran out of stack past ~6 MB)', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), createHash('sha512').update('seed').digest(), Buffer.alloc(12 * 1024 * 1024, 'lorem ipsum ')]);
    const b64 = pdf.toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = Buffer.from(`From: Lee <lee@partner.example>\r\nTo: staff@example.edu\r\nSubject: the scans\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <big@partner.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe scans you asked for.\r\n--b\r\nContent-Type: application/pdf; name="scans.pdf"\r\nContent-Disposition: attachment; filename="scans.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`);
    const d = await engine.scan({ raw, envelope: { clientIp: '192.0.2.1', clientHostname: null, helo: 'mx.partner.example', tls: false, mailFrom: 'lee@partner.example', rcptTo: ['staff@example.edu'] } });
    const names = d.verdict.symbols.map((s: { name: string }) => s.name);
    assert.deepEqual(names.filter((n: string) => n.endsWith('_FAIL') || n.startsWith('MIME_')), [], JSON.stringify(d.verdict.symbols));
    assert.equal(d.decision.kind, 'accept');
  });
  test('hostile shapes are scanned to a verdict by every analyzer, none fails', async () => {
    const head = 'From: Lee <lee@partner.example>\r\nTo: staff@example.edu\r\nSubject: x\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <h@partner.example>\r\nMIME-Version: 1.0\r\n';
    const shapes: Record<string, string> = {
      'html nested 200,000 deep': `${head}Content-Type: text/html\r\n\r\n${'<div>'.repeat(200_000)}hi${'</div>'.repeat(200_000)}\r\n`,
      'one 10 MB line': `${head}Content-Type: text/plain\r\n\r\n${'x'.repeat(10_000_000)}\r\n`,
      'a 3 MB header': `X-Big: ${'a'.repeat(3_000_000)}\r\n${head}Content-Type: text/plain\r\n\r\nhi\r\n`,
      'multiparts nested 3,000 deep': head + Array.from({ length: 3000 }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`).join('') + 'Content-Type: text/plain\r\n\r\nhi\r\n',
      'messages nested 2,000 deep': head + 'Content-Type: message/rfc822\r\n\r\n'.repeat(2000) + 'Subject: x\r\n\r\nhi\r\n',
      'unclosed tags, 100,000 of each': `${head}Content-Type: text/html\r\n\r\n${['<a ', '<img ', '<form ', '<font ', '<input '].map((t) => t.repeat(100_000)).join('')}${'<script>x'.repeat(50_000)}\r\n`,
      '50,000 base64 headers without a body': `${head}Content-Type: text/plain\r\n\r\n${'Content-Transfer-Encoding: base64\r\n'.repeat(50_000)}x\r\n`,
      'a 300,000-attribute tag': `${head}Content-Type: text/html\r\n\r\n<a ${Array.from({ length: 300_000 }, (_, i) => `x${i}="1"`).join(' ')} href="http://a.example/">x</a>\r\n`,
    };
    for (const [what, raw] of Object.entries(shapes)) {
      const d = await engine.scan({ raw: Buffer.from(raw), envelope: { clientIp: '192.0.2.1', clientHostname: null, helo: 'mx.partner.example', tls: false, mailFrom: 'lee@partner.example', rcptTo: ['staff@example.edu'] } });
      const failed = d.verdict.symbols.filter((s: { name: string }) => s.name.endsWith('_FAIL'));
      assert.deepEqual(failed, [], `${what}: ${JSON.stringify(d.verdict.symbols)}`);
    }
  });
  test('clamd down: the verdict is incomplete, not clean', async () => {
    await clamd.stop();
    const d = await engine.scan({ raw: readFileSync(`${DIR}/eml/clean-invoice.eml`), envelope: { clientIp: '192.0.2.1', clientHostname: null, helo: null, tls: false, mailFrom: '', rcptTo: ['payables@example.edu'] } });
    assert.ok(d.verdict.symbols.some((s: { name: string }) => s.name === 'MALWARE_FAIL'), JSON.stringify(d.verdict.symbols));
    assert.equal(d.decision.kind, 'tempfail');
  });
});
