// Development tool: looks for message shapes that make the scan slow (an expression or parser
// that reads the same text again from many positions) by timing the whole engine, in process, on
// made-up messages: a unit of one to a few characters repeated to SIZE bytes in each of sixteen
// places (plain text, text lines, HTML text and markup, href, link text, a quoted-printable text,
// a base64 HTML body, a text in an attached message and HTML five attached messages down; 90 KB
// of it in Subject, Received, Message-ID and Reply-To; a display name, an attachment name), header
// fields just under the parser's 100 KiB cut, and deep or wide MIME structures. Bayes is trained on 150
// + 150 messages of the benchmark's training half so that it tokenizes as it does in production;
// network lookups are refused and clamd is off. Prints each scan over --slow ms or with a _FAIL
// symbol; exits 1 when there was one. README, Large and hostile messages.
//   node --import tsx bench/hostile.ts [--size 100000] [--slow 1000] [--random 250] [--seed 5] [--progress]
// --progress names each message on standard error before it is scanned (the one that never ends).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { parseMessage } from '../src/message/parse.js';
import { learnBatch } from '../src/scan/analyzers/bayes/model.js';
import { ALL_ANALYZERS } from '../src/scan/analyzers/index.js';
import { refuseAllLookups, ScanEngine } from '../src/scan/engine.js';
import { checkEnvelope } from '../src/scan/envelope.js';
import { openStore } from '../src/store/db.js';
import { seeded } from '../test/helpers/seeded.js';
// @ts-expect-error plain ES module without types
import { corpusIndex, readRaw } from './scan/corpus.mjs';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number): number => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
const SIZE = opt('--size', 100_000);
const SLOW_MS = opt('--slow', 1000);
const RANDOM = opt('--random', 250);

const fill = (unit: string, n = SIZE): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const esc = (s: string): string => s.replace(/[<>"&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '"': '&quot;', '&': '&amp;' })[c]!);
const flat = (s: string): string => s.replace(/[\r\n"\\]/g, '_');
const head = (subject = 'hi', from = 'Alice'): string =>
  `From: ${from} <a@sender.test>\r\nTo: b@dest.test\r\nSubject: ${subject}\r\nDate: Tue, 1 Dec 2026 03:00:00 +0000\r\nMessage-ID: <m1@sender.test>\r\nMIME-Version: 1.0\r\n`;
const html = (body: string): string => `${head()}Content-Type: text/html; charset=utf-8\r\n\r\n${body}\r\n`;

const base64Lines = (s: string): string => Buffer.from(s).toString('base64').replace(/.{76}/g, '$&\r\n');
/** A message whose only attachment is a message, `depth` levels down, ending in `part`. */
const attached = (depth: number, part: string): string => {
  let inner = `${head()}${part}\r\n`;
  for (let d = 0; d < depth; d++) {
    inner = `${head()}Content-Type: multipart/mixed; boundary=L${d}\r\n\r\n--L${d}\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--L${d}\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--L${d}--\r\n`;
  }
  return inner;
};

const PLACES: Record<string, (u: string) => string> = {
  text: (u) => `${head()}Content-Type: text/plain; charset=utf-8\r\n\r\n${fill(u)}\r\n`,
  lines: (u) => `${head()}Content-Type: text/plain; charset=utf-8\r\n\r\n${fill(`${u}\r\n`)}\r\n`,
  'html-text': (u) => html(`<html><body><p>${esc(fill(u))}</p></body></html>`),
  'html-markup': (u) => html(`<html><body>${fill(u)}</body></html>`),
  href: (u) => html(`<a href="http://x.test/${esc(fill(u))}">click</a>`),
  'link-text': (u) => html(`<a href="http://x.test/">${esc(fill(u))}</a>`),
  subject: (u) => `${head(fill(u, Math.min(SIZE, 90_000)).replace(/[\r\n]/g, ' '))}Content-Type: text/plain\r\n\r\nhello\r\n`,
  'display-name': (u) => `${head('hi', `"${flat(fill(u, 2000))}"`)}Content-Type: text/plain\r\n\r\nhello\r\n`,
  received: (u) => `Received: from ${flat(fill(u, 90_000))}\r\n${head()}Content-Type: text/plain\r\n\r\nhello\r\n`,
  'message-id': (u) => `${head().replace('<m1@sender.test>', `<${flat(fill(u, 90_000))}>`)}Content-Type: text/plain\r\n\r\nhello\r\n`,
  'reply-to': (u) => `${head()}Reply-To: ${flat(fill(u, 90_000))}\r\nContent-Type: text/plain\r\n\r\nhello\r\n`,
  // Decoded from quoted-printable and base64 (the unit as sent in a QP part: `=` and long lines
  // included), and the same inside an attached message, one and five levels deep.
  'qp-text': (u) => `${head()}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${fill(u)}\r\n`,
  'base64-html': (u) => `${head()}Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(`<html><body><p>${fill(u)}</p></body></html>`)}\r\n`,
  nested: (u) => attached(1, `Content-Type: text/plain; charset=utf-8\r\n\r\n${fill(u)}`),
  'nested-5-html': (u) => attached(5, `Content-Type: text/html; charset=utf-8\r\n\r\n<p>${esc(fill(u))}</p>`),
  'attachment-name': (u) =>
    `${head()}Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/octet-stream; name="${flat(fill(u, 5000))}"\r\nContent-Disposition: attachment\r\n\r\nAAAA\r\n--B--\r\n`,
};

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ '.split('');
const UNITS = [
  ...PUNCTUATION.flatMap((c) => [c, `a${c}`, `${c}a`, `a${c}b${c}`, `1${c}`]),
  'a.b.c.d.', 'a-a.', 'aa.', 'http://', 'ahttp://a.test/', 'x://a.test/?', 'www.', 'www.a.', '@a.', 'a@b.', 'a@', '=?utf-8?q?a?=', '=?', '=3D', '%41', '%',
  '&#', '&#x41;', '&amp;', '<a ', '<a href=', '<!--', '<![CDATA[', '<script>', '<style>', '<form>', '<input type=password>', 'click here ',
  'verify your account ', 'password ', 'urgent ', 'wire transfer ', 'invoice ', 'unsubscribe ', 'Dear friend ', '$', '$1', '100% ', 'FREE ', 'Re: ',
  'begin 644 ', '\t', '\u00a0', '\u200b', '\u202e', 'é', 'аа', '中文', 'xn--', 'xn--a.', '1.2.3.4.', '::', 'http://1.2.3.4/', 'data:', 'javascript:',
  'mailto:', 'cid:', 'http://bit.ly/', '?url=http', 'l.', 'O0', 'a', 'A', '1', 'aA1',
];
const PIECES = ['a', '1', '.', '-', '/', ':', '@', '=', '%', '&', '#', ';', '<', '>', '"', "'", ' ', '?', '(', ')', '[', ']', '\\', '_', '+', '*', '!', '$', '|', '~', '\n', 'é', 'http://', 'www.', '=?', '?=', '&#', '<a ', 'href=', '\t', ',', '^', '`', '{', '}'];
const rnd = seeded(opt('--seed', 5));
const random = new Set<string>();
while (random.size < RANDOM) {
  let u = '';
  for (let k = 2 + rnd(4); k > 0; k--) u += PIECES[rnd(PIECES.length)];
  random.add(u);
}

// Header fields just under the 100 KiB cut (the parser reads at most that much of one field).
const K = 100_000;
const std = ['From: a@sender.test', 'To: b@dest.test', 'Subject: hi', 'Message-ID: <x@y.test>', 'Date: Tue, 1 Dec 2026 03:00:00 +0000'];
const without = (...keys: string[]) => std.filter((h) => !keys.some((k) => h.startsWith(`${k}:`)));
const withHeaders = (headers: string[]): string => `${headers.join('\r\n')}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n`;
const HEADER_SHAPES: Record<string, string> = {
  ...Object.fromEntries([':;', '"', '<', '(', 'a@b.test, ', '\\"'].map((u) => [`To of ${JSON.stringify(u)}`, withHeaders([...without('To'), `To: ${fill(u, K)}`])])),
  'address fields × 20': withHeaders([...std, ...Array.from({ length: 20 }, (_, i) => `${['Cc', 'Reply-To', 'Sender', 'Bcc', 'Resent-To'][i % 5]}: ${fill(i % 2 ? ':;' : '"x" <', K)}`)]),
  'Received × 5,000': withHeaders([...std, ...Array.from({ length: 5000 }, (_, i) => `Received: from h${i}.example.test (h${i}.example.test [10.0.${i % 256}.${i % 250}]) by mx.test; Tue, 1 Dec 2026 03:00:00 +0000`)]),
  'Received × 20 long': withHeaders([...std, ...Array.from({ length: 20 }, () => `Received: from ${fill('a.', 50_000)} (${fill('[1.2.3.4] ', 40_000)})`)]),
  'Message-ID': withHeaders([...without('Message-ID'), `Message-ID: <${fill('a@', K)}>`]),
  Date: withHeaders([...without('Date'), `Date: ${fill('Tue, 1 Dec ', K)}`]),
  'List-Unsubscribe': withHeaders([...std, `List-Unsubscribe: ${fill('<http://a.test/u>, ', K)}`, `List-Id: ${fill('<a.b>', K)}`]),
  'DKIM-Signature': withHeaders([...std, `DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=s; h=${fill('from:', K)}; bh=x; b=y`]),
  'ARC-Seal × 60': withHeaders([...std, ...Array.from({ length: 60 }, (_, i) => `ARC-Seal: i=${i + 1}; a=rsa-sha256; cv=pass; d=x.test; s=s; b=${fill('A', 20_000)}`)]),
  'multipart × 5,000 parts': `${std.join('\r\n')}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n${Array.from({ length: 5000 }, (_, i) => `--B\r\nContent-Type: text/plain\r\n\r\npart ${i} http://h${i}.test/\r\n`).join('')}--B--\r\n`,
  'multipart nested 500 deep': `${std.join('\r\n')}\r\nMIME-Version: 1.0\r\n${Array.from({ length: 500 }, (_, i) => `Content-Type: multipart/mixed; boundary=N${i}\r\n\r\n--N${i}\r\n`).join('')}Content-Type: text/plain\r\n\r\ndeep\r\n${Array.from({ length: 500 }, (_, i) => `--N${499 - i}--\r\n`).join('')}`,
  'message/rfc822 nested 200 deep': attached(200, 'Content-Type: text/plain\r\n\r\ndeep'),
  'X-Mailer': withHeaders([...std, `X-Mailer: ${fill('Outlook ', K)}`, `User-Agent: ${fill('Mozilla/5.0 ', K)}`]),
};

const root = mkdtempSync(path.join(os.tmpdir(), 'rampart-hostile-'));
try {
  const config = parseConfig({ data_dir: root, database: { url: 'sqlite:hostile.db' }, scan: { analyzers: { malware: { clamd: { enabled: false } } } } });
  const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
  const train = (corpusIndex() as { half: string; label: 'spam' | 'ham'; file: string }[]).filter((m) => m.half === 'train');
  const pick = (label: 'spam' | 'ham') => train.filter((m) => m.label === label).slice(0, 150);
  const items = [];
  for (const m of [...pick('spam'), ...pick('ham')]) items.push({ message: await parseMessage(readRaw(m.file)), class: m.label });
  await learnBatch(store.db, items);
  const engine = new ScanEngine({ config, analyzers: ALL_ANALYZERS, db: store.db, resolve: refuseAllLookups });
  const envelope = checkEnvelope({ from: 'a@sender.test', rcpt: ['b@dest.test'] }, { ip: '--ip', from: '--from', helo: '--helo', rcpt: '--rcpt' });

  // Made one at a time: thousands of 1 MB messages held at once filled the heap (4 GB) before the
  // sweep was through.
  function* cases(): Generator<[string, string]> {
    for (const [name, raw] of Object.entries(HEADER_SHAPES)) yield [`header ${name}`, raw];
    for (const [place, make] of Object.entries(PLACES)) for (const u of [...UNITS, ...random]) yield [`${place} ${JSON.stringify(u)}`, make(u)];
  }
  let count = 0;
  const t0 = performance.now();
  // The five slowest scans, slowest first: where the next look should go even when none is listed.
  const slowest: [ms: number, name: string][] = [];
  let bad = 0;
  for (const [name, raw] of cases()) {
    count++;
    if (argv.includes('--progress')) process.stderr.write(`${name}\n`);
    const t = performance.now();
    const { verdict } = await engine.scan({ raw: Buffer.from(raw), envelope });
    const ms = performance.now() - t;
    if (slowest.length < 5 || ms > slowest[4]![0]) {
      slowest.push([ms, name]);
      slowest.sort((a, b) => b[0] - a[0]);
      slowest.length = Math.min(slowest.length, 5);
    }
    const fails = verdict.symbols.filter((s) => s.name.endsWith('_FAIL')).map((s) => `${s.name} (${s.detail ?? ''})`);
    if (ms > SLOW_MS || fails.length) {
      bad++;
      console.log(`${name}: ${ms.toFixed(0)} ms ${fails.join(', ')}`);
    }
  }
  console.log(`${count} messages of up to ${SIZE} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s; slowest ${(slowest[0]?.[0] ?? 0).toFixed(0)} ms; ${bad} over ${SLOW_MS} ms or failing`);
  console.log(`slowest: ${slowest.map(([ms, name]) => `${name} ${ms.toFixed(0)} ms`).join(', ')}`);
  await store.close();
  process.exitCode = bad ? 1 : 0;
} finally {
  rmSync(root, { recursive: true, force: true });
}
