// A delivery engine killed with SIGKILL in the middle of an SMTP transaction: its claims are taken
// back as soon as a new engine starts (not after the lease), and the message is delivered once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Directory } from '../../src/directory/repository.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { fixture, messageIdOf, spoolMessage, startDownstream, waitFor, type Downstream, type Fixture } from './helpers.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'engine-child.ts');

describe('restart with messages in flight (SQLite)', () => {
  let f: Fixture;
  let ds: Downstream;
  let engine: DeliveryHandle | undefined;
  let hang = true;
  before(async () => {
    // While `hang` is set the downstream never answers the data: the transaction stays open.
    ds = await startDownstream({ data: () => (hang ? { code: -1, message: '' } : null) });
    f = (await fixture('sqlite'))!;
    await new Directory(f.store.db).addDomain('flight.test', { routes: [{ host: '127.0.0.1', port: ds.port, tls: 'none' }] });
  });
  after(async () => {
    await engine?.stop();
    await ds.close();
    await f.close();
  });

  it('resumes deliveries a killed engine left in flight', async () => {
    const msgs: { id: string; messageId: string }[] = [];
    for (let i = 0; i < 3; i++) msgs.push(await spoolMessage(f.spool, 'a@sender.test', [`r${i}@flight.test`]));
    const proc = spawn(process.execPath, ['--import', 'tsx', child, f.config.data_dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await waitFor('child claimed all three', async () => {
        const rows = await f.store.db.selectFrom('message_recipients').select('claimed_by').where('address', 'like', '%@flight.test').execute();
        return rows.length === 3 && rows.every((r) => r.claimed_by?.startsWith(`node-a/${proc.pid}/`));
      });
      await waitFor('transactions open downstream', () => ds.connections >= 1);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    }
    hang = false;
    const started = Date.now();
    engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
    await waitFor('all delivered after restart', async () => {
      const rows = await f.store.db.selectFrom('message_recipients').select('status').where('address', 'like', '%@flight.test').execute();
      return rows.every((r) => r.status === 'delivered');
    });
    assert.ok(Date.now() - started < 60_000, 'taken back without waiting for the lease');
    assert.deepEqual(ds.received.map((r) => messageIdOf(r.raw)).sort(), msgs.map((m) => m.messageId).sort(), 'each message delivered exactly once');
  });
});
