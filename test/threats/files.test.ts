// File analysis units: archive limits (members, depth, ratio, total size), candidate passwords,
// names (double extension, bidi override), lookalike domains, evasive MIME salvage.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { base64Runs, inspectMime, MAX_SCAN, uuencodedBlocks } from '../../src/files/mime.js';
import { doubleExtension, extensionOf, hasBidiOverride } from '../../src/files/names.js';
import { candidatePasswords } from '../../src/files/passwords.js';
import { DEFAULT_ARCHIVE_LIMITS, walkFiles } from '../../src/files/walk.js';
import { DEFAULT_BRANDS, lookalike, skeleton } from '../../src/scan/analyzers/phishing/lookalike.js';
import { tempDir } from '../helpers/tmp.js';
import { seeded } from '../helpers/seeded.js';

function zipDir(dir: string, name: string, files: Record<string, string | Buffer>, args: string[] = []): Buffer {
  for (const [n, c] of Object.entries(files)) writeFileSync(path.join(dir, n), c);
  execFileSync('zip', ['-q', ...args, name, ...Object.keys(files)], { cwd: dir });
  return readFileSync(path.join(dir, name));
}

describe('archive walking', () => {
  test('member-count limit refuses the archive as a bomb', async () => {
    const dir = tempDir();
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, `file ${i}`]));
    const zip = zipDir(dir, 'many.zip', files);
    const r = await walkFiles([{ name: 'many.zip', content: zip }], [], { ...DEFAULT_ARCHIVE_LIMITS, maxMembers: 10 });
    assert.equal(r.issues[0]?.kind, 'bomb');
    assert.match(r.issues[0]!.detail, /more than 10 members/);
    const ok = await walkFiles([{ name: 'many.zip', content: zip }], []);
    assert.equal(ok.files.length, 31);
  });

  test('nesting deeper than the limit is reported, not followed', async () => {
    const dir = tempDir();
    let cur = zipDir(dir, 'l0.zip', { 'deep.txt': 'bottom' });
    for (let i = 1; i <= 4; i++) { writeFileSync(path.join(dir, `in${i}.zip`), cur); cur = zipDir(dir, `l${i}.zip`, { [`in${i}.zip`]: cur }); }
    const r = await walkFiles([{ name: 'top.zip', content: cur }], [], { ...DEFAULT_ARCHIVE_LIMITS, maxDepth: 2 });
    assert.ok(r.issues.some((i) => i.kind === 'too_deep'));
    assert.ok(!r.files.some((f) => f.name === 'deep.txt'));
    const all = await walkFiles([{ name: 'top.zip', content: cur }], []);
    assert.ok(all.files.some((f) => f.name === 'deep.txt' && f.depth === 5));
  });

  test('a generated zip bomb is refused from its declared sizes, quickly', async () => {
    const bomb = readFileSync('test/fixtures/threats/files/bomb.zip');
    const r = await walkFiles([{ name: 'bomb.zip', content: bomb }], []);
    assert.equal(r.files.length, 1, 'nothing unpacked');
    assert.match(r.issues[0]!.detail, /compression ratio \d+:1/);
    const total = await walkFiles([{ name: 'bomb.zip', content: bomb }], [], { ...DEFAULT_ARCHIVE_LIMITS, maxRatio: 100_000, maxTotalBytes: 10 * 1024 * 1024 });
    assert.match(total.issues[0]!.detail, /bytes uncompressed/);
  });

  test('encrypted zip: the right candidate password opens it (ZipCrypto and AES), a wrong one leaves a listed issue', async () => {
    const dir = tempDir();
    const zc = zipDir(dir, 'zc.zip', { 'run.exe': 'MZ fake' }, ['-P', 'pa55word']);
    execFileSync('7z', ['a', '-bd', '-tzip', '-mem=AES256', '-psecret42', 'aes.zip', 'run.exe'], { cwd: dir });
    const aes = readFileSync(path.join(dir, 'aes.zip'));
    const a = await walkFiles([{ name: 'zc.zip', content: zc }], ['nope', 'pa55word']);
    assert.ok(a.files.some((f) => f.name === 'run.exe' && f.password === 'pa55word' && f.fromEncrypted));
    const b = await walkFiles([{ name: 'aes.zip', content: aes }], ['secret42']);
    assert.ok(b.files.some((f) => f.name === 'run.exe' && f.password === 'secret42'));
    const c = await walkFiles([{ name: 'aes.zip', content: aes }], ['wrong']);
    assert.equal(c.issues[0]?.kind, 'encrypted');
    assert.deepEqual(c.issues[0]?.members, ['run.exe']);
  });
});

describe('candidate passwords', () => {
  test('phrases, quoted words and tokens near the attachment name', () => {
    const pw = candidatePasswords('Hello,\nthe password is: X7-tango!\nOr try "harbor99".\ninvoice.zip opens with 4471\n', ['invoice.zip']);
    assert.ok(pw.includes('X7-tango'), pw.join(','));
    assert.ok(pw.includes('harbor99'));
    assert.ok(pw.includes('4471'));
    assert.ok(!pw.includes('invoice.zip'));
  });
  test('the first candidates, as when every candidate was collected first (2,000 made-up texts)', () => {
    // As it was: all candidates collected, each checked against the list so far (14 s for a body
    // of 100,000 quoted words), then the first `max` kept.
    const before = (text: string, names: string[], max: number) => {
      const out: string[] = [];
      const add = (s: string | undefined) => {
        const v = s?.replace(/[.,;:!?)]+$/, '');
        if (v && v.length >= 2 && v.length <= 64 && !out.includes(v)) out.push(v);
      };
      for (const m of text.matchAll(/(?:password|passwort|passwd|pwd|pass ?code|kennwort|mot de passe|contrase(?:ñ|n)a|senha|wachtwoord|code|pin)\s*(?:is|ist|est|:|=|-|–)?\s*[:=]?\s*["'“‘«]?([^\s"'”’»<>]{2,64})/giu)) add(m[1]);
      for (const m of text.matchAll(/["“‘'«]([^\s"”’'»]{3,32})["”’'»]/gu)) add(m[1]);
      for (const line of text.split(/\r?\n/)) {
        const l = line.toLowerCase();
        if (!l.includes('invoice') && !/attach|archive|zip|file|open|document/.test(l)) continue;
        for (const m of line.matchAll(/[A-Za-z0-9!@#$%^&*_+=.-]{3,24}/g)) if (m[0].toLowerCase() !== 'invoice.zip' && (/\d/.test(m[0]) || /[^A-Za-z]/.test(m[0]))) add(m[0]);
      }
      return out.slice(0, max);
    };
    const rnd = seeded(13);
    const WORDS = ['password: ', 'pwd=', '"', "'", '«', 'x7-', 'tango', '4471', 'invoice.zip', 'zip', 'open', ' ', '\n', 'code ', 'ab', 'harbor99', '!!'];
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: 1 + rnd(40) }, () => WORDS[rnd(WORDS.length)]!).join('');
      const max = 1 + rnd(6);
      assert.deepEqual(candidatePasswords(text, ['invoice.zip'], max), before(text, ['invoice.zip'], max), JSON.stringify([text, max]));
    }
    const many = Array.from({ length: 100_000 }, (_, i) => `"w${i}x"`).join(' ');
    assert.deepEqual(candidatePasswords(many, ['a.zip']), Array.from({ length: 20 }, (_, i) => `w${i}x`));
  });
});

describe('names', () => {
  test('double extensions, bidi overrides, extensions', () => {
    assert.equal(doubleExtension('invoice.pdf.exe'), '.pdf.exe');
    assert.equal(doubleExtension('Scan.JPG   .scr'), '.jpg.scr');
    assert.equal(doubleExtension('archive.tar.gz'), null);
    assert.equal(doubleExtension('report.final.pdf'), null);
    assert.ok(hasBidiOverride('photo_\u202Egpj.exe'));
    assert.equal(extensionOf('photo_\u202Egpj.exe'), 'exe');
    assert.equal(extensionOf('a/b/setup.VBS'), 'vbs');
  });
});

describe('lookalike domains', () => {
  const P = ['example.edu'];
  test('homoglyphs, digits, punycode, one edit, other TLD, brand in subdomain', () => {
    assert.equal(lookalike('exarnple.edu', P, [])?.how, 'homoglyph');
    assert.equal(lookalike('examp1e.edu', P, [])?.how, 'homoglyph');
    assert.equal(lookalike('exmple.edu', P, [])?.how, 'edit-distance');
    assert.equal(lookalike('example.com', P, [])?.how, 'tld-swap');
    assert.equal(lookalike(new URL('https://p\u0430ypal.com').host, [], DEFAULT_BRANDS)?.target.domain, 'paypal.com');
    assert.equal(lookalike('paypal.com.account-check.net', [], DEFAULT_BRANDS)?.how, 'brand-in-name');
    assert.equal(skeleton('rnicros0ft'), skeleton('microsoft'));
  });
  test('the real domains and their subdomains are not lookalikes', () => {
    assert.equal(lookalike('example.edu', P, DEFAULT_BRANDS), null);
    assert.equal(lookalike('mail.example.edu', P, DEFAULT_BRANDS), null);
    assert.equal(lookalike('www.paypal.com', P, DEFAULT_BRANDS), null);
    assert.equal(lookalike('login.microsoftonline.com', P, DEFAULT_BRANDS), null);
    assert.equal(lookalike('news.bbc.co.uk', P, DEFAULT_BRANDS), null);
  });
});

describe('evasive MIME', () => {
  test('a clean, well-formed message has no anomalies', () => {
    const raw = Buffer.from('From: a@b.example\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n');
    assert.deepEqual(inspectMime(raw, new Set()).anomalies, []);
  });
  test('uuencoded content is salvaged and named', () => {
    const uu = execFileSync('uuencode', ['x.bin'], { input: Buffer.alloc(100, 7) }).toString();
    const f = inspectMime(Buffer.from(`From: a@b.example\r\nSubject: x\r\n\r\nsee\r\n${uu}`), new Set());
    assert.equal(f.anomalies[0]?.kind, 'uuencode');
    assert.deepEqual(f.salvaged.find((s) => s.name === 'x.bin')?.content, Buffer.alloc(100, 7));
  });
  test('uuencoded blocks are found where the expression over the whole text finds them', () => {
    const REF = /^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end\s*$/gm;
    const rnd = seeded(3);
    const pick = <T,>(xs: readonly T[]) => xs[rnd(xs.length)]!;
    const LINES = ['begin 644 a.bin', 'begin 0600 b c.txt', 'begin 7 short', 'begin 644 ', 'begin 888 x', 'end', 'end  ', 'end\t', 'endx', ' end', 'M86)C9&5F', '`', '', 'text begin 644 q'];
    let blocks = 0;
    for (let n = 0; n < 5000; n++) {
      let text = '';
      for (let l = rnd(14); l >= 0; l--) text += pick(LINES) + pick(['\n', '\n', '\r\n', '\r', '']);
      const ref = Array.from(text.matchAll(REF), (m) => ({ name: m[1]!, body: m[2]! }));
      assert.deepEqual(uuencodedBlocks(text), ref, JSON.stringify(text));
      blocks += ref.length;
    }
    assert.ok(blocks >= 1000, `${blocks} blocks in the made-up texts`);
    // 60,000 begin lines and no end line: the expression took 9 s over these 1 MB.
    assert.deepEqual(uuencodedBlocks('begin 644 x.bin\r\n'.repeat(60_000)), []);
  });
  test('base64 runs are found where the expression over the whole text finds them', () => {
    const REF = /(?:^[A-Za-z0-9+/]{40,}={0,2}\r?\n){4,}(?:^[A-Za-z0-9+/=]{1,}\r?\n?)?/gm;
    const line = (i: number, len = 76) => 'QUJDRA'.repeat(13).slice(0, len - (i % 3));
    const lines = (k: number, len?: number, eol = '\n') => Array.from({ length: k }, (_, i) => line(i, len)).join(eol);
    const cases = [
      `${lines(5)}\nQUJD==\nrest`, // a shorter last line joins the run
      `${lines(4)}\nabc def\n${lines(6)}`, // the tail stops mid-line; the next run starts on a later line
      `x\r${lines(5, 76, '\r\n')}\r\nQQ`, // CRLF, after a lone CR (a line start for ^)
      `${lines(4, 76, '\r')}\n`, // lone CRs only: no run (each line must end in a line feed)
      `text\n${lines(3)}\n\n${lines(4)}=\n${lines(4)}\n`, // three lines are too few
      `${'a'.repeat(45)}==\n${lines(4)}\nZZ=\r`, // padding ends a line
      `${lines(8, 40)}\n${lines(2, 39)}`, // 40 characters is enough, 39 is not
      `${lines(4)}\n${'QUJD'.repeat(20)}===\n${lines(4)}`, // three = is no line of a run
      `\n\n${lines(10)}QQ`,
      `${lines(5)}\n==\r\n`,
      `prose with words\nand a line\n${lines(4)}`, // no line feed after the last line: too few lines
      '',
    ];
    let found = 0;
    for (const c of cases) {
      const ref = Array.from(c.matchAll(REF), (m) => m[0]);
      assert.deepEqual(base64Runs(c), ref, JSON.stringify(c.slice(0, 60)));
      found += ref.length;
    }
    assert.ok(found >= 8, `${found} runs in the cases`);
    // And 5,000 made-up texts of base64-like lines, short and long, padded or not, with every kind
    // of line end and some junk (a seeded generator: the same texts every run).
    let seed = 7;
    const rnd = (k: number) => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
      return ((seed >>> 0) % 1_000_003) % k;
    };
    const pick = <T,>(xs: readonly T[]) => xs[rnd(xs.length)]!;
    let fuzzRuns = 0;
    for (let n = 0; n < 5000; n++) {
      let text = '';
      for (let l = rnd(24); l >= 0; l--) {
        const len = pick([0, 2, 39, 40, 41, 60, 76, 76, 76, 76]);
        text += (rnd(8) ? '' : 'x ') + 'QUJDRA+/9z'.repeat(8).slice(0, len) + '='.repeat(pick([0, 0, 0, 0, 1, 2, 3])) + pick(['\n', '\n', '\n', '\r\n', '\r\n', '\r', ' \n', '']);
      }
      const ref = Array.from(text.matchAll(REF), (m) => m[0]);
      assert.deepEqual(base64Runs(text), ref, JSON.stringify(text));
      fuzzRuns += ref.length;
    }
    assert.ok(fuzzRuns >= 400, `${fuzzRuns} runs in the made-up texts`);
  });
  test('a 10 MB run (a large attachment) is found whole, without running out of stack', () => {
    // The expression itself threw "Maximum call stack size exceeded" past ~6 MB, which failed the
    // malware, apt and other-threats analyzers for any message with a large attachment.
    const body = ('QUJD'.repeat(19) + '\r\n').repeat(135_000);
    const runs = base64Runs(`Content-Transfer-Encoding: base64\r\n\r\n${body}--b--\r\n`);
    assert.deepEqual(runs.map((r) => r.length), [body.length]);
    const raw = Buffer.from(`From: a@b.example\r\nSubject: x\r\n\r\n${body}`);
    assert.doesNotThrow(() => inspectMime(raw, new Set()));
  });
  test('a message longer than the examined part is not called unclosed', () => {
    const head = 'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n';
    const long = Buffer.concat([Buffer.from(head), Buffer.alloc(MAX_SCAN, 'x'), Buffer.from('\r\n--b--\r\n')]);
    assert.deepEqual(inspectMime(long, new Set()).anomalies, []);
    // Within the limit the check still runs.
    assert.deepEqual(inspectMime(Buffer.from(`${head}xx\r\n`), new Set()).anomalies.map((a) => a.kind), ['unclosed_boundary']);
  });
  test('oversized encoded headers and double content types are named, also in part headers', () => {
    const words = Array.from({ length: 120 }, () => '=?utf-8?B?QUJDREVGRw==?=').join(' ');
    const raw = `From: a@b.example\r\nSubject: ${words}\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhi\r\n--b--\r\n`;
    // Given as a view into a larger buffer, as the parser may hold it.
    const bytes = Buffer.concat([Buffer.from('xxxx'), Buffer.from(raw, 'latin1')]).subarray(4);
    const kinds = inspectMime(bytes, new Set()).anomalies.map((a) => a.kind);
    assert.deepEqual(kinds.sort(), ['double_content_type', 'long_encoded_header']);
  });
});

describe('analyzer configuration', () => {
  test('a bad key is named with its full path', async () => {
    const { analyzerConfig } = await import('../../src/files/config.js');
    const { MalwareConfig } = await import('../../src/scan/analyzers/malware/index.js');
    assert.throws(() => analyzerConfig(MalwareConfig, 'malware', { clamd: { timeout_ms: -1 } }), /scan\.analyzers\.malware\.clamd\.timeout_ms: /);
    assert.throws(() => analyzerConfig(MalwareConfig, 'malware', { clamd: { adress: 'x' } }), /scan\.analyzers\.malware\.clamd/);
    assert.equal(analyzerConfig(MalwareConfig, 'malware', {}).clamd.timeout_ms, 8000);
  });
});

describe('abandoned scans', () => {
  test('an aborted signal stops 7z work: the encrypted archive is left unopened', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const r = await walkFiles([{ name: 'enc.7z', content: readFileSync('test/fixtures/threats/files/enc-clam.7z') }], ['Blue7Harbor'], { ...DEFAULT_ARCHIVE_LIMITS, signal: ctl.signal });
    assert.equal(r.files.length, 1);
    assert.match(r.issues[0]!.detail, /abandoned/);
    const ok = await walkFiles([{ name: 'enc.7z', content: readFileSync('test/fixtures/threats/files/enc-clam.7z') }], ['Blue7Harbor']);
    assert.equal(ok.files.length, 2);
  });
});
