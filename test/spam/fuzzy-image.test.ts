// Fuzzy hashes of pictures: the perceptual hash (near-copies close, other pictures far, untrusted
// input refused before decoding), and the store and analyzer over it — a picture-only campaign
// reported once flags its re-encoded copies; a logo beside a text is never an entry. On SQLite and
// PostgreSQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { parseMessage } from '../../src/message/parse.js';
import { fuzzy } from '../../src/scan/analyzers/fuzzy/index.js';
import { imageDistance, imageHash } from '../../src/scan/analyzers/fuzzy/image.js';
import { ALL_DOMAINS } from '../../src/scan/analyzers/fuzzy/scope.js';
import { addFuzzy, describeAdded, listFuzzy } from '../../src/scan/analyzers/fuzzy/store.js';
import { runAnalyzer } from '../../src/scan/run-one.js';
import { DATABASES, useStore } from '../helpers/db.js';
import { mailWithFiles, NEWSLETTER } from './fuzzy-texts.js';
import { jpg, png } from './pictures.js';

const AD = { width: 400, height: 300, seed: 1 };
const opts = { source: 'test', lifetimeDays: 90, minWords: 24, scope: ALL_DOMAINS };

/** A PNG whose header says 100×100, RGBA, interlaced, and whose data inflates to 128 MB. */
function bomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100, 0);
  ihdr.writeUInt32BE(100, 4);
  ihdr.set([8, 6, 0, 0, 1], 8); // 8 bits, RGBA, deflate, adaptive filtering, Adam7
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zeros), chunk('IEND', Buffer.alloc(0))]);
}
const zeros = deflateSync(Buffer.alloc(128 * 1024 * 1024));

describe('perceptual hash of a picture', () => {
  const hash = (b: Buffer, type: string) => imageHash(b, type);
  const ad = hash(png(AD), 'image/png')!;

  it('a near-copy differs in a few of 64 bits, another picture in many', () => {
    assert.match(ad, /^[0-9a-f]{16}$/);
    assert.equal(imageDistance(ad, ad), 0);
    const near = {
      jpeg: imageDistance(ad, hash(jpg(AD, 40), 'image/jpeg')!),
      scaled: imageDistance(ad, hash(png({ ...AD, width: 320, height: 240 }), 'image/png')!),
      named: imageDistance(ad, hash(png({ ...AD, name: 1 }), 'image/png')!),
    };
    assert.ok(near.jpeg <= 4 && near.scaled <= 6 && near.named <= 10, JSON.stringify(near));
    const far = [2, 3, 4, 5].map((seed) => imageDistance(ad, hash(png({ ...AD, seed }), 'image/png')!));
    assert.ok(far.every((d) => d >= 16), JSON.stringify(far));
  });

  it('refuses what it should not decode: too small, too large (by the header alone), flat, broken, other formats', () => {
    assert.equal(hash(png({ width: 60, height: 300, seed: 1 }), 'image/png'), null, 'narrower than 64');
    // 1,100 × 1,000 pixels: over a million, refused before decoding (a bomb would be refused as fast).
    const large = png({ width: 1100, height: 1000, seed: 1 });
    const t = performance.now();
    assert.equal(hash(large, 'image/png'), null);
    assert.ok(performance.now() - t < 20, 'not decoded');
    // One colour: no shape to compare.
    const flat = new PNG({ width: 100, height: 100 });
    flat.data.fill(255);
    assert.equal(hash(PNG.sync.write(flat), 'image/png'), null);
    // Cut short: a PNG is refused; a JPEG is decoded as far as it goes (tolerant), never thrown.
    assert.equal(hash(png(AD).subarray(0, 60), 'image/png'), null);
    assert.doesNotThrow(() => hash(jpg(AD).subarray(0, 600), 'image/jpeg'));
    assert.equal(hash(Buffer.alloc(0), 'image/png'), null);
    assert.equal(hash(png(AD), 'image/gif'), null);
    assert.equal(hash(png(AD), 'image/jpeg'), null, 'a PNG called JPEG');
    // An interlaced PNG (which pngjs inflates without a limit) whose 100×100 pixels are 128 MB
    // of zeros: refused at once, not inflated.
    assert.equal(hash(bomb(), 'image/png'), null);
    const t2 = performance.now();
    assert.equal(hash(bomb(), 'image/png'), null);
    assert.ok(performance.now() - t2 < 50, `${performance.now() - t2} ms`);
  });
});

for (const kind of DATABASES) {
  describe(`fuzzy hashes of pictures on ${kind}`, () => {
    const ref = useStore(kind);

    it("a picture-only campaign reported once flags its re-encoded copies; a logo beside a text is no entry", async (t) => {
      const store = ref.store;
      if (!store) return t.skip('PostgreSQL not reachable');
      const db = store.db;
      const config = { refresh_interval: 0 };
      const names = async (raw: Buffer) => (await runAnalyzer(fuzzy, await parseMessage(raw), { db, config })).symbols;
      // Before any picture entry: a copy passes.
      const copy = mailWithFiles('Exclusive offer', 'See the picture.', [{ name: 'offer.jpg', type: 'image/jpeg', content: jpg({ ...AD, width: 360, height: 270 }, 50) }]);
      assert.deepEqual(await names(copy), []);
      // A newsletter with its logo, reported by mistake as spam: the text is the entry, not the logo.
      const logo = png({ width: 200, height: 80, seed: 7 });
      const letter = await addFuzzy(db, await parseMessage(mailWithFiles('Library news', NEWSLETTER, [{ name: 'logo.png', type: 'image/png', content: logo }])), { ...opts, class: 'spam' });
      assert.ok(letter.text);
      assert.deepEqual(letter.files, []);
      // The campaign: a line of text and the picture.
      const reported = await addFuzzy(db, await parseMessage(mailWithFiles('Exclusive offer', 'See the picture.', [{ name: 'offer.png', type: 'image/png', content: png(AD) }])), { ...opts, class: 'spam' });
      assert.equal(reported.text, null);
      assert.deepEqual(reported.files.map((f) => [f.kind, f.status, f.filename]), [['image', 'added', 'offer.png']]);
      assert.equal(describeAdded(reported, 24), `no text fingerprint (3 words, fewer than 24), picture offer.png #${reported.files[0]!.id} added`);
      const entry = (await listFuzzy(db)).find((e) => e.kind === 'image')!;
      assert.equal(entry.kind === 'image' && entry.phash, imageHash(png(AD), 'image/png'));
      // Its copy, smaller and saved as JPEG under another name: FUZZY_SPAM, nearly full weight.
      const hit = await names(copy);
      assert.deepEqual(hit.map((h) => h.name), ['FUZZY_SPAM']);
      assert.match(hit[0]!.detail!, new RegExp(`^#${entry.id} picture offer\\.png, \\d/64 bits differ "Exclusive offer" \\(test\\)$`));
      assert.ok(hit[0]!.weight! >= 0.9, String(hit[0]!.weight));
      // Another picture, and a genuine message with the newsletter's logo: nothing.
      assert.deepEqual(await names(mailWithFiles('Photos', 'See the picture.', [{ name: 'p.png', type: 'image/png', content: png({ ...AD, seed: 3 }) }])), []);
      assert.deepEqual(await names(mailWithFiles('Opening hours', 'The library opens at nine tomorrow.', [{ name: 'logo.png', type: 'image/png', content: logo }])), []);
      // A letter carrying the picture is not compared (only a message without a text fingerprint is).
      const letterText = 'Dear colleagues, the photographs from the open day are attached as promised; the first one shows the stand in the main hall, and the others will follow next week with the programme.';
      assert.deepEqual(await names(mailWithFiles('Open day', letterText, [{ name: 'offer.png', type: 'image/png', content: png(AD) }])), []);
      // With image_bits 0 only the very same picture matches.
      assert.deepEqual((await runAnalyzer(fuzzy, await parseMessage(copy), { db, config: { ...config, image_bits: 0 } })).symbols, []);
    });
  });
}
