// Quarantine digests end to end: digests are queued with submitLocalMessage and delivered by the
// real delivery engine to a real SMTP server; the signed link in the mail releases exactly that
// message for exactly that recipient, without login, once; tampered and expired links are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/log.js';
import { parseMessage } from '../../src/message/parse.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { submitLocalMessage } from '../../src/spool/submit.js';
import { openStore, type Store } from '../../src/store/db.js';
import { buildWebApp } from '../../src/web/app.js';
import { LinkSigner } from '../../src/web/links.js';
import { MigrationRepository } from '../../src/migration/repository.js';
import { startDownstream, type Downstream } from '../delivery/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { login } from './client.js';
import { htmlMessage, PASSWORD, seed, testConfig, type Seeded } from './seed.js';

async function until<T>(fn: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('quarantine digests with signed release links', () => {
  const dataDir = tempDir();
  let store: Store;
  let s: Seeded;
  let app: FastifyInstance;
  let downstream: Downstream;
  let delivery: DeliveryHandle;

  before(async () => {
    store = await openStore({ url: 'sqlite:rampart.db', dataDir });
    s = await seed(store, dataDir);
    downstream = await startDownstream();
    await store.db.updateTable('routes').set({ port: downstream.port }).execute();
    const config = testConfig(dataDir, 'sqlite:rampart.db');
    delivery = startDelivery({ config, store, logger: createLogger('silent'), spool: s.spool, node: 'node1' });
    app = await buildWebApp({ config, store, submit: (m) => submitLocalMessage(store, s.spool, m) });
  });
  after(async () => {
    await app?.close();
    await delivery?.stop();
    await downstream?.close();
    await store?.close();
  });

  it('mails each address its held messages; the link releases that one message once', async () => {
    const op = await login(app, 'op', PASSWORD);
    // A held message's subject in other scripts: the digest still travels as 7-bit text.
    const subject = 'Überweisung für Müller — 請求書';
    await store.db.updateTable('messages').set({ subject }).where('id', '=', s.quarantined.a[0]!).execute();
    const sent = (await op.post('/api/digests/send')).json();
    assert.deepEqual(sent.addresses.sort(), ['alice@a.example', 'bob@a.example', 'dave@b.example']);
    assert.equal(sent.messages, 3);

    const digestFor = (rcpt: string) => downstream.received.find((m) => m.to.includes(rcpt) && m.raw.includes('Quarantine digest'));
    const aliceMail = await until(() => digestFor('alice@a.example'), 'the digest for alice');
    const bobMail = await until(() => digestFor('bob@a.example'), 'the digest for bob');
    // Read as a mail program reads it: decoded (quoted-printable wraps the long links).
    const textOf = async (raw: Buffer) => (await parseMessage(raw)).text;
    const linkOf = async (raw: Buffer) => /release: http:\/\/console\.test(\/r\/[A-Za-z0-9_.-]+)/.exec(await textOf(raw))![1]!;
    const aliceLink = await linkOf(aliceMail.raw);
    const bobLink = await linkOf(bobMail.raw);
    const aliceText = await textOf(aliceMail.raw);
    assert.doesNotMatch(aliceText, /bob@a\.example/, "alice's digest lists only her mail");
    assert.ok(aliceText.includes(`* ${subject}\n`), aliceText);
    assert.ok(aliceMail.raw.every((b) => b < 0x80), 'the digest is 7-bit');
    assert.match(aliceMail.raw.toString(), /^Auto-Submitted: auto-generated\r$/m);
    // Each item says until when it is held: quarantine.lifetime (30 days by default) after it arrived.
    const [, at, heldUntil] = / at (\S+) \([a-z_]+\); held until (\S+), then deleted\n/.exec(aliceText) ?? [];
    assert.equal(Date.parse(heldUntil!) - Date.parse(at!), 30 * 86_400_000);

    // GET (what a link scanner does) shows the message but releases nothing.
    const view = await app.inject({ url: aliceLink });
    assert.equal(view.statusCode, 200);
    assert.ok(view.body.includes(`Release <strong>${subject}</strong> from mallory@evil.test to alice@a.example?`), view.body);
    assert.match(view.body, /<form method="post"/);
    const held = async (id: string) => (await store.db.selectFrom('message_recipients').select('status').where('message_id', '=', id).executeTakeFirstOrThrow()).status;
    assert.equal(await held(s.quarantined.a[0]!), 'held');

    // A signature moved onto another message's payload, or any edit, is refused.
    const [alicePayload, aliceMac] = aliceLink.slice(3).split('.');
    const [bobPayload] = bobLink.slice(3).split('.');
    for (const forged of [`/r/${bobPayload}.${aliceMac}`, `/r/${alicePayload}x.${aliceMac}`, '/r/garbage', `/r/${alicePayload}.${'A'.repeat(43)}`]) {
      const r = await app.inject({ method: 'POST', url: forged });
      assert.equal(r.statusCode, 403, forged);
      assert.match(r.body, /invalid or has expired/);
    }
    assert.equal(await held(s.quarantined.a[1]!), 'held', "bob's message was not released by a forged link");
    // An expired link, correctly signed, is refused too.
    const expired = new LinkSigner('test-secret-0123456789').sign({ id: s.quarantined.a[0]!, rcpt: 'alice@a.example', exp: Date.now() - 1000 });
    assert.equal((await app.inject({ method: 'POST', url: `/r/${expired}` })).statusCode, 403);

    // Dave's message is held as phishing: his digest lists it without a link, and a link signed for
    // it anyway (one made before the message was judged a threat) shows no button and releases nothing.
    const daveText = await textOf((await until(() => digestFor('dave@b.example'), 'the digest for dave')).raw);
    assert.match(daveText, /\(phishing\); held until \S+, then deleted\n {2}only your IT contact can release it; ask them: http:\/\/console\.test\/r\/\S+\n/);
    assert.doesNotMatch(daveText, /release: http/);
    const daveLink = `/r/${new LinkSigner('test-secret-0123456789').sign({ id: s.quarantined.b[0]!, rcpt: 'dave@b.example', exp: Date.now() + 60_000 })}`;
    const daveView = await app.inject({ url: daveLink });
    assert.match(daveView.body, /held as phishing: only your IT contact can release it/);
    assert.doesNotMatch(daveView.body, /Release this message|always allow/);
    assert.match(daveView.body, /<input type="hidden" name="ask" value="1"><button type="submit">Ask IT to release it</);
    // b.example has no contact recorded: asking says so.
    const noContact = await app.inject({ method: 'POST', url: daveLink, payload: 'ask=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(noContact.statusCode, 409);
    assert.match(noContact.body, /no IT contact is recorded for b\.example/);
    assert.equal((await app.inject({ method: 'POST', url: daveLink, payload: 'allow=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode, 403);
    assert.equal(await held(s.quarantined.b[0]!), 'held', "dave's phishing was not released by a link");
    assert.equal((await store.db.selectFrom('scan_lists').select('value').where('domain', '=', 'dave@b.example').execute()).length, 0, 'nor its sender allowed');

    // The one click: POST releases, and the message reaches the downstream server once.
    const r1 = await app.inject({ method: 'POST', url: aliceLink });
    assert.equal(r1.statusCode, 200);
    assert.match(r1.body, /Released to alice@a\.example/);
    const r2 = await app.inject({ method: 'POST', url: aliceLink });
    assert.match(r2.body, /already been released/);
    await until(() => downstream.received.find((m) => m.to.includes('alice@a.example') && m.raw.includes('Subject: Quarantined for alice@a.example')), 'the released message');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(downstream.received.filter((m) => m.raw.includes('Subject: Quarantined for alice@a.example')).length, 1);
    assert.equal(await held(s.quarantined.a[1]!), 'held');
    const audit = await store.db.selectFrom('audit_log').select(['actor', 'action', 'target']).where('action', '=', 'quarantine.release_link').execute();
    assert.deepEqual(audit.map((a) => [a.actor, a.target]), [['link:alice@a.example', s.quarantined.a[0]], ['link:alice@a.example', s.quarantined.a[0]]]);

    // Bob's link, second button: released, and the sender joins bob's allowed senders (his link,
    // his list); used again it adds nothing more.
    assert.match((await app.inject({ url: bobLink })).body, /<input type="hidden" name="allow" value="1"><button type="submit" class="secondary">Release and always allow the sender<\/button>/);
    const allow = () => app.inject({ method: 'POST', url: bobLink, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'allow=1' });
    assert.match((await allow()).body, /Released to bob@a\.example; it is on its way to your mailbox\. Mail from mallory@evil\.test will reach you from now on, unless it is a threat\./);
    assert.match((await allow()).body, /already been released/);
    const lists = await store.db.selectFrom('scan_lists').select(['domain', 'list', 'value']).execute();
    assert.deepEqual(lists, [{ domain: 'bob@a.example', list: 'allow', value: 'mallory@evil.test' }]);
    const bobAudit = await store.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'quarantine.release_link').where('target', '=', s.quarantined.a[1]!).orderBy('id').execute();
    assert.equal(bobAudit[0]!.actor, 'link:bob@a.example');
    assert.match(String(bobAudit[0]!.detail), /"allowed":"mallory@evil\.test"/);
    assert.doesNotMatch(String(bobAudit[1]!.detail), /allowed/);

    // Nothing new is held since: the next run sends no digest.
    const again = (await op.post('/api/digests/send')).json();
    assert.deepEqual(again.addresses, []);
  });
  it("a mailbox owner asks the domain's IT contacts, by mail, to release a threat held for them — once", async () => {
    const held = (subject: string, category = 'phishing') =>
      s.spool.accept({
        envelope: { clientIp: '203.0.113.9', clientHostname: null, helo: 'evil.test', tls: false, mailFrom: 'mallory@evil.test', rcptTo: ['alice@a.example'] },
        recipients: [{ address: 'alice@a.example', domainId: s.domains.a }],
        chunks: [htmlMessage(subject, 'alice@a.example')],
        messageId: `<${subject.replace(/\W/g, '')}@evil.test>`,
        subject,
        status: 'quarantined',
        verdict: { category, score: 12, action: 'quarantine', symbols: '[]' },
      });
    const id = await held('Invoice overdue');
    // a.example's IT contact, as the migration programme records it.
    const programme = new MigrationRepository(store.db);
    await programme.upsertContact(await programme.enrol('a.example', 'op'), { name: 'Ann IT', address: 'it-desk@a.example', role: 'primary' });
    const alice = await login(app, 'alice', PASSWORD);
    const asked = await alice.post(`/api/quarantine/${id}/request_release`);
    assert.equal(asked.statusCode, 200, asked.body);
    assert.deepEqual(asked.json(), { id, sentTo: ['it-desk@a.example'] });
    const mail = await until(() => downstream.received.find((m) => m.to.includes('it-desk@a.example')), 'the request mail');
    const text = (await parseMessage(mail.raw)).text;
    assert.match(text, /^alice \(alice@a\.example\) asks you to release a message held for them in quarantine as phishing\./);
    assert.match(text, /subject: {2}Invoice overdue\n {2}from: {5}mallory@evil\.test\n/);
    assert.ok(text.includes(`review:   http://console.test/quarantine/${id}`), text);
    assert.match(mail.raw.toString(), /^Subject: Release requested by alice@a\.example: Invoice overdue\r$/m);
    // Once: asking again is refused; nothing was released either way.
    const again = await alice.post(`/api/quarantine/${id}/request_release`);
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /^the release of message \S+ was already asked for at /);
    // From the digest's link, without logging in: the same request, as the link's recipient.
    const linked = await held('Parcel on hold');
    const link = `/r/${new LinkSigner('test-secret-0123456789').sign({ id: linked, rcpt: 'alice@a.example', exp: Date.now() + 60_000 })}`;
    const viaLink = await app.inject({ method: 'POST', url: link, payload: 'ask=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(viaLink.statusCode, 200);
    assert.match(viaLink.body, /Asked it-desk@a\.example to release it\./);
    const linkMail = await until(() => downstream.received.find((m) => m.raw.includes('Subject: Release requested by alice@a.example: Parcel on hold')), 'the request from the link');
    assert.match((await parseMessage(linkMail.raw)).text, /^alice@a\.example asks you to release/);
    assert.equal((await alice.post(`/api/quarantine/${linked}/request_release`)).statusCode, 409, 'asked once, whichever way');
    assert.equal((await store.db.selectFrom('message_recipients').select('status').where('message_id', '=', id).executeTakeFirstOrThrow()).status, 'held');
    // Not for what she may release herself, not for the domain admin (who releases it), not without a contact.
    const spam = await held('Cheap watches', 'spam');
    assert.equal((await alice.post(`/api/quarantine/${spam}/request_release`)).json().error.message, `message ${spam} is held as spam: release it yourself`);
    const admin = await login(app, 'admin-a', PASSWORD);
    assert.equal((await admin.post(`/api/quarantine/${id}/request_release`)).statusCode, 403);
    await store.db.deleteFrom('mig_contacts').execute();
    const other = await held('Account locked');
    const none = await alice.post(`/api/quarantine/${other}/request_release`);
    assert.equal(none.statusCode, 409);
    assert.equal(none.json().error.message, 'no IT contact is recorded for a.example: ask your help desk');
    const audited = await store.db.selectFrom('audit_log').select(['actor', 'target']).where('action', '=', 'quarantine.request_release').execute();
    assert.deepEqual(audited, [
      { actor: 'alice', target: id },
      { actor: 'link:alice@a.example', target: linked },
    ]);
  });
});
