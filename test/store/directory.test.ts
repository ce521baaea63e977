// The directory and spool against both SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { importDomains, parseDomainsCsv, parseRecipientsCsv, importRecipients, exportDomains } from '../../src/directory/csv.js';
import { Directory, lookupRecipient } from '../../src/directory/repository.js';
import { Spool } from '../../src/spool/spool.js';
import type { Store } from '../../src/store/db.js';
import { DATABASES, makeDatabase, type TestDatabase } from '../helpers/db.js';

for (const kind of DATABASES) {
  describe(`directory and spool on ${kind}`, () => {
    let tdb: TestDatabase | null;
    let store: Store;
    before(async () => {
      tdb = await makeDatabase(kind);
      if (tdb) store = await tdb.open();
    });
    after(async () => {
      if (tdb) {
        await store.close();
        await tdb.cleanup();
      }
    });

    it('adds domains with routes in canonical form and refuses duplicates', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const dir = new Directory(store.db);
      await dir.addDomain('Example.ORG.', { routes: [{ host: 'mx2.example.org', preference: 20 }, { host: 'MX1.example.org', port: 2525, preference: 10, tls: 'required', tls_verify: true }] });
      const d = await dir.getDomain('example.org');
      assert.equal(d?.name, 'example.org');
      assert.deepEqual(d?.routes.map((r) => [r.host, r.port, r.preference, r.tls, r.tls_verify]), [
        ['mx1.example.org', 2525, 10, 'required', 1],
        ['mx2.example.org', 25, 20, 'opportunistic', 0],
      ]);
      await assert.rejects(dir.addDomain('EXAMPLE.org'), /already exists/);
      await assert.rejects(dir.addDomain('not a domain'), /not a valid domain/);
    });

    it('looks recipients up: accepted, unknown, not protected, catch-all and aliases', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const dir = new Directory(store.db);
      await dir.addRecipient('Alice@Example.org');
      await dir.addRecipient('sales@example.org', { alias: 'alice@example.org' });
      await dir.addDomain('catchall.test', { catchAll: true });
      assert.equal((await lookupRecipient(store.db, 'alice@example.org')).kind, 'accepted');
      assert.equal((await lookupRecipient(store.db, 'sales@example.org')).kind, 'accepted');
      assert.equal((await lookupRecipient(store.db, 'bob@example.org')).kind, 'unknown');
      assert.equal((await lookupRecipient(store.db, 'bob@other.test')).kind, 'not_protected');
      assert.equal((await lookupRecipient(store.db, 'anyone@catchall.test')).kind, 'accepted');
      await assert.rejects(dir.addRecipient('x@nowhere.test'), /no such protected domain/);
      assert.equal(await dir.countRecipients('example.org'), 2);
    });

    it('imports domain CSV atomically with a preview and per-line errors', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const bad = parseDomainsCsv('domain,host,port,tls\ngood.test,mx.good.test,25,none\nbad domain,mx,25,none\n');
      assert.deepEqual(bad.errors, ['line 3: domain: not a valid domain name: "bad domain"']);
      const bad2 = parseDomainsCsv('domain,host,port,tls\nok.test,mx.ok.test,99999,maybe\n');
      assert.ok(bad2.errors.some((e) => e.startsWith('line 2: port:')), bad2.errors.join());
      assert.ok(bad2.errors.some((e) => e.startsWith('line 2: tls:')), bad2.errors.join());
      const plan = parseDomainsCsv('domain,host,port,preference,tls\nnew.test,mx1.new.test,25,10,none\nnew.test,mx2.new.test,25,20,none\nexample.org,mx9.example.org,25,5,none\n');
      assert.deepEqual(plan.errors, []);
      const preview = await importDomains(store.db, plan.rows, false);
      assert.deepEqual(preview, { added: ['new.test'], changed: ['example.org'], unchanged: [] });
      assert.equal(await new Directory(store.db).getDomain('new.test'), undefined, 'a dry run writes nothing');
      await importDomains(store.db, plan.rows, true);
      assert.equal((await new Directory(store.db).getDomain('new.test'))?.routes.length, 2);
      assert.deepEqual((await importDomains(store.db, plan.rows, false)).unchanged.sort(), ['example.org', 'new.test']);
      const csv = await exportDomains(store.db);
      assert.match(csv, /^domain,host,port,preference,tls,tls_verify,catch_all\n/);
      assert.match(csv, /new\.test,mx2\.new\.test,25,20,none,false,false/);
    });

    it('refuses a recipients import naming an unprotected domain, writing nothing', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const plan = parseRecipientsCsv('address,kind,target\ncarol@new.test,,\nx@unprotected.test,,\n');
      assert.deepEqual(plan.errors, []);
      const res = await importRecipients(store.db, plan.rows, true);
      assert.deepEqual(res.errors, ['x@unprotected.test: its domain is not a protected domain']);
      assert.equal((await lookupRecipient(store.db, 'carol@new.test')).kind, 'unknown');
    });

    it('spools a message durably: file and rows, or neither', async (t) => {
      if (!tdb) return t.skip('PostgreSQL not reachable');
      const spool = new Spool(store.db, `${tdb.dataDir}/spool`, 'node-a');
      const envelope = { clientIp: '192.0.2.1', clientHostname: null, helo: 'client.test', tls: false, mailFrom: 'a@sender.test', rcptTo: ['alice@example.org'] };
      const id = await spool.accept({ envelope, recipients: [{ address: 'alice@example.org', domainId: 1 }], chunks: [Buffer.from('Subject: hi\r\n\r\nbody\r\n')], messageId: '<m1@sender.test>', subject: 'hi' });
      assert.equal(readFileSync(spool.pathOf(id), 'utf8'), 'Subject: hi\r\n\r\nbody\r\n');
      const row = await store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.size, 21);
      assert.equal(row.status, 'queued');
      const rcpts = await store.db.selectFrom('message_recipients').selectAll().where('message_id', '=', id).execute();
      assert.deepEqual(rcpts.map((r) => [r.address, r.status]), [['alice@example.org', 'queued']]);
      // A recipient row that violates NOT NULL fails the transaction: no row and no file remain.
      await assert.rejects(
        spool.accept({ envelope, recipients: [{ address: null as unknown as string, domainId: 1 }], chunks: [Buffer.from('x')], messageId: null, subject: null }),
        /cannot record message/,
      );
      assert.deepEqual(readdirSync(spool.queueDir), [`${id}.eml`]);
      assert.equal((await store.db.selectFrom('messages').select('id').execute()).length, 1);
      assert.ok(existsSync(spool.pathOf(id)));
    });
  });
}
