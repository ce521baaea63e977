// scanInputs hands outcomes back in input order, whatever order the scans finish in, passes a
// failed scan on as its error, never has more than the given number of messages in flight, and
// answers an empty input with an error instead of scanning nothing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanInputs } from '../../src/scan/batch.js';
import { tempDir } from '../helpers/tmp.js';

describe('scanInputs', () => {
  it('reports in input order, errors included, with a bounded number in flight', async () => {
    const dir = tempDir();
    const n = 100;
    for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}.eml`), `Subject: ${i}\r\n\r\nbody ${i}\r\n`);
    let inFlight = 0;
    let most = 0;
    // A stand-in for a pool's scheduling: later messages often finish first; message 42 fails.
    const scan = async (raw: Buffer) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const i = Number(/Subject: (\d+)/.exec(raw.toString())![1]);
      await new Promise((r) => setTimeout(r, (n - i) % 7));
      inFlight--;
      if (i === 42) throw new Error('scan did not finish');
      return i;
    };
    const seen: string[] = [];
    await scanInputs(scan, 32, [dir], (file, outcome) => seen.push(`${path.basename(file)} ${outcome instanceof Error ? outcome.message : `ok ${outcome}`}`));
    assert.equal(seen.length, n);
    seen.forEach((s, i) => assert.equal(s, `${String(i).padStart(3, '0')}.eml ${i === 42 ? 'scan did not finish' : `ok ${i}`}`));
    assert.ok(most <= 32, `at most 32 in flight, saw ${most}`);
    assert.ok(most > 2, `several in flight at once, saw ${most}`);
  });

  it('answers an empty input with an error and never hands it to the scanner', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.eml'), 'Subject: a\r\n\r\nbody\r\n');
    writeFileSync(path.join(dir, 'b.eml'), '');
    writeFileSync(path.join(dir, 'c.eml'), 'Subject: c\r\n\r\nbody\r\n');
    const scanned: string[] = [];
    const seen: string[] = [];
    await scanInputs(
      async (raw) => {
        scanned.push(raw.toString());
        return raw.length;
      },
      4,
      [dir],
      (file, outcome) => seen.push(`${path.basename(file)} ${outcome instanceof Error ? outcome.message : `ok ${outcome}`}`),
    );
    assert.deepEqual(seen, ['a.eml ok 20', 'b.eml empty message', 'c.eml ok 20']);
    assert.equal(scanned.length, 2);
  });
});
