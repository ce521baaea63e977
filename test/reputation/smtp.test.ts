// Connection reputation through a real gateway: a raw SMTP client from a DNSBL-listed loopback
// address is refused at connect (554) or at RCPT (550), and each refusal is a connection event.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';

let dns: DnsFixture;
before(async () => {
  dns = await startDnsServer({ '2.0.0.127.zen.test': [{ type: 'A', address: '127.0.0.2' }] });
});
after(() => dns.close());

async function gateway(stage: 'connect' | 'rcpt', workers = 0): Promise<TestGateway> {
  return startTestGateway({
    workers,
    domains: [{ name: 'dest.test', recipients: ['bob@dest.test'], routes: [{ host: '127.0.0.1', port: 9 }] }],
    config: {
      dns: { servers: [dns.address], timeout: 1000 },
      scan: { analyzers: { reputation: { stage, reject_threshold: 5, block: ['127.0.0.3'], dnsbl: [{ zone: 'zen.test', codes: { '127.0.0.2': { score: 10, meaning: 'SBL' } } }] } } },
    },
  });
}

describe('connection reputation at the SMTP ingress', () => {
  it('refuses a listed client at connect with 554 5.7.1 and records a dnsbl event', async () => {
    const gw = await gateway('connect');
    try {
      const listed = await RawSmtp.connect(gw.port, '127.0.0.2');
      const greet = await listed.reply();
      assert.equal(greet.code, 554);
      assert.match(greet.text, /5\.7\.1 .*zen\.test \(127\.0\.0\.2 SBL\)/);
      listed.close();
      const blocked = await RawSmtp.connect(gw.port, '127.0.0.3');
      const b = await blocked.reply();
      assert.equal(b.code, 554);
      assert.match(b.text, /local block list/);
      blocked.close();
      // An unlisted client is served (envelope() asserts greeting, EHLO, MAIL and RCPT are accepted).
      const clean = await RawSmtp.connect(gw.port, '127.0.0.1');
      await clean.envelope('a@sender.test', ['bob@dest.test']);
      clean.close();
      const rows = await eventually(async () => {
        const r = await gw.db.selectFrom('connection_events').selectAll().where('reason', 'in', ['dnsbl', 'blocklist']).orderBy('id').execute();
        return r.length >= 2 ? r : null;
      }, 'connection events');
      assert.deepEqual(rows.map((r) => [r.client_ip.replace(/^::ffff:/, ''), r.stage, r.reason, r.detail]), [
        ['127.0.0.2', 'connect', 'dnsbl', 'zen.test=127.0.0.2'],
        ['127.0.0.3', 'connect', 'blocklist', 'local:127.0.0.3'],
      ]);
    } finally {
      await gw.stop();
    }
  });

  it('at rcpt stage refuses each recipient with 550 5.7.1', async () => {
    const gw = await gateway('rcpt');
    try {
      const c = await RawSmtp.connect(gw.port, '127.0.0.2');
      assert.equal((await c.reply()).code, 220);
      assert.equal((await c.cmd('EHLO client.test')).code, 250);
      assert.equal((await c.cmd('MAIL FROM:<a@sender.test>')).code, 250);
      const r = await c.cmd('RCPT TO:<bob@dest.test>');
      assert.equal(r.code, 550);
      assert.match(r.text, /5\.7\.1 .*zen\.test/);
      c.close();
      const row = await eventually(() => gw.db.selectFrom('connection_events').selectAll().where('reason', '=', 'dnsbl').executeTakeFirst(), 'dnsbl event');
      assert.equal(row.stage, 'rcpt');
      assert.equal(row.domain, 'dest.test');
      assert.equal(row.detail, 'zen.test=127.0.0.2');
    } finally {
      await gw.stop();
    }
  });

  it('is installed in SMTP worker processes too (cluster mode)', async () => {
    const gw = await gateway('connect', 1);
    try {
      const c = await RawSmtp.connect(gw.port, '127.0.0.2');
      const r = await c.reply();
      assert.equal(r.code, 554);
      assert.match(r.text, /zen\.test/);
      c.close();
      const row = await eventually(() => gw.db.selectFrom('connection_events').selectAll().where('reason', '=', 'dnsbl').executeTakeFirst(), 'dnsbl event');
      assert.equal(row.detail, 'zen.test=127.0.0.2');
    } finally {
      await gw.stop();
    }
  });
});
