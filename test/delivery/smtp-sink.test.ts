// Delivery into Postfix's smtp-sink (a server nobody here wrote): every spooled message lands in
// its dump directory exactly once. Also reports the delivery rate (no timing assertion).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Directory } from '../../src/directory/repository.js';
import { startDelivery } from '../../src/spool/delivery/index.js';
import { fixture, spoolMessage, waitFor } from './helpers.js';

const COUNT = 400;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe('delivery into Postfix smtp-sink (SQLite)', () => {
  const dump = mkdtempSync(path.join(os.tmpdir(), 'rampart-sink-'));
  chmodSync(dump, 0o777);
  after(() => rmSync(dump, { recursive: true, force: true }));

  it(`delivers ${COUNT} messages, each exactly once`, async (t) => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const sink = spawn('/usr/sbin/smtp-sink', ['-u', 'nobody', '-d', `${dump}/%H%M%S.`, `127.0.0.1:${port}`, '256'], { stdio: 'ignore' });
    const f = (await fixture('sqlite', { concurrency: 10 }))!;
    let engine: ReturnType<typeof startDelivery> | undefined;
    try {
      await waitFor('smtp-sink listening', () => new Promise<boolean>((resolve) => {
        const c = createConnection(port, '127.0.0.1');
        c.once('data', () => (c.destroy(), resolve(true)));
        c.once('error', () => resolve(false));
      }));
      await new Directory(f.store.db).addDomain('sink.test', { routes: [{ host: '127.0.0.1', port, tls: 'none' }] });
      const ids: string[] = [];
      for (let i = 0; i < COUNT; i++) ids.push((await spoolMessage(f.spool, 'a@sender.test', [`r${i % 20}@sink.test`])).messageId);
      const started = Date.now();
      engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
      await waitFor('all delivered', async () => {
        const r = await f.store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'delivered').executeTakeFirstOrThrow();
        return Number(r.n) === COUNT;
      }, 60_000);
      const ms = Date.now() - started;
      t.diagnostic(`${COUNT} messages delivered into smtp-sink in ${ms} ms (${Math.round((COUNT * 1000) / ms)}/s, delivery.concurrency 10)`);
      const files = await waitFor('dump files', () => {
        const l = listFiles(dump);
        return l.length >= COUNT && l;
      });
      const got = files.map((file) => /^Message-ID: (\S+)/im.exec(readFileSync(file, 'utf8'))?.[1]);
      assert.equal(got.length, COUNT);
      assert.deepEqual([...got].sort(), [...ids].sort());
    } finally {
      await engine?.stop();
      sink.kill('SIGTERM');
      await f.close();
    }
  });
});
