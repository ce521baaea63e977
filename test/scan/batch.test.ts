// scanInputs hands outcomes back in input order, whatever order the scans finish in, passes a
// failed scan on as its error, and never has more than 16 messages per thread in flight.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Decided } from '../../src/policy/decide.js';
import { scanInputs } from '../../src/scan/batch.js';
import type { ScanPool } from '../../src/scan/pool.js';
import type { Envelope } from '../../src/scan/types.js';
import { tempDir } from '../helpers/tmp.js';

const envelope: Envelope = { clientIp: '127.0.0.1', clientHostname: null, helo: null, tls: false, mailFrom: '', rcptTo: [] };

describe('scanInputs', () => {
  it('reports in input order, errors included, with a bounded number in flight', async () => {
    const dir = tempDir();
    const n = 100;
    for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}.eml`), `Subject: ${i}\r\n\r\nbody ${i}\r\n`);
    let inFlight = 0;
    let most = 0;
    // A stand-in for the pool's scheduling: later messages often finish first; message 42 fails.
    const pool = {
      size: 2,
      scan: async ({ raw }: { raw: Uint8Array }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        const i = Number(/Subject: (\d+)/.exec(Buffer.from(raw).toString())![1]);
        await new Promise((r) => setTimeout(r, (n - i) % 7));
        inFlight--;
        if (i === 42) throw new Error('scan did not finish');
        return { verdict: { category: 'clean' } } as unknown as Decided;
      },
    } as unknown as ScanPool;
    const seen: string[] = [];
    await scanInputs(pool, [dir], envelope, (file, outcome) => seen.push(`${path.basename(file)} ${outcome instanceof Error ? outcome.message : 'ok'}`));
    assert.equal(seen.length, n);
    seen.forEach((s, i) => assert.equal(s, `${String(i).padStart(3, '0')}.eml ${i === 42 ? 'scan did not finish' : 'ok'}`));
    assert.ok(most <= 32, `at most 16 per thread in flight, saw ${most}`);
    assert.ok(most > 2, `several in flight at once, saw ${most}`);
  });
});
