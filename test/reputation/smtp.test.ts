// Connection reputation through a real gateway: a raw SMTP client from a DNSBL-listed loopback
// address is refused at connect (554) or at RCPT (550), and each refusal is a connection event;
// the IP entries of the allow/block lists (global at connect, per domain at RCPT) the same way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { PolicyRepository } from '../../src/policy/repository.js';
import { buildReport } from '../../src/stats/report.js';
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
      assert.match(b.text, /global block list \(127\.0\.0\.3\)/);
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
        ['127.0.0.3', 'connect', 'blocklist', 'global:127.0.0.3'],
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

describe('IP allow/block lists at the SMTP ingress', () => {
  it('global block: 554 at connect; domain block: 550 at RCPT for that domain only; block beats allow; allow skips DNSBLs; counted in the report', async () => {
    const gw = await startTestGateway({
      domains: [
        { name: 'dest.test', recipients: ['bob@dest.test'], routes: [{ host: '127.0.0.1', port: 9 }] },
        { name: 'other.test', recipients: ['carol@other.test'], routes: [{ host: '127.0.0.1', port: 9 }] },
      ],
      config: {
        dns: { servers: [dns.address], timeout: 1000 },
        scan: { analyzers: { reputation: { reject_threshold: 5, dnsbl: [{ zone: 'zen.test', codes: { '127.0.0.2': { score: 10, meaning: 'SBL' } } }] } } },
      },
    });
    try {
      const repo = new PolicyRepository(gw.db);
      await repo.addListEntry('*', 'block', '127.0.0.5', { comment: 'abuse' });
      await repo.addListEntry('dest.test', 'block', '127.0.0.6/31');
      await repo.addListEntry('*', 'allow', '127.0.0.8');
      await repo.addListEntry('*', 'block', '127.0.0.8/32');
      // 127.0.0.2 is DNSBL-listed (score 10 ≥ 5) but dest.test allow-lists it.
      await repo.addListEntry('dest.test', 'allow', '127.0.0.2');

      const blocked = await RawSmtp.connect(gw.port, '127.0.0.5');
      const g = await blocked.reply();
      assert.equal(g.code, 554);
      assert.match(g.text, /^5\.7\.1 Access denied: .*127\.0\.0\.5 is on the global block list \(127\.0\.0\.5\)/);
      blocked.close();

      const both = await RawSmtp.connect(gw.port, '127.0.0.8');
      assert.equal((await both.reply()).code, 554, 'a block entry beats an allow entry');
      both.close();

      const perDomain = await RawSmtp.connect(gw.port, '127.0.0.7');
      assert.equal((await perDomain.reply()).code, 220);
      assert.equal((await perDomain.cmd('EHLO client.test')).code, 250);
      assert.equal((await perDomain.cmd('MAIL FROM:<a@sender.test>')).code, 250);
      const r1 = await perDomain.cmd('RCPT TO:<bob@dest.test>');
      assert.equal(r1.code, 550);
      assert.match(r1.text, /^5\.7\.1 Access denied: .*127\.0\.0\.7 is on the block list of dest\.test \(127\.0\.0\.6\/31\)/);
      assert.equal((await perDomain.cmd('RCPT TO:<carol@other.test>')).code, 250, "another domain's recipient is accepted");
      perDomain.close();

      const allowed = await RawSmtp.connect(gw.port, '127.0.0.2');
      assert.equal((await allowed.reply()).code, 220, 'a client some domain allow-lists is not refused at connect');
      assert.equal((await allowed.cmd('EHLO client.test')).code, 250);
      assert.equal((await allowed.cmd('MAIL FROM:<a@sender.test>')).code, 250);
      assert.equal((await allowed.cmd('RCPT TO:<bob@dest.test>')).code, 250, 'DNSBLs are not asked for the allowing domain');
      const r2 = await allowed.cmd('RCPT TO:<carol@other.test>');
      assert.equal(r2.code, 550);
      assert.match(r2.text, /5\.7\.1 .*zen\.test/);
      allowed.close();

      const rows = await eventually(async () => {
        const r = await gw.db.selectFrom('connection_events').selectAll().where('reason', 'in', ['dnsbl', 'blocklist']).orderBy('id').execute();
        return r.length >= 4 ? r : null;
      }, 'connection events');
      assert.deepEqual(rows.map((r) => [r.client_ip.replace(/^::ffff:/, ''), r.stage, r.reason, r.detail, r.domain]), [
        ['127.0.0.5', 'connect', 'blocklist', 'global:127.0.0.5', null],
        ['127.0.0.8', 'connect', 'blocklist', 'global:127.0.0.8', null],
        ['127.0.0.7', 'rcpt', 'blocklist', 'dest.test:127.0.0.6/31', 'dest.test'],
        ['127.0.0.2', 'rcpt', 'dnsbl', 'zen.test=127.0.0.2', 'other.test'],
      ]);
      const report = await buildReport(gw.db, {});
      assert.equal(report.blocked.atConnection, 4);
      assert.deepEqual(report.blocked.reasons, { blocklist: 3, dnsbl: 1 });
      assert.deepEqual((await buildReport(gw.db, { domain: 'dest.test' })).blocked.reasons, { blocklist: 1 });

      // The lists are read through a cache (refreshed every smtp.directory_refresh, 200 ms here):
      // a new entry applies without a restart.
      await repo.addListEntry('*', 'block', '127.0.0.9');
      await eventually(async () => {
        const c = await RawSmtp.connect(gw.port, '127.0.0.9');
        const code = (await c.reply()).code;
        c.close();
        return code === 554;
      }, 'the new block entry to apply', 5000);
    } finally {
      await gw.stop();
    }
  });
});
