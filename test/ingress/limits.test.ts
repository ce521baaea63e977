// Limits and their reply codes, with raw sockets and swaks: message size (SIZE= and actual),
// recipients per message, connections per IP and in total, messages per IP per minute, command
// and DATA timeouts, the early-talker check; refusals are recorded in connection_events.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp } from '../helpers/smtp-client.js';

const run = promisify(execFile);
const DOMAINS = [{ name: 'protected.test', catchAll: true }];

async function reasons(gw: TestGateway): Promise<string[]> {
  return (await gw.db.selectFrom('connection_events').select('reason').orderBy('id').execute()).map((r) => r.reason);
}

describe('size and recipient limits', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ domains: DOMAINS, config: { smtp: { max_message_size: 2000, max_recipients: 3 } } });
  });
  after(() => gw.stop());

  it('refuses SIZE= over the limit at MAIL FROM with 552 5.3.4', async () => {
    const c = await RawSmtp.connect(gw.port);
    await c.reply();
    const ehlo = await c.cmd('EHLO client.test');
    assert.ok(ehlo.lines.includes('SIZE 2000'), ehlo.text);
    const r = await c.cmd('MAIL FROM:<s@outside.test> SIZE=5000');
    assert.equal(r.code, 552);
    assert.match(r.text, /^5\.3\.4 /);
    c.close();
  });

  it('refuses a message over the limit after DATA with 552 5.3.4 and records it', async () => {
    const { stdout } = await run('swaks', ['--server', `127.0.0.1:${gw.port}`, '--from', 's@outside.test', '--to', 'u@protected.test', '--body', 'x'.repeat(5000)], { timeout: 20_000 }).catch((e: { stdout: string }) => e);
    assert.match(stdout, /<\*\* +552 5\.3\.4 /);
    assert.equal((await gw.db.selectFrom('messages').select('id').execute()).length, 0);
    await eventually(async () => (await reasons(gw)).includes('size'), 'size event');
  });

  it('answers 452 4.5.3 beyond max_recipients and delivers to the accepted ones', async () => {
    const c = await RawSmtp.connect(gw.port);
    await c.envelope('s@outside.test', ['a@protected.test', 'b@protected.test', 'c@protected.test']);
    const r = await c.cmd('RCPT TO:<d@protected.test>');
    assert.equal(r.code, 452);
    assert.match(r.text, /^4\.5\.3 /);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write('Subject: three\r\n\r\nhi\r\n.\r\n');
    const done = await c.reply();
    assert.equal(done.code, 250);
    assert.match(done.text, /^2\.0\.0 queued as [0-9a-z]+$/);
    c.close();
    const id = done.text.split(' ').pop()!;
    const rcpts = await gw.db.selectFrom('message_recipients').select('address').where('message_id', '=', id).orderBy('address').execute();
    assert.deepEqual(rcpts.map((r) => r.address), ['a@protected.test', 'b@protected.test', 'c@protected.test']);
    await eventually(async () => (await reasons(gw)).includes('too_many_recipients'), 'recipients event');
  });
});

describe('connection and rate limits', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ domains: DOMAINS, config: { smtp: { max_connections_per_ip: 3, max_connections: 5, max_messages_per_ip_per_minute: 4 } } });
  });
  after(() => gw.stop());

  it('refuses the connection beyond max_connections_per_ip with 421 4.7.0 and frees slots on close', async () => {
    const open = await Promise.all([1, 2, 3].map(() => RawSmtp.connect(gw.port)));
    for (const c of open) assert.equal((await c.reply()).code, 220);
    const extra = await RawSmtp.connect(gw.port);
    const r = await extra.reply();
    assert.equal(r.code, 421);
    assert.match(r.text, /^4\.7\.0 /);
    await extra.rest();
    assert.ok(extra.closed, 'the refused connection is closed');
    open[0]!.close();
    await eventually(async () => gw.gateway.limits.connections().total === 2, 'slot released');
    const again = await RawSmtp.connect(gw.port);
    assert.equal((await again.reply()).code, 220);
    for (const c of [...open, again]) c.close();
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'all slots released');
  });

  it('refuses beyond the total max_connections with 421 4.7.0', async () => {
    // Per-IP limit 3 < total 5: two loopback source addresses reach the total.
    const a = await Promise.all([1, 2, 3].map(() => RawSmtp.connect(gw.port, '127.0.0.1')));
    const b = await Promise.all([1, 2].map(() => RawSmtp.connect(gw.port, '127.0.0.2')));
    for (const c of [...a, ...b]) assert.equal((await c.reply()).code, 220);
    const extra = await RawSmtp.connect(gw.port, '127.0.0.2');
    const r = await extra.reply();
    assert.equal(r.code, 421);
    assert.match(r.text, /^4\.7\.0 Too many connections,/);
    for (const c of [...a, ...b, extra]) c.close();
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'all slots released');
  });

  it('answers 451 4.7.1 beyond max_messages_per_ip_per_minute', async () => {
    const c = await RawSmtp.connect(gw.port);
    assert.equal((await c.reply()).code, 220);
    await c.cmd('EHLO client.test');
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await c.cmd('MAIL FROM:<s@outside.test>');
      codes.push(`${r.code} ${r.text.slice(0, 5)}`);
      await c.cmd('RSET');
    }
    assert.deepEqual(codes, ['250 2.1.0', '250 2.1.0', '250 2.1.0', '250 2.1.0', '451 4.7.1', '451 4.7.1']);
    c.close();
    const rs = await eventually(async () => {
      const r = await reasons(gw);
      return r.filter((x) => x === 'rate_limit').length === 2 && r.includes('too_many_connections') ? r : null;
    }, 'rate and connection events');
    assert.ok(rs.length >= 4);
  });
});

describe('timeouts and the early-talker check', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ domains: DOMAINS, config: { smtp: { command_timeout: 400, data_timeout: 700, greeting_delay: 300 } } });
  });
  after(() => gw.stop());

  it('drops a client that talks before the greeting with 554', async () => {
    const c = await RawSmtp.connect(gw.port);
    c.write('EHLO early.test\r\n');
    const r = await c.reply();
    assert.equal(r.code, 554);
    await c.rest();
    assert.ok(c.closed);
    await eventually(async () => (await reasons(gw)).includes('early_talker'), 'early talker event');
  });

  it('greets a patient client after the delay', async () => {
    const c = await RawSmtp.connect(gw.port);
    const r = await c.reply();
    assert.equal(r.code, 220);
    assert.match(r.text, /^rampart\.test ESMTP/);
    c.close();
  });

  it('closes an idle session with 421 after command_timeout', async () => {
    const c = await RawSmtp.connect(gw.port);
    assert.equal((await c.reply()).code, 220);
    const r = await c.reply(5000);
    assert.equal(r.code, 421);
    await c.rest();
    assert.ok(c.closed);
  });

  it('closes a session whose DATA takes longer than data_timeout with 421, accepting nothing', async () => {
    const c = await RawSmtp.connect(gw.port);
    await c.envelope('s@outside.test', ['u@protected.test']);
    assert.equal((await c.cmd('DATA')).code, 354);
    // Trickle faster than the idle timeout so only the DATA limit can fire.
    const trickle = setInterval(() => c.write('Subject: slow\r\n'), 150);
    try {
      const r = await c.reply(5000);
      assert.equal(r.code, 421);
      assert.match(r.text, /^4\.4\.2 Data timeout/);
    } finally {
      clearInterval(trickle);
    }
    await c.rest();
    assert.ok(c.closed);
    assert.equal((await gw.db.selectFrom('messages').select('id').execute()).length, 0);
  });
});
