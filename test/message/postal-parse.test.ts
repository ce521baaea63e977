// The parse loop that feeds plain lines without an await gives what postal-mime's own loop gives —
// the same message, or the same error — on the fixtures and on seeded MIME soup, and it is the one
// installed.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { POSTAL_OPTIONS } from '../../src/message/parse.js';
import { directParse, installDirectParse, postalParse } from '../../src/message/postal-parse.js';
import { readInputs } from '../../src/scan/inputs.js';
import { seeded } from '../helpers/seeded.js';

/** The parse result (or error) in a comparable form: attachment contents as hex. */
async function outcome(parse: (this: PostalMime, buf: Uint8Array) => Promise<unknown>, raw: Uint8Array, options: object): Promise<unknown> {
  try {
    const email = (await parse.call(new PostalMime(options), raw)) as { attachments: { content: ArrayBuffer | string }[] };
    return { ...email, attachments: email.attachments.map((a) => ({ ...a, content: typeof a.content === 'string' ? a.content : Buffer.from(a.content).toString('hex') })) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

// Lines a MIME parser has to tell apart: boundaries (open, close, with trailing blanks, of an outer
// part, of no part), lines that only start like one, headers, blank lines, text.
const PIECES = ['--B', '--B--', '--B  ', '--B\t', '--Bx', '--C', '--C--', '--', '---', '-', '--B-', 'Content-Type: multipart/mixed; boundary=C', 'Content-Type: message/rfc822', 'Content-Type: text/html', 'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', 'Content-Disposition: attachment; filename=a.txt', 'Subject: x', '', '', 'text', 'aGVsbG8=', 'caf=C3=A9=', '<p>hi</p>', ' folded'];

describe('postal-mime parse loop without an await per line', () => {
  it('is installed', () => {
    assert.equal(installDirectParse(), true);
    assert.equal((PostalMime.prototype as unknown as { parse: unknown }).parse, directParse);
  });

  it('gives what postal-mime gives on every fixture and on 3,000 seeded MIME messages', async () => {
    const inputs: Uint8Array[] = [];
    for await (const m of readInputs([fileURLToPath(new URL('../fixtures', import.meta.url))])) if (m.file.endsWith('.eml')) inputs.push(m.raw);
    assert.ok(inputs.length >= 50, `${inputs.length} fixtures`);
    inputs.push(new Uint8Array(0), Buffer.from('Subject: only headers'), Buffer.from('Subject: x\r\n\r\nno final line break'), Buffer.from('\n\n--\n--B--'));
    const rnd = seeded(11);
    for (let i = 0; i < 3000; i++) {
      const lines = ['From: a@example.com', `Content-Type: multipart/${rnd(2) ? 'mixed' : 'alternative'}; boundary=B`, ''];
      for (let k = rnd(40); k > 0; k--) lines.push(PIECES[rnd(PIECES.length)]!);
      const eol = rnd(3) ? '\r\n' : '\n';
      inputs.push(Buffer.from(lines.join(eol) + (rnd(2) ? eol : '')));
    }
    let differ = 0;
    for (const raw of inputs) {
      for (const options of [POSTAL_OPTIONS, {}]) {
        const [a, b] = [await outcome(postalParse as never, raw, options), await outcome(directParse as never, raw, options)];
        try {
          assert.deepEqual(b, a);
        } catch (err) {
          if (++differ <= 3) console.error(Buffer.from(raw).toString('latin1').slice(0, 2000), err);
        }
      }
    }
    assert.equal(differ, 0, `${differ} of ${inputs.length * 2} parses differ`);
  });
});
