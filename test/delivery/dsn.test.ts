// Permanent failures and expiry: the recipient is bounced or expired and the envelope sender gets
// an RFC 3464 DSN, relayed from the null sender through the same spool (smarthost or MX route).
// A message from the null sender never gets one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { Directory } from '../../src/directory/repository.js';
import { startDelivery, type DeliveryHandle } from '../../src/spool/delivery/index.js';
import { Router } from '../../src/spool/delivery/routing.js';
import { submitLocalMessage } from '../../src/spool/submit.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { fixture, messageIdOf, spoolMessage, startDownstream, waitFor, type Downstream, type Fixture } from './helpers.js';

async function parseDsn(raw: Buffer) {
  const email = await PostalMime.parse(raw);
  const part = (type: string) => {
    const a = email.attachments.find((x) => x.mimeType === type);
    assert.ok(a, `DSN has a ${type} part`);
    return Buffer.from(a.content as ArrayBuffer).toString('utf8');
  };
  return { email, status: part('message/delivery-status'), headers: part('text/rfc822-headers') };
}

async function status(f: Fixture, id: string) {
  return (await f.store.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
}

describe('DSN through the smarthost (SQLite)', () => {
  let f: Fixture;
  let engine: DeliveryHandle;
  let inbound: Downstream;
  let senderServer: Downstream;
  before(async () => {
    inbound = await startDownstream({
      rcpt: (a) => (a.startsWith('nobody@') ? { code: 550, message: '5.1.1 <' + a + '>: Recipient address rejected: User unknown' } : a.startsWith('busy@') ? { code: 451, message: '4.2.0 try later' } : null),
    });
    senderServer = await startDownstream();
    f = (await fixture('sqlite', { relay_host: `127.0.0.1:${senderServer.port}`, lifetime: '1500ms', retry_schedule: ['300ms'] }))!;
    await new Directory(f.store.db).addDomain('corp.test', { routes: [{ host: '127.0.0.1', port: inbound.port, tls: 'none' }] });
    engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
  });
  after(async () => {
    await engine.stop();
    await inbound.close();
    await senderServer.close();
    await f.close();
  });

  it('bounces a 5xx recipient, delivers the others, and sends the sender a multipart/report', async () => {
    const m = await spoolMessage(f.spool, 'alice@sender.test', ['ok@corp.test', 'nobody@corp.test'], { subject: 'Quarterly figures' });
    await waitFor('partial', async () => (await status(f, m.id)) === 'partial');
    const rcpts = await f.store.db.selectFrom('message_recipients').select(['address', 'status', 'last_reply']).where('message_id', '=', m.id).orderBy('address').execute();
    assert.deepEqual(rcpts.map((r) => [r.address, r.status]), [['nobody@corp.test', 'bounced'], ['ok@corp.test', 'delivered']]);
    assert.match(rcpts[0]!.last_reply ?? '', /^550 5\.1\.1/);
    const dsn = await waitFor('DSN at the sender server', () => senderServer.received.find((r) => r.to.includes('alice@sender.test')));
    assert.equal(dsn.from, '', 'a DSN is sent from the null sender');
    const { email, status: ds, headers } = await parseDsn(dsn.raw);
    assert.match(dsn.raw.toString(), /^Content-Type: multipart\/report; report-type=delivery-status;/m);
    assert.equal(email.subject, 'Undelivered Mail Returned to Sender');
    assert.match(ds, /^Reporting-MTA: dns; gw\.rampart\.test$/m);
    assert.match(ds, /^Final-Recipient: rfc822; nobody@corp\.test$/m);
    assert.match(ds, /^Action: failed$/m);
    assert.match(ds, /^Status: 5\.1\.1$/m);
    assert.match(ds, new RegExp(`^Remote-MTA: dns; 127\\.0\\.0\\.1$`, 'm'));
    assert.match(ds, /^Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@corp\.test>: Recipient address rejected: User unknown$/m);
    assert.doesNotMatch(ds, /ok@corp\.test/, 'only failed recipients are reported');
    assert.match(headers, new RegExp(`^Message-ID: ${m.messageId.replace(/[.]/g, '\\.')}`, 'm'), 'original headers attached');
    assert.match(headers, /^Subject: Quarterly figures/m);
    // The DSN went through the spool like any message: recorded and delivered from <>.
    // Its delivery is recorded once the sender server's reply reaches us, after that server has it.
    const row = await waitFor('DSN recorded as delivered', () => f.store.db.selectFrom('messages').selectAll().where('mail_from', '=', '').where('status', '=', 'delivered').executeTakeFirst());
    assert.equal(row.client_ip, '127.0.0.1');
  });

  it('never sends a DSN for a message from the null sender', async () => {
    const nullSenderMessages = async () => (await f.store.db.selectFrom('messages').select('id').where('mail_from', '=', '').execute()).map((r) => r.id);
    const before = senderServer.received.length;
    const known = await nullSenderMessages();
    const m = await spoolMessage(f.spool, '', ['nobody@corp.test']);
    await waitFor('bounced', async () => (await status(f, m.id)) === 'bounced');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(senderServer.received.length, before);
    assert.deepEqual((await nullSenderMessages()).filter((id) => !known.includes(id)), [m.id], 'no DSN was even queued');
  });

  it('expires a recipient that keeps getting 4xx after delivery.lifetime, with a DSN saying so', async () => {
    const m = await spoolMessage(f.spool, 'carol@sender.test', ['busy@corp.test']);
    await waitFor('bounced after expiry', async () => (await status(f, m.id)) === 'bounced', 10_000);
    const r = await f.store.db.selectFrom('message_recipients').selectAll().where('message_id', '=', m.id).executeTakeFirstOrThrow();
    assert.equal(r.status, 'expired');
    assert.ok(r.attempts >= 2, `retried before expiring (${r.attempts} attempts)`);
    const dsn = await waitFor('expiry DSN', () => senderServer.received.find((x) => x.to.includes('carol@sender.test')));
    const { status: ds, email } = await parseDsn(dsn.raw);
    assert.match(email.text ?? '', /retry time ran out/);
    assert.match(ds, /^Status: 4\.2\.0$/m);
    assert.match(ds, /^Final-Recipient: rfc822; busy@corp\.test$/m);
  });
});

describe('submitLocalMessage (SQLite)', () => {
  let f: Fixture;
  let engine: DeliveryHandle;
  let inbound: Downstream;
  let outside: Downstream;
  before(async () => {
    inbound = await startDownstream();
    outside = await startDownstream();
    f = (await fixture('sqlite', { relay_host: `127.0.0.1:${outside.port}` }))!;
    await new Directory(f.store.db).addDomain('corp.test', { routes: [{ host: '127.0.0.1', port: inbound.port, tls: 'none' }] });
    engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool });
  });
  after(async () => {
    await engine.stop();
    await inbound.close();
    await outside.close();
    await f.close();
  });

  it('queues generated mail: protected recipients by their route, others by the smarthost', async () => {
    const raw = Buffer.from('From: Rampart <postmaster@gw.rampart.test>\r\nSubject: Your migration date\r\nMessage-ID: <notice-1@gw.rampart.test>\r\n\r\nHello.\r\n');
    const id = await submitLocalMessage(f.store, f.spool, { from: 'postmaster@gw.rampart.test', to: ['IT@Corp.test', 'contact@elsewhere.test'], raw });
    const row = await f.store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([row.message_id, row.subject, row.client_ip, row.mail_from], ['<notice-1@gw.rampart.test>', 'Your migration date', '127.0.0.1', 'postmaster@gw.rampart.test']);
    const rcpts = await f.store.db.selectFrom('message_recipients').select(['address', 'domain_id']).where('message_id', '=', id).orderBy('address').execute();
    assert.deepEqual(rcpts.map((r) => [r.address, r.domain_id === null]), [['contact@elsewhere.test', true], ['it@corp.test', false]]);
    await waitFor('delivered', async () => (await status(f, id)) === 'delivered');
    assert.deepEqual(inbound.received.map((r) => r.to), [['it@corp.test']]);
    assert.deepEqual(outside.received.map((r) => r.to), [['contact@elsewhere.test']]);
    await assert.rejects(submitLocalMessage(f.store, f.spool, { from: 'not an address', to: ['a@corp.test'], raw }), /not a valid sender address/);
    await assert.rejects(submitLocalMessage(f.store, f.spool, { from: '', to: [], raw }), /at least one recipient/);
  });
});

describe('DSN through MX lookup (SQLite, DNS fixture)', () => {
  let f: Fixture;
  let dns: DnsFixture;
  let engine: DeliveryHandle;
  let inbound: Downstream;
  let mx: Downstream;
  before(async () => {
    inbound = await startDownstream({ rcpt: () => ({ code: 550, message: '5.7.1 rejected by policy' }) });
    mx = await startDownstream();
    dns = await startDnsServer({
      'sender.test': [{ type: 'MX', exchange: 'mx2.sender.test', priority: 20 }, { type: 'MX', exchange: 'mx1.sender.test', priority: 10 }],
      'mx1.sender.test': [{ type: 'A', address: '127.0.0.1' }],
      'mx2.sender.test': [{ type: 'A', address: '127.0.0.2' }],
      'nomx.test': [{ type: 'A', address: '127.0.0.1' }],
      'nullmx.test': [{ type: 'MX', exchange: '.', priority: 0 }],
    });
    f = (await fixture('sqlite'))!;
    await new Directory(f.store.db).addDomain('corp.test', { routes: [{ host: '127.0.0.1', port: inbound.port, tls: 'none' }] });
    engine = startDelivery({ config: f.config, store: f.store, logger: f.logger, spool: f.spool, resolver: dns.resolver(), mxPort: mx.port });
  });
  after(async () => {
    await engine.stop();
    await inbound.close();
    await mx.close();
    await dns.close();
    await f.close();
  });

  it('resolves routes: protected domain, MX by preference, implicit MX, null MX, NXDOMAIN', async () => {
    const router = new Router(f.store.db, f.config, dns.resolver(), 2525);
    const res = await router.resolve(['corp.test', 'sender.test', 'nomx.test', 'nullmx.test', 'nxdomain.test']);
    const corp = res.get('corp.test')!;
    assert.equal(corp.kind === 'hops' && corp.source, 'route');
    const s = res.get('sender.test')!;
    assert.deepEqual(s.kind === 'hops' && s.hops.map((h) => `${h.host}:${h.port}`), ['mx1.sender.test:2525', 'mx2.sender.test:2525']);
    const n = res.get('nomx.test')!;
    assert.deepEqual(n.kind === 'hops' && n.hops.map((h) => h.host), ['nomx.test']);
    const nul = res.get('nullmx.test')!;
    assert.ok(nul.kind === 'fail' && nul.permanent && /null MX/.test(nul.reply), JSON.stringify(nul));
    const nx = res.get('nxdomain.test')!;
    assert.ok(nx.kind === 'fail' && nx.permanent && /^5\.1\.2/.test(nx.reply), JSON.stringify(nx));
  });

  it("delivers the DSN to the sender domain's MX host", async () => {
    const m = await spoolMessage(f.spool, 'dave@sender.test', ['x@corp.test']);
    await waitFor('bounced', async () => (await status(f, m.id)) === 'bounced');
    const dsn = await waitFor('DSN via MX', () => mx.received.find((r) => r.to.includes('dave@sender.test')));
    assert.equal(dsn.from, '');
    const { status: ds, headers } = await parseDsn(dsn.raw);
    assert.match(ds, /^Status: 5\.7\.1$/m);
    assert.match(headers, new RegExp(m.messageId.replace(/[.]/g, '\\.')));
    // The MX has the DSN at its end of DATA; the attempt is recorded after the reply reaches us.
    const a = await waitFor('DSN attempt recorded', () => f.store.db.selectFrom('delivery_attempts').innerJoin('messages', 'messages.id', 'delivery_attempts.message_id').select(['host', 'outcome']).where('messages.mail_from', '=', '').executeTakeFirst());
    assert.deepEqual([a.host, a.outcome], [`mx1.sender.test:${mx.port}`, 'delivered']);
    assert.equal(messageIdOf(dsn.raw)?.endsWith('.dsn@gw.rampart.test>'), true);
  });
});
