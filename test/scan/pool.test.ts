// The worker-thread pool: scans off the main thread, many messages at once, replaces a worker
// stuck in a loop, and refuses to start on a scan configuration that does not fit the symbols.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { BroadcastChannel } from 'node:worker_threads';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { ScanPool } from '../../src/scan/pool.js';
import type { Envelope } from '../../src/scan/types.js';
import { tempDir } from '../helpers/tmp.js';
import { MODULE_URL, PING_CHANNEL } from './fake-module.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/scan/${name}`, import.meta.url));
const envelope: Envelope = { clientIp: '192.0.2.10', clientHostname: null, helo: null, tls: false, mailFrom: 'a@sender.test', rcptTo: ['bob@example.org'] };

describe('scan pool', () => {
  let pool: ScanPool;
  const dataDir = tempDir();
  before(async () => {
    const config = parseConfig({ data_dir: dataDir, scan: { timeout: 1500 } });
    pool = await ScanPool.start({ config, size: 2, analyzersModule: MODULE_URL, noStore: true });
  });
  after(() => pool.close());

  it('scans many messages concurrently with the same results as in-process', async () => {
    const files = ['clean.eml', 'spam.eml', 'phish.eml', 'newsletter.eml', 'malware-and-phish.eml'];
    const expected = ['clean', 'spam', 'phishing', 'graymail', 'malware'];
    const runs = await Promise.all(Array.from({ length: 60 }, (_, i) => pool.scan({ raw: fixture(files[i % 5]!), envelope })));
    runs.forEach((r, i) => assert.equal(r.verdict.category, expected[i % 5]));
    assert.equal(pool.pending, 0);
  });

  it('replaces a worker stuck in a loop and keeps scanning', async () => {
    const stuck = pool.scan({ raw: Buffer.from('Subject: x\r\n\r\nSPIN-FOREVER\r\n'), envelope });
    await assert.rejects(stuck, /did not finish within 2500 ms/);
    const again = await Promise.all([1, 2, 3, 4].map(() => pool.scan({ raw: fixture('spam.eml'), envelope })));
    for (const r of again) assert.equal(r.verdict.category, 'spam');
  });
});

describe('scan pool start', () => {
  it('fails with a ConfigError naming the key when a score names no symbol', async () => {
    const config = parseConfig({ data_dir: tempDir(), scan: { scores: { NOT_A_SYMBOL: 3 } } });
    await assert.rejects(ScanPool.start({ config, size: 1, analyzersModule: MODULE_URL, noStore: true }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /scan\.scores\.NOT_A_SYMBOL: unknown symbol/);
      return true;
    });
  });

  it('runs prepare while the workers load, and stops the workers when prepare fails', async () => {
    const config = parseConfig({ data_dir: tempDir() });
    const ch = new BroadcastChannel(PING_CHANNEL);
    const seen = new Set<number>();
    ch.onmessage = (e) => void seen.add((e as { data: number }).data);
    /** The worker threads that answer a ping within ms. */
    const alive = async (ms: number) => {
      seen.clear();
      ch.postMessage('ping');
      await new Promise((r) => setTimeout(r, ms));
      return seen.size;
    };
    let during = 0;
    const prepare = async () => {
      // The workers were started before prepare: wait until both have loaded their analyzers.
      for (let i = 0; i < 100 && during < 2; i++) during = await alive(100);
      throw new Error('prepare failed');
    };
    try {
      await assert.rejects(ScanPool.start({ config, size: 2, analyzersModule: MODULE_URL, noStore: true, prepare }), /prepare failed/);
      assert.equal(during, 2, 'both workers were loading while prepare ran');
      assert.equal(await alive(300), 0, 'and none is left running');
    } finally {
      ch.close();
    }
  });
});
