// A message's rows, as every way in writes them (Spool.accept, the ingress group commit, the trace
// record of a refused message), on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { RowCommitter, writeSpoolFiles } from '../../src/ingress/group-commit.js';
import { recordRejected } from '../../src/spool/record.js';
import { Spool, type AcceptInput } from '../../src/spool/spool.js';
import type { Store } from '../../src/store/db.js';
import { DATABASES, makeDatabase, type TestDatabase } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

const envelope = { clientIp: '192.0.2.7', clientHostname: 'client.sender.test', helo: 'helo.sender.test', tls: true, mailFrom: 'a@sender.test', rcptTo: [] };
const verdict = { category: 'spam', score: 7.5, action: 'quarantine', symbols: '[]', would_action: null, would_category: null };
const receivedAt = new Date('2024-05-06T07:08:09.000Z');
const at = receivedAt.toISOString();

function input(over: Partial<AcceptInput> & { rcpts?: string[] } = {}): AcceptInput {
  const { rcpts = ['r1@example.org', 'r2@example.org'], ...rest } = over;
  return {
    envelope,
    recipients: rcpts.map((address) => ({ address, domainId: null })),
    chunks: [Buffer.from('X-Added: 1\r\n'), Buffer.from('Subject: hi\r\n\r\nbody\r\n')],
    messageId: '<m@sender.test>',
    subject: 'hi',
    receivedAt,
    ...rest,
  };
}

for (const kind of DATABASES) {
  describe(`message rows on ${kind}`, () => {
    let tdb: TestDatabase | null;
    let store: Store;
    let spool: Spool;
    const spoolDir = tempDir();
    before(async () => {
      tdb = await makeDatabase(kind);
      if (!tdb) return;
      store = await tdb.open();
      spool = new Spool(store.db, spoolDir, 'node-a');
    });
    after(async () => {
      if (tdb) {
        await store.close();
        await tdb.cleanup();
      }
    });

    const messageRow = (id: string) => store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const recipientRows = (id: string) =>
      store.db.selectFrom('message_recipients').select(['address', 'domain_id', 'status', 'attempts', 'next_attempt_at', 'last_reply', 'updated_at', 'claimed_by']).where('message_id', '=', id).orderBy('id').execute();

    it('Spool.accept: a queued message, its file and its rows', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const id = await spool.accept(input());
      assert.equal(readFileSync(spool.pathOf(id), 'utf8'), 'X-Added: 1\r\nSubject: hi\r\n\r\nbody\r\n');
      assert.deepEqual({ ...(await messageRow(id)) }, {
        id,
        received_at: at,
        node: 'node-a',
        client_ip: '192.0.2.7',
        client_hostname: 'client.sender.test',
        helo: 'helo.sender.test',
        tls: 1,
        mail_from: 'a@sender.test',
        message_id: '<m@sender.test>',
        subject: 'hi',
        size: 33,
        spool_path: spool.pathOf(id),
        status: 'queued',
        category: null,
        score: null,
        action: null,
        symbols: null,
        would_action: null,
        would_category: null,
      });
      assert.deepEqual(
        (await recipientRows(id)).map((r) => ({ ...r })),
        ['r1@example.org', 'r2@example.org'].map((address) => ({ address, domain_id: null, status: 'queued', attempts: 0, next_attempt_at: at, last_reply: null, updated_at: at, claimed_by: null })),
      );
    });

    it('the group commit writes the same rows as Spool.accept, many messages per transaction', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const committer = new RowCommitter(store.db, spool.queueDir, 'node-a');
      const viaAccept = await spool.accept(input({ status: 'quarantined', verdict }));
      // Committed in the same tick: the first flushes alone, the rest share the next transaction.
      const many = Array.from({ length: 600 }, (_, i) => `many${i}@example.org`);
      const msgs = (await Promise.all([input(), input({ rcpts: many }), input({ status: 'quarantined', verdict }), input()].map((i) => writeSpoolFiles(spool, [i])))).flat();
      await Promise.all(msgs.map((m) => committer.commit([m])));

      const strip = <T extends { id: string; spool_path: string }>(r: T) => ({ ...r, id: '', spool_path: '' });
      assert.deepEqual(strip(await messageRow(msgs[2]!.id)), strip(await messageRow(viaAccept)));
      assert.deepEqual(await recipientRows(msgs[2]!.id), await recipientRows(viaAccept));
      const held = await recipientRows(viaAccept);
      assert.deepEqual(held.map((r) => [r.status, r.next_attempt_at]), [['held', null], ['held', null]]);
      assert.equal((await messageRow(viaAccept)).category, 'spam');

      const big = await recipientRows(msgs[1]!.id);
      assert.equal(big.length, 600);
      assert.deepEqual(big.map((r) => r.address), many);
      for (const m of msgs) {
        const row = await messageRow(m.id);
        assert.equal(row.spool_path, spool.pathOf(m.id));
        assert.equal(row.size, 33);
        assert.ok(existsSync(spool.pathOf(m.id)));
      }
    });

    it('one bad message in a group commit costs only itself: its files go, the others commit; a split message commits all its copies or none', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const committer = new RowCommitter(store.db, spool.queueDir, 'node-a');
      const bad = input({ recipients: [{ address: null as unknown as string, domainId: null }] });
      // The third message is split in two copies, the second of them bad.
      const messages = await Promise.all([[input()], [input()], [input({ status: 'quarantined', verdict }), bad], [input(), input()]].map((copies) => writeSpoolFiles(spool, copies)));
      const results = await Promise.allSettled(messages.map((m) => committer.commit(m)));
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      assert.match(String((results[2] as PromiseRejectedResult).reason), /cannot record message/);
      for (const copy of messages[2]!) {
        assert.equal(existsSync(spool.pathOf(copy.id)), false, 'neither copy of the failed message stays');
        assert.equal(await store.db.selectFrom('messages').select('id').where('id', '=', copy.id).executeTakeFirst(), undefined);
      }
      for (const copy of [...messages[0]!, ...messages[1]!, ...messages[3]!]) assert.equal((await recipientRows(copy.id)).length, 2);
    });

    it('recordRejected: the trace rows of a refused message, no file, recipients bounced with the reply', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const reply = '550 5.7.1 message refused';
      const id = await recordRejected(store.db, {
        envelope,
        recipients: [{ address: 'r1@example.org', domainId: null }],
        size: 1234,
        messageId: null,
        subject: null,
        verdict: { ...verdict, action: 'reject' },
        reply,
        node: 'node-b',
        receivedAt,
      });
      const row = await messageRow(id);
      assert.deepEqual(
        [row.node, row.status, row.spool_path, row.size, row.action, row.score, row.message_id, row.received_at],
        ['node-b', 'rejected', '', 1234, 'reject', 7.5, null, at],
      );
      assert.equal(existsSync(spool.pathOf(id)), false);
      assert.deepEqual(
        (await recipientRows(id)).map((r) => ({ ...r })),
        [{ address: 'r1@example.org', domain_id: null, status: 'bounced', attempts: 0, next_attempt_at: null, last_reply: reply, updated_at: at, claimed_by: null }],
      );
    });
  });
}
