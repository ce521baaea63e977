// The quarantine's lifetime on SQLite and PostgreSQL: held messages past it are discarded (file
// gone, record kept, recipients expired with the reason), nothing else is touched — newer ones,
// another node's, released ones — and the programme report does not change. Then the gateway's
// own hourly job (a message quarantined over SMTP by Nodemailer, expired by the running gateway)
// and `rampart quarantine expire|show|delete` through the real CLI.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { Directory } from '../../src/directory/repository.js';
import { Spool } from '../../src/spool/spool.js';
import { formatDuration } from '../../src/config/schema.js';
import { expireQuarantine } from '../../src/spool/quarantine-expiry.js';
import { housekeepingInterval } from '../../src/periodic.js';
import { discardHeld, releaseHeld } from '../../src/spool/release.js';
import { buildReport } from '../../src/stats/report.js';
import type { Database } from '../../src/store/schema.js';
import type { Kysely } from 'kysely';
import { rampart } from '../helpers/cli.js';
import { DATABASES } from '../helpers/db.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { fixture, spoolMessage, type Fixture } from '../delivery/helpers.js';

const DAY = 86_400_000;
const LIFETIME = 30 * DAY;

async function message(db: Kysely<Database>, id: string) {
  const m = await db.selectFrom('messages').select(['status', 'spool_path', 'received_at']).where('id', '=', id).executeTakeFirstOrThrow();
  const rcpts = await db.selectFrom('message_recipients').select(['address', 'status', 'last_reply']).where('message_id', '=', id).orderBy('address').execute();
  return { ...m, rcpts, file: existsSync(m.spool_path) };
}

async function backdate(db: Kysely<Database>, id: string, days: number): Promise<void> {
  await db.updateTable('messages').set({ received_at: new Date(Date.now() - days * DAY).toISOString() }).where('id', '=', id).execute();
}

for (const kind of DATABASES) {
  describe(`quarantine lifetime (${kind})`, () => {
    let f: Fixture | null;
    before(async () => {
      f = await fixture(kind);
      if (f) await new Directory(f.store.db).addDomain('held.test');
    });
    after(async () => f?.close());

    it('discards the held messages past the lifetime, oldest first, and nothing else', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      const db = f.store.db;
      const domainId = (await db.selectFrom('domains').select('id').where('name', '=', 'held.test').executeTakeFirstOrThrow()).id;
      const held = (to: string[]) => spoolMessage(f!.spool, 'a@sender.test', to, { status: 'quarantined', domainId });
      const oldest = await held(['x@held.test', 'y@held.test']);
      const old = await held(['z@held.test']);
      const young = await held(['x@held.test']);
      const released = await held(['x@held.test']);
      const elsewhere = await spoolMessage(new Spool(db, path.join(f.config.data_dir, 'spool-b'), 'node-b'), 'a@sender.test', ['x@held.test'], { status: 'quarantined', domainId });
      await backdate(db, oldest.id, 45);
      await backdate(db, old.id, 31);
      await backdate(db, young.id, 29);
      await backdate(db, released.id, 40);
      await backdate(db, elsewhere.id, 40);
      assert.ok(await releaseHeld(db, released.id));
      const report = await buildReport(db, { domain: 'held.test' });

      const dry = await expireQuarantine(db, { node: f.spool.node, lifetimeMs: LIFETIME, dryRun: true });
      assert.deepEqual(dry.ids, [oldest.id, old.id]);
      assert.equal((await message(db, oldest.id)).status, 'quarantined', 'a dry run changes nothing');
      assert.ok((await message(db, oldest.id)).file);

      const now = new Date();
      const r = await expireQuarantine(db, { node: f.spool.node, lifetimeMs: LIFETIME, now });
      assert.deepEqual(r.ids, [oldest.id, old.id]);
      assert.equal(r.cutoff.getTime(), now.getTime() - LIFETIME);
      for (const id of [oldest.id, old.id]) {
        const m = await message(db, id);
        assert.equal(m.status, 'deleted');
        assert.equal(m.file, false, 'the file is removed');
        for (const rc of m.rcpts) {
          assert.equal(rc.status, 'expired');
          assert.equal(rc.last_reply, 'quarantine lifetime of 30d over: discarded unreleased');
        }
      }
      assert.equal((await message(db, oldest.id)).rcpts.length, 2, 'the record stays, with both recipients');
      for (const [id, status] of [[young.id, 'quarantined'], [elsewhere.id, 'quarantined'], [released.id, 'queued']] as const) {
        const m = await message(db, id);
        assert.equal(m.status, status, id);
        assert.ok(m.file, `${id} keeps its file`);
      }
      assert.deepEqual(await buildReport(db, { domain: 'held.test' }), report, 'the report counts the expired messages as it did');
      assert.deepEqual((await expireQuarantine(db, { node: f.spool.node, lifetimeMs: LIFETIME })).ids, [], 'a second run finds nothing');
      assert.deepEqual((await expireQuarantine(db, { node: f.spool.node, lifetimeMs: 0, now: new Date(Date.now() + 365 * DAY) })).ids, [], 'lifetime 0 keeps everything');
    });

    it('leaves a partly released message to its recipients: queued while one is pending, partial once delivered', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      const db = f.store.db;
      const pending = await spoolMessage(f.spool, 'a@sender.test', ['p@held.test', 'q@held.test'], { status: 'quarantined' });
      const delivered = await spoolMessage(f.spool, 'a@sender.test', ['p@held.test', 'q@held.test'], { status: 'quarantined' });
      // What the console's release for one domain contact leaves behind: one copy out of the hold.
      await db.updateTable('message_recipients').set({ status: 'deferred' }).where('message_id', '=', pending.id).where('address', '=', 'p@held.test').execute();
      await db.updateTable('message_recipients').set({ status: 'delivered' }).where('message_id', '=', delivered.id).where('address', '=', 'p@held.test').execute();
      assert.ok(await discardHeld(db, pending.id, { reason: 'gone' }));
      assert.ok(await discardHeld(db, delivered.id, { reason: 'gone' }));
      const p = await message(db, pending.id);
      assert.equal(p.status, 'queued', 'delivery settles it');
      assert.ok(p.file, 'the pending copy still needs the file');
      assert.deepEqual(p.rcpts.map((r) => r.status), ['deferred', 'expired']);
      const d = await message(db, delivered.id);
      assert.equal(d.status, 'partial');
      assert.equal(d.file, false);
      assert.equal(await discardHeld(db, delivered.id, { reason: 'gone' }), false, 'no longer quarantined');
    });

    it('lets exactly one of a release and a discard at the same moment win', async (t) => {
      if (!f) return t.skip('PostgreSQL not reachable');
      const db = f.store.db;
      for (let i = 0; i < 5; i++) {
        const m = await spoolMessage(f.spool, 'a@sender.test', ['r@held.test', 's@held.test'], { status: 'quarantined' });
        const [released, discarded] = await Promise.all([releaseHeld(db, m.id), discardHeld(db, m.id, { reason: 'gone' })]);
        assert.equal(Number(released) + Number(discarded), 1, `one wins (round ${i})`);
        const after = await message(db, m.id);
        if (released) {
          assert.equal(after.status, 'queued');
          assert.deepEqual(after.rcpts.map((r) => r.status), ['queued', 'queued']);
        } else {
          assert.equal(after.status, 'deleted');
          assert.deepEqual(after.rcpts.map((r) => r.status), ['expired', 'expired']);
        }
      }
    });
  });
}

describe('quarantine lifetime: names and intervals', () => {
  it('names a lifetime in its largest whole unit and checks hourly at most', () => {
    assert.deepEqual([30 * DAY, 36 * 3_600_000, 90 * 60_000, 4000, 1500].map(formatDuration), ['30d', '36h', '90m', '4s', '1500ms']);
    assert.deepEqual([30 * DAY, 2 * 3_600_000, 4000, 10].map(housekeepingInterval), [3_600_000, 3_600_000, 4000, 1000]);
  });
});

describe('quarantine lifetime in the running gateway', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ domains: [{ name: 'protected.test', recipients: ['alice@protected.test'] }], config: { quarantine: { lifetime: '3s' } } });
    gw.gateway.ingress!.ingress.setScanHook(async () => ({
      kind: 'accept',
      quarantine: true,
      verdict: { score: 9, category: 'spam', action: 'quarantine', symbols: [{ name: 'BAYES_SPAM', score: 9 }], addHeaders: [] },
    }));
  });
  after(() => gw.stop());

  it('discards a message quarantined over SMTP once its lifetime is over', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: gw.port, secure: false, ignoreTLS: true, name: 'client.test' });
    const info = await transport.sendMail({ from: 'sender@outside.test', to: 'alice@protected.test', subject: 'held', text: 'Hello' });
    transport.close();
    const id = info.response.split(' ').pop()!;
    const held = await message(gw.db, id);
    assert.equal(held.status, 'quarantined');
    assert.ok(held.file);
    const started = Date.now();
    const gone = await eventually(async () => {
      const m = await message(gw.db, id);
      // The file goes right after the row's commit (a crash between leaves it to the start-up sweep).
      return m.status === 'deleted' && !m.file ? m : null;
    }, 'expired by the gateway', 15_000);
    assert.ok(Date.now() - Date.parse(gone.received_at) >= 3000, 'not before its lifetime');
    assert.ok(Date.now() - started < 12_000);
    assert.deepEqual(gone.rcpts.map((r) => [r.status, r.last_reply]), [['expired', 'quarantine lifetime of 3s over: discarded unreleased']]);
  });
});

describe('rampart quarantine expire|show|delete (SQLite, the real CLI)', () => {
  let f: Fixture;
  let cfg: string;
  before(async () => {
    // The CLI expires this host's messages: the spool is named as the gateway names it.
    f = (await fixture('sqlite', {}, os.hostname()))!;
    cfg = path.join(f.config.data_dir, 'rampart.yaml');
    writeFileSync(cfg, 'data_dir: .\ndatabase:\n  url: sqlite:rampart.db\nquarantine:\n  lifetime: 7d\n');
  });
  after(async () => f.close());

  it('lists, then discards, what is past the lifetime; shows until when a message is held; deletes one', async () => {
    const db = f.store.db;
    const stale = await spoolMessage(f.spool, 'a@sender.test', ['x@held.test'], { status: 'quarantined' });
    const fresh = await spoolMessage(f.spool, 'a@sender.test', ['x@held.test'], { status: 'quarantined' });
    const doomed = await spoolMessage(f.spool, 'a@sender.test', ['x@held.test'], { status: 'quarantined' });
    await backdate(db, stale.id, 8);
    const [dry, show] = await Promise.all([rampart(cfg, 'quarantine', 'expire', '--dry-run', '--json'), rampart(cfg, 'quarantine', 'show', fresh.id)]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    assert.deepEqual([plan.lifetime, plan.dry_run, plan.count, plan.ids], ['7d', true, 1, [stale.id]]);
    assert.equal((await message(db, stale.id)).status, 'quarantined');
    assert.equal(show.code, 0, show.stderr);
    const until = new Date(Date.parse((await message(db, fresh.id)).received_at) + 7 * DAY).toISOString();
    assert.match(show.stdout, new RegExp(`^Status: quarantined \\(held until ${until.replace(/\./g, '\\.')}, quarantine\\.lifetime 7d\\)$`, 'm'));

    const real = await rampart(cfg, 'quarantine', 'expire');
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, new RegExp(`^${stale.id}\\ndiscarded 1 held message received before \\S+ \\(lifetime 7d\\)\\n$`));
    const s = await message(db, stale.id);
    assert.deepEqual([s.status, s.file, s.rcpts[0]!.status], ['deleted', false, 'expired']);
    assert.equal((await message(db, fresh.id)).status, 'quarantined');

    const del = await rampart(cfg, 'quarantine', 'delete', doomed.id);
    assert.equal(del.code, 0, del.stderr);
    const d = await message(db, doomed.id);
    assert.deepEqual([d.status, d.file, d.rcpts[0]!.status, d.rcpts[0]!.last_reply], ['deleted', false, 'expired', 'deleted from the quarantine by the operator']);
    const again = await rampart(cfg, 'quarantine', 'delete', doomed.id);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not in quarantine \(status deleted\)/);
  });
});
