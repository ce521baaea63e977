// Document inspection units: MS-OVBA decompression against the spec's own example, HTML smuggling
// cues and their absence in ordinary pages, PDF name escapes and Flate streams, RTF objects.
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { inspectHtml } from '../../src/files/html.js';
import { ovbaDecompress } from '../../src/files/office.js';
import { inspectPdf } from '../../src/files/pdf.js';
import { inspectRtf } from '../../src/files/rtf.js';
import { seeded } from '../helpers/seeded.js';

describe('MS-OVBA', () => {
  test('decompresses the example of MS-OVBA 3.2.2 (copy tokens)', () => {
    // The specification's example string and its compressed form (MS-OVBA 3.2.2).
    const compressed = Buffer.from('01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C'.replace(/ /g, ''), 'hex');
    assert.equal(ovbaDecompress(compressed).toString('latin1'), '#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa');
  });
});

describe('HTML smuggling', () => {
  test('Blob + createObjectURL + download, and msSaveOrOpenBlob, are cues', () => {
    assert.deepEqual(inspectHtml('<script>var b=new Blob([x]);var a=document.createElement("a");a.href=URL.createObjectURL(b);a.download="x.iso";a.click()</script>').smuggling, ['Blob+createObjectURL+download']);
    assert.ok(inspectHtml('<script>navigator.msSaveOrOpenBlob(b, "x.zip")</script>').smuggling.includes('msSaveOrOpenBlob'));
  });
  test('ordinary pages with scripts, forms and images are not', () => {
    const r = inspectHtml('<html><script>window.onload=function(){document.title="hi"}</script><img src="data:image/png;base64,iVBORw0KGgo="><form action="/search"><input name="q"></form></html>');
    assert.deepEqual(r.smuggling, []);
    assert.deepEqual(r.forms, [{ action: '/search', password: false }]);
  });
});

describe('PDF', () => {
  test('escaped names and keys inside Flate streams are found', () => {
    const hidden = deflateSync(Buffer.from('<< /Type /Action /S /Launch /F (cmd.exe) >>'));
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << /OpenAction << /S /J#61vaScript /JS (x) >> >> endobj\n2 0 obj << /Filter /FlateDecode /Length ' + hidden.length + ' >>\nstream\n'), hidden, Buffer.from('\nendstream\nendobj\n%%EOF\n')]);
    const r = inspectPdf(pdf);
    assert.equal(r.javascript, true);
    assert.equal(r.launch, true);
    assert.equal(r.openAction, true);
    const plain = inspectPdf(Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF'));
    assert.deepEqual([plain.javascript, plain.launch, plain.embeddedFiles], [false, false, false]);
  });
  test('streams are found as when each start searched for its own endstream (3,000 made-up files)', () => {
    // inspectPdf's stream walk as it was: every start searched on to its endstream, so 500 starts
    // before one far endstream read the rest of the file 500 times.
    const streamsBefore = (raw: string): string[] => {
      const out: string[] = [];
      const re = /stream\r?\n/g;
      let m: RegExpExecArray | null;
      let count = 0;
      while ((m = re.exec(raw)) && count++ < 500) {
        const start = m.index + m[0].length;
        const end = raw.indexOf('endstream', start);
        if (end < 0) break;
        const dict = raw.slice(Math.max(0, m.index - 300), m.index);
        if (!/FlateDecode/.test(dict.slice(dict.lastIndexOf('<<')))) continue;
        out.push(raw.slice(start, end));
        re.lastIndex = end;
      }
      return out;
    };
    const rnd = seeded(9);
    const hidden = (n: number) => deflateSync(Buffer.from(`<< /S /Launch /F (f${n}.exe) >>`)).toString('latin1');
    const PIECES = ['<< /Filter /FlateDecode >>\n', '<< /Length 3 >>\n', 'stream\n', 'stream\r\n', 'endstream\n', 'xyz ', '/JS (a) ', '\n'];
    let launches = 0;
    for (let n = 0; n < 3000; n++) {
      let text = '%PDF-1.7\n';
      for (let k = rnd(20); k >= 0; k--) text += rnd(3) ? PIECES[rnd(PIECES.length)]! : hidden(n);
      const want = streamsBefore(text).some((s) => {
        try {
          return /\/Launch/.test(inflateSync(Buffer.from(s, 'latin1')).toString('latin1'));
        } catch {
          return false;
        }
      }) || /\/Launch\b/.test(text);
      assert.equal(inspectPdf(Buffer.from(text, 'latin1')).launch, want, JSON.stringify(text));
      launches += Number(want && !/\/Launch\b/.test(text));
    }
    assert.ok(launches >= 100, `${launches} files with a launch action only inside a stream`);
  });
});

describe('RTF', () => {
  test('objects and the Equation Editor class, also only inside the hex data', () => {
    const hex = Buffer.from('\x01\x05\x00\x00\x02\x00\x00\x00\x0b\x00\x00\x00Equation.3\x00', 'latin1').toString('hex');
    const r = inspectRtf(Buffer.from(`{\\rtf1{\\object\\objemb{\\*\\objdata ${hex}}}}`));
    assert.equal(r.objects, 2);
    assert.equal(r.equationEditor, true);
    assert.deepEqual(inspectRtf(Buffer.from('{\\rtf1\\ansi Hello \\b world\\b0.}')), { objects: 0, classes: [], equationEditor: false, autoUpdate: false, embeddedOle: false });
  });
});
