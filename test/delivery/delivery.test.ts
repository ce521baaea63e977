// The delivery engine against real smtp-server downstreams: routes, attempts, host preference and
// failover, TLS modes, a downstream that is down and comes back, connection reuse, and two engines
// sharing one queue. The core cases run on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { Directory, type RouteInput } from '../../src/directory/repository.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { DATABASES } from '../helpers/db.js';
import { fixture, messageIdOf, spoolMessage, startDownstream, waitFor, type Downstream, type Fixture } from './helpers.js';
import { freePort } from '../helpers/ports.js';


async function recipients(f: Fixture, id: string) {
  return f.store.db.selectFrom('message_recipients').selectAll().where('message_id', '=', id).orderBy('address').execute();
}

async function messageStatus(f: Fixture, id: string) {
  return (await f.store.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
}

for (const kind of DATABASES) {
  describe(`delivery on ${kind}`, () => {
    let f: Fixture | null;
    const downs: Downstream[] = [];
    const engines: DeliveryHandle[] = [];
    before(async () => {
      f = await fixture(kind, { concurrency: 4 });
    });
    after(async () => {
      for (const e of engines) await e.stop();
      for (const d of downs) await d.close();
      await f?.close();
    });

    it('relays to the domain route, records the attempt and removes the spool file', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      const ds = await startDownstream();
      downs.push(ds);
      const dir = new Directory(f.store.db);
      await dir.addDomain('one.test', { routes: [{ host: '127.0.0.1', port: ds.port, tls: 'none' }] });
      await dir.addDomain('two.test', { routes: [{ host: '127.0.0.1', port: ds.port, tls: 'none' }] });
      const { id, messageId } = await spoolMessage(f.spool, 'alice@sender.test', ['a@one.test', 'b@one.test', 'c@two.test']);
      engines.push(startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool }));
      await waitFor('delivered', async () => (await messageStatus(f!, id)) === 'delivered');
      // Same route (same host list): one transaction for all three recipients.
      assert.equal(ds.received.length, 1);
      assert.deepEqual(ds.received[0]!.to.sort(), ['a@one.test', 'b@one.test', 'c@two.test']);
      assert.equal(ds.received[0]!.from, 'alice@sender.test');
      assert.equal(messageIdOf(ds.received[0]!.raw), messageId);
      assert.match(ds.received[0]!.raw.toString(), /\r\n\.leading dot line\r\n/, 'dot-stuffing undone by the receiver: the line arrives intact');
      const rows = await recipients(f, id);
      assert.deepEqual(rows.map((r) => [r.status, r.attempts, r.claimed_by]), [['delivered', 1, null], ['delivered', 1, null], ['delivered', 1, null]]);
      const attempts = await f.store.db.selectFrom('delivery_attempts').selectAll().where('message_id', '=', id).execute();
      assert.equal(attempts.length, 3);
      for (const a of attempts) {
        assert.equal(a.outcome, 'delivered');
        assert.equal(a.host, `127.0.0.1:${ds.port}`);
        assert.match(a.reply ?? '', /^250 .*Ok: queued/);
      }
      // The file goes right after the commit that settles the message.
      await waitFor('spool file removed once every recipient is final', () => !existsSync(f!.spool.pathOf(id)));
    });

    it('two engines on one queue deliver every recipient exactly once', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      const ds = await startDownstream({ dataDelay: 5 });
      downs.push(ds);
      await new Directory(f.store.db).addDomain('race.test', { routes: [{ host: '127.0.0.1', port: ds.port, tls: 'none' }] });
      for (const e of engines.splice(0)) await e.stop();
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push((await spoolMessage(f.spool, 'bob@sender.test', [`u${i % 7}@race.test`])).messageId);
      const a = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
      const b = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
      engines.push(a, b);
      await waitFor('all 60 received', () => ds.received.length >= 60, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      const got = ds.received.map((m) => messageIdOf(m.raw));
      assert.equal(got.length, 60, 'no duplicates');
      assert.deepEqual([...got].sort(), [...ids].sort());
      const attempts = await f.store.db.selectFrom('delivery_attempts').select('recipient').where('recipient', 'like', '%@race.test').execute();
      assert.equal(attempts.length, 60, 'one attempt each');
    });
  });
}

describe('delivery routing and TLS (SQLite)', () => {
  let f: Fixture;
  let engine: DeliveryHandle;
  const downs: Downstream[] = [];
  before(async () => {
    f = (await fixture('sqlite', { concurrency: 2, retry_schedule: ['150ms'] }))!;
    engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
  });
  after(async () => {
    await engine.stop();
    for (const d of downs) await d.close();
    await f.close();
  });

  async function domainWith(name: string, routes: RouteInput[]) {
    await new Directory(f.store.db).addDomain(name, { routes });
  }

  it('tries hosts in preference order and fails over from a host that refuses connections', async () => {
    const [low, high] = [await startDownstream(), await startDownstream()];
    downs.push(low, high);
    const dead = await freePort();
    await domainWith('pref.test', [
      { host: '127.0.0.1', port: high.port, preference: 20, tls: 'none' },
      { host: '127.0.0.1', port: low.port, preference: 5, tls: 'none' },
    ]);
    await domainWith('failover.test', [
      { host: '127.0.0.1', port: dead, preference: 10, tls: 'none' },
      { host: '127.0.0.1', port: high.port, preference: 20, tls: 'none' },
    ]);
    const p = await spoolMessage(f.spool, 'a@sender.test', ['x@pref.test']);
    const fo = await spoolMessage(f.spool, 'a@sender.test', ['y@failover.test']);
    await waitFor('both delivered', async () => (await messageStatus(f, p.id)) === 'delivered' && (await messageStatus(f, fo.id)) === 'delivered');
    assert.deepEqual(low.received.map((m) => messageIdOf(m.raw)), [p.messageId], 'lowest preference first');
    assert.deepEqual(high.received.map((m) => messageIdOf(m.raw)), [fo.messageId], 'the next host when the first is down');
    const a = await f.store.db.selectFrom('delivery_attempts').selectAll().where('message_id', '=', fo.id).executeTakeFirstOrThrow();
    assert.equal(a.host, `127.0.0.1:${high.port}`);
  });

  it('TLS required: defers with a clear reason when the server offers no STARTTLS, delivers over TLS when it does', async () => {
    const plain = await startDownstream({ starttls: false });
    const tls = await startDownstream({ starttls: true });
    downs.push(plain, tls);
    await domainWith('musttls.test', [{ host: '127.0.0.1', port: plain.port, tls: 'required' }]);
    await domainWith('hastls.test', [{ host: '127.0.0.1', port: tls.port, tls: 'required' }]);
    await domainWith('verifytls.test', [{ host: 'localhost', port: tls.port, tls: 'required', tls_verify: true }]);
    const no = await spoolMessage(f.spool, 'a@sender.test', ['x@musttls.test']);
    const yes = await spoolMessage(f.spool, 'a@sender.test', ['x@hastls.test']);
    const ver = await spoolMessage(f.spool, 'a@sender.test', ['x@verifytls.test']);
    await waitFor('tls delivered', async () => (await messageStatus(f, yes.id)) === 'delivered');
    const r = await waitFor('deferred', async () => (await recipients(f, no.id)).find((x) => x.status === 'deferred'));
    assert.match(r.last_reply ?? '', /TLS is required for this route but 127\.0\.0\.1:\d+ does not offer STARTTLS/);
    assert.equal(plain.received.length, 0, 'nothing sent in plaintext');
    const v = await waitFor('deferred (verify)', async () => (await recipients(f, ver.id)).find((x) => x.status === 'deferred'));
    assert.match(v.last_reply ?? '', /TLS handshake failed/, 'a self-signed certificate fails verification');
    assert.deepEqual(tls.received.map((m) => messageIdOf(m.raw)), [yes.messageId]);
  });

  it('defers while the downstream is down and delivers everything when it comes back', async () => {
    const port = await freePort();
    await domainWith('down.test', [{ host: '127.0.0.1', port, tls: 'opportunistic' }]);
    const msgs: { id: string; messageId: string }[] = [];
    for (let i = 0; i < 5; i++) msgs.push(await spoolMessage(f.spool, 'a@sender.test', [`r${i}@down.test`]));
    const rows = await waitFor('all deferred', async () => {
      const all = await Promise.all(msgs.map(async (m) => (await recipients(f, m.id))[0]!));
      return all.every((r) => r.status === 'deferred') && all;
    });
    for (const r of rows) assert.match(r.last_reply ?? '', /ECONNREFUSED/);
    const up = await startDownstream({ port });
    downs.push(up);
    await waitFor('all delivered after recovery', async () => {
      for (const m of msgs) if ((await messageStatus(f, m.id)) !== 'delivered') return false;
      return true;
    });
    assert.deepEqual(up.received.map((m) => messageIdOf(m.raw)).sort(), msgs.map((m) => m.messageId).sort());
    const attempts = await f.store.db.selectFrom('delivery_attempts').selectAll().where('message_id', '=', msgs[0]!.id).orderBy('id').execute();
    assert.ok(attempts.length >= 2);
    assert.equal(attempts[0]!.outcome, 'deferred');
    assert.equal(attempts.at(-1)!.outcome, 'delivered');
  });

  it('bounces a message larger than the SIZE the downstream announces (552 5.3.4)', async () => {
    const small = await startDownstream({ size: 64 });
    downs.push(small);
    await domainWith('small.test', [{ host: '127.0.0.1', port: small.port, tls: 'none' }]);
    // From the null sender, so no DSN is generated for this one.
    const m = await spoolMessage(f.spool, '', ['x@small.test']);
    const r = await waitFor('bounced', async () => (await recipients(f, m.id)).find((x) => x.status === 'bounced'));
    assert.match(r.last_reply ?? '', /^552 5\.3\.4 message too big/);
    assert.equal(small.received.length, 0);
  });

  it('rejects a malformed delivery.relay_host naming the field', () => {
    assert.throws(() => parseConfig({ delivery: { relay_host: 'smart host:25' } }), /delivery\.relay_host: expected host or host:port/);
    assert.equal(parseConfig({ delivery: { relay_host: 'smarthost.example.org:2525' } }).delivery.relay_host, 'smarthost.example.org:2525');
  });

  it('reuses connections per route', async () => {
    const ds = await startDownstream();
    downs.push(ds);
    await domainWith('reuse.test', [{ host: '127.0.0.1', port: ds.port, tls: 'none' }]);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await spoolMessage(f.spool, 'a@sender.test', [`r${i}@reuse.test`])).id);
    await waitFor('30 delivered', () => ds.received.length === 30);
    assert.ok(ds.connections <= 10, `30 messages over ${ds.connections} connections`);
  });
});
