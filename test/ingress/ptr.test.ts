// The client's PTR name comes from the configured resolver (dns.servers with a port), in the
// background: it lands in the Received header and the trace, and a resolver that never answers
// neither delays the greeting nor loses the message.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp } from '../helpers/smtp-client.js';

async function sendFrom(gw: TestGateway, local: string, subject: string): Promise<{ greetingMs: number; id: string }> {
  const t0 = Date.now();
  const c = await RawSmtp.connect(gw.port, local);
  assert.equal((await c.reply()).code, 220);
  const greetingMs = Date.now() - t0;
  assert.equal((await c.cmd('EHLO client.test')).code, 250);
  assert.equal((await c.cmd('MAIL FROM:<s@outside.test>')).code, 250);
  assert.equal((await c.cmd('RCPT TO:<u@protected.test>')).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  c.write(`Subject: ${subject}\r\n\r\nbody\r\n.\r\n`);
  const r = await c.reply();
  assert.equal(r.code, 250, r.text);
  c.close();
  return { greetingMs, id: r.text.split(' ').pop()! };
}

describe('PTR lookup through the configured resolver', () => {
  let dns: DnsFixture;
  let gw: TestGateway;
  before(async () => {
    dns = await startDnsServer({ '2.0.0.127.in-addr.arpa': [{ type: 'PTR', domain: 'mail.client.test' }] });
    dns.timeout.add('3.0.0.127.in-addr.arpa');
    gw = await startTestGateway({ domains: [{ name: 'protected.test', catchAll: true }], config: { dns: { servers: [dns.address], timeout: 5000 } } });
  });
  after(async () => {
    await gw.stop();
    await dns.close();
  });

  it('puts the PTR name into the Received header and the trace', async () => {
    const { id } = await sendFrom(gw, '127.0.0.2', 'with ptr');
    assert.ok(dns.queries.some((q) => q.name === '2.0.0.127.in-addr.arpa' && q.type === 'PTR'), JSON.stringify(dns.queries));
    const row = await gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.client_hostname, 'mail.client.test');
    assert.equal(row.client_ip, '127.0.0.2');
    assert.match(readFileSync(row.spool_path, 'latin1'), /^Received: from client\.test \(mail\.client\.test \[127\.0\.0\.2\]\)/);
  });

  it('greets at once and accepts the message when the resolver never answers', async () => {
    const { greetingMs, id } = await sendFrom(gw, '127.0.0.3', 'ptr times out');
    // The lookup runs until min(dns.timeout, 5 s) = 5 s; a greeting that waited for it would be later.
    assert.ok(greetingMs < 4000, `greeting took ${greetingMs} ms`);
    const row = await gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.client_hostname, null);
    assert.match(readFileSync(row.spool_path, 'latin1'), /^Received: from client\.test \(\[127\.0\.0\.3\]\)/);
  });
});
