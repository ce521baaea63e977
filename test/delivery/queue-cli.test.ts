// `rampart queue` and `rampart trace` as an operator runs them (the real CLI in a child process)
// against a queue with delivered, deferred and quarantined mail.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Directory } from '../../src/directory/repository.js';
import { deleteMessage, listQueue } from '../../src/spool/admin.js';
import { startDelivery } from '../../src/spool/delivery/index.js';
import { traceMessages } from '../../src/spool/trace.js';
import { rampart } from '../helpers/cli.js';
import { fixture, spoolMessage, startDownstream, waitFor, type Downstream, type Fixture } from './helpers.js';

describe('rampart queue and trace (SQLite)', () => {
  let f: Fixture;
  let ds: Downstream;
  let cfg: string;
  const ids: Record<string, { id: string; messageId: string }> = {};
  before(async () => {
    ds = await startDownstream({ rcpt: (a) => (a.startsWith('gone@') ? { code: 550, message: '5.1.1 user unknown' } : null) });
    f = (await fixture('sqlite', { retry_schedule: ['1h'] }))!;
    cfg = path.join(f.config.data_dir, 'rampart.yaml');
    writeFileSync(cfg, `data_dir: .\ndatabase:\n  url: sqlite:rampart.db\n`);
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const deadPort = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const dir = new Directory(f.store.db);
    await dir.addDomain('live.test', { routes: [{ host: '127.0.0.1', port: ds.port, tls: 'none' }] });
    await dir.addDomain('dead.test', { routes: [{ host: '127.0.0.1', port: deadPort, tls: 'none' }] });
    ids.delivered = await spoolMessage(f.spool, 'alice@sender.test', ['bob@live.test', 'gone@live.test'], { subject: 'Budget 2027' });
    ids.deferred = await spoolMessage(f.spool, 'carol@sender.test', ['dan@dead.test'], { subject: 'Lunch?' });
    ids.held = await spoolMessage(f.spool, 'eve@sender.test', ['bob@live.test'], { subject: 'Invoice', status: 'quarantined' });
    const engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
    await waitFor('settled', async () => {
      const rows = await f.store.db.selectFrom('message_recipients').select('status').where('message_id', 'in', [ids.delivered!.id, ids.deferred!.id]).execute();
      return rows.every((r) => r.status !== 'queued');
    });
    await engine.stop();
  });
  after(async () => {
    await ds.close();
    await f.close();
  });

  it('lists the queue as JSON Lines, shows a message, and names unknown ids', async () => {
    // Read-only commands run side by side: each CLI start costs a couple of seconds.
    const [list, show, unknown] = await Promise.all([
      rampart(cfg, 'queue', 'list', '--json'),
      rampart(cfg, 'queue', 'show', ids.delivered!.id.slice(0, 12)),
      rampart(cfg, 'queue', 'show', 'zzzzzzzzzz'),
    ]);
    assert.equal(list.code, 0, list.stderr);
    const entries = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(entries.map((e) => e.id), [ids.deferred!.id], 'only mail waiting for delivery');
    assert.equal(entries[0].recipients[0].status, 'deferred');
    assert.match(entries[0].recipients[0].last_reply, /ECONNREFUSED/);
    const held = await listQueue(f.store.db, { held: true });
    assert.deepEqual(held.map((e) => e.id).sort(), [ids.deferred!.id, ids.held!.id].sort(), '--held adds quarantined mail');
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /to <bob@live\.test> delivered \(1 attempt\)/);
    assert.match(show.stdout, /to <gone@live\.test> bounced/);
    assert.match(show.stdout, /127\.0\.0\.1:\d+ bounced: 550 5\.1\.1 user unknown/);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim(), 'rampart: no such message: zzzzzzzzzz');
  });

  it('retries a deferred message now and deletes one without a DSN', async () => {
    const before = (await f.store.db.selectFrom('message_recipients').select('next_attempt_at').where('message_id', '=', ids.deferred!.id).executeTakeFirstOrThrow()).next_attempt_at!;
    assert.ok(before > new Date(Date.now() + 30 * 60_000).toISOString(), 'deferred for an hour');
    const retry = await rampart(cfg, 'queue', 'retry', ids.deferred!.id);
    assert.equal(retry.stdout.trim(), '1 recipient(s) due now');
    const after = (await f.store.db.selectFrom('message_recipients').select('next_attempt_at').where('message_id', '=', ids.deferred!.id).executeTakeFirstOrThrow()).next_attempt_at!;
    assert.ok(after <= new Date().toISOString());
    const del = await rampart(cfg, 'queue', 'delete', ids.deferred!.id);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^deleted .* \(1 recipient\(s\) not delivered\)/);
    assert.equal(existsSync(f.spool.pathOf(ids.deferred!.id)), false);
    const m = await f.store.db.selectFrom('messages').select('status').where('id', '=', ids.deferred!.id).executeTakeFirstOrThrow();
    assert.equal(m.status, 'deleted');
    await assert.rejects(deleteMessage(f.store.db, ids.deferred!.id), /is not in the queue \(status deleted\)/);
  });

  it('traces messages by recipient, Message-ID and time, with attempts and replies', async () => {
    const [byTo, byId, bad] = await Promise.all([
      rampart(cfg, 'trace', '--to', 'GONE@live', '--json'),
      rampart(cfg, 'trace', '--message-id', ids.held!.messageId.slice(1, -1), '--since', '1h', '--json'),
      rampart(cfg, 'trace', '--since', 'yesterday-ish'),
    ]);
    assert.equal(byTo.code, 0, byTo.stderr);
    const [e, ...rest] = byTo.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rest.length, 0);
    assert.equal(e.id, ids.delivered!.id);
    assert.equal(e.status, 'partial');
    assert.equal(e.client_ip, '192.0.2.10');
    assert.equal(e.helo, 'client.sender.test');
    assert.equal(e.subject, 'Budget 2027');
    assert.deepEqual(e.recipients.map((r: { address: string; status: string }) => [r.address, r.status]), [['bob@live.test', 'delivered'], ['gone@live.test', 'bounced']]);
    assert.ok(e.attempts.some((a: { reply: string; outcome: string }) => a.outcome === 'delivered' && /^250 /.test(a.reply)));
    assert.deepEqual(byId.stdout.trim().split('\n').map((l) => JSON.parse(l).status), ['quarantined']);
    assert.deepEqual(await traceMessages(f.store.db, { subject: 'budget', until: '2020-01-01T00:00:00.000Z' }), []);
    assert.deepEqual((await traceMessages(f.store.db, { subject: 'BUDGET', from: 'alice@' })).map((x) => x.id), [ids.delivered!.id]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^rampart: --since: not a time/);
  });
});
