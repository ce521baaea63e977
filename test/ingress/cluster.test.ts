// The process model with two SMTP worker processes sharing one port: per-IP and total connection
// limits and the message rate hold across workers (counters in the primary), a dead worker is
// replaced and its slots freed, a load from Postfix's smtp-source is recorded exactly once, and a
// message split by its recipients' policies has all its copies committed by the primary.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { sendWithNodemailer } from '../helpers/nodemailer.js';
import { PolicyRepository } from '../../src/policy/repository.js';
import { SHIPPED_BUT_LIMITS } from '../scan/fake-analyzers.js';

const run = promisify(execFile);

describe('two SMTP worker processes', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      workers: 2,
      domains: [{ name: 'protected.test', catchAll: true }],
      config: { smtp: { max_connections_per_ip: 30, max_messages_per_ip_per_minute: 1000 } },
    });
  });
  after(() => gw.stop());

  it('runs two worker processes on one port', () => {
    const pids = gw.gateway.workerPids();
    assert.equal(pids.length, 2);
    assert.ok(!pids.includes(process.pid));
  });

  it('holds the per-IP connection limit across workers', async () => {
    // Round-robin spreads these over both workers; only a shared counter refuses the 31st.
    const open: RawSmtp[] = [];
    for (let i = 0; i < 30; i++) {
      const c = await RawSmtp.connect(gw.port);
      assert.equal((await c.reply()).code, 220);
      open.push(c);
    }
    assert.equal(gw.gateway.limits.connections().perIp['127.0.0.1'], 30);
    const extra = await RawSmtp.connect(gw.port);
    const r = await extra.reply();
    assert.equal(r.code, 421);
    assert.match(r.text, /^4\.7\.0 /);
    for (const c of [...open, extra]) c.close();
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'slots released');
  });

  it('leaks no slot when clients leave at once (port-scanner style)', async () => {
    const net = await import('node:net');
    await Promise.all(
      Array.from({ length: 200 }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect(gw.port, '127.0.0.1', () => {
            s.destroy();
            resolve();
          });
          s.on('error', () => resolve());
        }),
      ),
    );
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'every slot released');
    const c = await RawSmtp.connect(gw.port);
    assert.equal((await c.reply()).code, 220);
    c.close();
  });

  it('replaces a worker that dies and frees the slots it held', async () => {
    // The test before closes its clients at once: their slots are released asynchronously.
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'slots of earlier tests released');
    const c = await RawSmtp.connect(gw.port);
    assert.equal((await c.reply()).code, 220);
    const c2 = await RawSmtp.connect(gw.port);
    assert.equal((await c2.reply()).code, 220);
    assert.equal(gw.gateway.limits.connections().total, 2);
    const [victim] = gw.gateway.workerPids();
    process.kill(victim!, 'SIGKILL');
    await eventually(async () => gw.gateway.limits.connections().total === 1, "the dead worker's slot freed");
    await eventually(async () => {
      const pids = gw.gateway.workerPids();
      return pids.length === 2 && !pids.includes(victim!);
    }, 'a replacement worker');
    c.close();
    c2.close();
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'slots released');
    const again = await RawSmtp.connect(gw.port);
    assert.equal((await again.reply()).code, 220);
    again.close();
  });

  it('records 200 messages from smtp-source over 10 sessions exactly once each', async () => {
    const before = (await gw.db.selectFrom('messages').select('id').execute()).length;
    await run('smtp-source', ['-s', '10', '-m', '200', '-l', '2000', '-f', 'sender@outside.test', '-t', 'rcpt@protected.test', `127.0.0.1:${gw.port}`], { timeout: 60_000 });
    const rows = await gw.db.selectFrom('messages').select(['id', 'mail_from']).execute();
    assert.equal(rows.length - before, 200);
    const rcpts = await gw.db.selectFrom('message_recipients').select('message_id').where('address', '=', 'rcpt@protected.test').execute();
    assert.equal(rcpts.length, 200);
    assert.equal(new Set(rcpts.map((r) => r.message_id)).size, 200, 'each message once');
  });
});

describe('message rate and total connections across workers', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      workers: 2,
      domains: [{ name: 'protected.test', catchAll: true }],
      config: { smtp: { max_messages_per_ip_per_minute: 6, max_connections: 4, max_connections_per_ip: 3 } },
    });
  });
  after(() => gw.stop());

  it('holds the total connection limit across workers', async () => {
    const a = [await RawSmtp.connect(gw.port, '127.0.0.1'), await RawSmtp.connect(gw.port, '127.0.0.1')];
    const b = [await RawSmtp.connect(gw.port, '127.0.0.2'), await RawSmtp.connect(gw.port, '127.0.0.2')];
    for (const c of [...a, ...b]) assert.equal((await c.reply()).code, 220);
    const extra = await RawSmtp.connect(gw.port, '127.0.0.3');
    const r = await extra.reply();
    assert.equal(r.code, 421);
    assert.match(r.text, /^4\.7\.0 Too many connections,/);
    for (const c of [...a, ...b, extra]) c.close();
    await eventually(async () => gw.gateway.limits.connections().total === 0, 'slots released');
  });

  it('counts MAIL FROM of every worker against one per-IP rate', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      // A new connection each time: round-robin alternates the workers.
      const c = await RawSmtp.connect(gw.port);
      await c.reply();
      await c.cmd('EHLO client.test');
      codes.push((await c.cmd('MAIL FROM:<a@outside.test>')).code);
      await c.cmd('RSET');
      codes.push((await c.cmd('MAIL FROM:<a@outside.test>')).code);
      c.close();
    }
    assert.deepEqual(codes, [250, 250, 250, 250, 250, 250, 451, 451]);
  });
});

describe('a split message from an SMTP worker process', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      workers: 1,
      domains: [
        { name: 'open.test', catchAll: true },
        { name: 'held.test', catchAll: true },
      ],
      config: { scan: { enabled: true, threads: 1, disabled: SHIPPED_BUT_LIMITS } },
    });
    await new PolicyRepository(gw.db).setAction('held.test', 'clean', 'quarantine');
  });
  after(() => gw?.stop());

  it("commits the copies the worker wrote, each with its recipients and status", async () => {
    // The worker's policy cache may predate the action above for a moment.
    await eventually(async () => {
      const r = await sendWithNodemailer(gw.port, { from: 'a@outside.test', to: 'x@open.test, y@held.test', subject: 'two copies', text: 'hello\n' });
      assert.ok(r.ok, JSON.stringify(r));
      return r.response.split(' ').length === 6;
    }, 'a split reply: queued as ID ID');
    const rows = await gw.db
      .selectFrom('messages')
      .innerJoin('message_recipients', 'message_recipients.message_id', 'messages.id')
      .select(['messages.status', 'message_recipients.address'])
      .where('messages.subject', '=', 'two copies')
      .orderBy('messages.received_at', 'desc')
      .limit(2)
      .execute();
    assert.deepEqual(rows.map((r) => `${r.address} ${r.status}`).sort(), ['x@open.test queued', 'y@held.test quarantined']);
  });
});
