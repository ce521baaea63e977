// The quarantine release contract on SQLite and PostgreSQL: releasing twice (even at the same
// moment) delivers once; a message that is not quarantined is not released.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Directory } from '../../src/directory/repository.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { releaseHeld } from '../../src/spool/release.js';
import { DATABASES } from '../helpers/db.js';
import { fixture, messageIdOf, spoolMessage, startDownstream, waitFor, type Downstream, type Fixture } from './helpers.js';

for (const kind of DATABASES) {
  describe(`quarantine release on ${kind}`, () => {
    let f: Fixture | null;
    let ds: Downstream;
    let engine: DeliveryHandle | undefined;
    before(async () => {
      f = await fixture(kind);
      ds = await startDownstream();
      if (f) {
        await new Directory(f.store.db).addDomain('held.test', { routes: [{ host: '127.0.0.1', port: ds.port, tls: 'none' }] });
        engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
      }
    });
    after(async () => {
      await engine?.stop();
      await ds.close();
      await f?.close();
    });

    it('keeps a quarantined message, and releasing it twice delivers it once', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      const m = await spoolMessage(f.spool, 'a@sender.test', ['x@held.test', 'y@held.test'], { status: 'quarantined' });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(ds.received.length, 0, 'held mail is not delivered');
      const rows = await f.store.db.selectFrom('message_recipients').select('status').where('message_id', '=', m.id).execute();
      assert.deepEqual(rows.map((r) => r.status), ['held', 'held']);
      const results = await Promise.all([releaseHeld(f.store.db, m.id), releaseHeld(f.store.db, m.id)]);
      assert.deepEqual(results.sort(), [false, true], 'exactly one release wins');
      await waitFor('delivered', async () => (await f!.store.db.selectFrom('messages').select('status').where('id', '=', m.id).executeTakeFirstOrThrow()).status === 'delivered');
      assert.equal(await releaseHeld(f.store.db, m.id), false, 'a delivered message is not released again');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(ds.received.map((r) => messageIdOf(r.raw)), [m.messageId]);
      assert.deepEqual(ds.received[0]!.to.sort(), ['x@held.test', 'y@held.test']);
    });

    it('refuses to release a message that is not quarantined or does not exist', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      assert.equal(await releaseHeld(f.store.db, 'no-such-id'), false);
      const m = await spoolMessage(f.spool, 'a@sender.test', ['z@held.test']);
      assert.equal(await releaseHeld(f.store.db, m.id), false);
    });
  });
}
