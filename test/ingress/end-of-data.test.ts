// The end of DATA with Nodemailer as the client: the injected scan hook's decisions (accept,
// quarantine with headers and verdict, reject recorded in the trace, tempfail), its failures and
// timeouts under both scan.on_failure settings, spool failures, and the injected connection check.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sendWithNodemailer } from '../helpers/nodemailer.js';
import type { ScanHook, ScanInput } from '../../src/ingress/scan-hook.js';
import type { Verdict } from '../../src/scan/types.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { queuedIds } from '../../src/ingress/server.js';

const verdict = (over: Partial<Verdict> = {}): Verdict => ({
  score: 7.5,
  category: 'spam',
  action: 'quarantine',
  symbols: [{ name: 'BAYES_SPAM', score: 7.5, detail: 'p=0.99' }],
  addHeaders: [
    { key: 'x-rampart-category', value: 'spam' },
    { key: 'authentication-results', value: 'rampart.test; spf=pass' },
  ],
  ...over,
});

function sendMail(port: number, subject: string, to = 'alice@protected.test') {
  return sendWithNodemailer(port, { from: 'Sender <sender@outside.test>', to, subject, text: 'Hello from Nodemailer\nline two', messageId: `<${subject.replace(/\W/g, '')}@outside.test>` });
}

describe('end of DATA: scan hook and spool', () => {
  let gw: TestGateway;
  let seen: ScanInput[] = [];
  const useHook = (hook: ScanHook) => {
    gw.gateway.ingress!.ingress.setScanHook(async (input) => {
      seen.push(input);
      return hook(input);
    });
  };
  before(async () => {
    gw = await startTestGateway({ domains: [{ name: 'protected.test', recipients: ['alice@protected.test'] }], config: { scan: { timeout: 300 } } });
  });
  after(() => gw.stop());

  it('passes the whole message with envelope and domains to the hook and spools an accept', async () => {
    seen = [];
    const r = await sendMail(gw.port, 'plain accept');
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.response, /^250 2\.0\.0 queued as [0-9a-z]+$/);
    const id = r.response.split(' ').pop()!;
    const row = await gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'queued');
    assert.equal(row.subject, 'plain accept');
    assert.equal(row.message_id, '<plainaccept@outside.test>');
    assert.equal(row.mail_from, 'sender@outside.test');
    assert.equal(row.helo, 'client.test');
    assert.equal(row.category, null, 'the pass-through default gives no verdict');
    const raw = readFileSync(row.spool_path);
    assert.equal(row.size, raw.length);
    assert.match(raw.toString(), /^Received: from client\.test /);
    assert.match(raw.toString(), /Hello from Nodemailer\r\nline two/);
  });

  it('quarantines with verdict columns and prepends the verdict headers', async () => {
    seen = [];
    useHook(async () => ({ kind: 'accept', verdict: verdict(), quarantine: true }));
    const r = await sendMail(gw.port, 'quarantine me');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]!.domains, ['protected.test']);
    assert.deepEqual(seen[0]!.envelope.rcptTo, ['alice@protected.test']);
    assert.equal(seen[0]!.envelope.clientIp, '127.0.0.1');
    assert.match(seen[0]!.raw.toString(), /^Received: /);
    const id = r.response.split(' ').pop()!;
    const row = await gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'quarantined');
    assert.equal(row.category, 'spam');
    assert.equal(row.score, 7.5);
    assert.equal(row.action, 'quarantine');
    assert.deepEqual(JSON.parse(row.symbols!), [{ name: 'BAYES_SPAM', score: 7.5, detail: 'p=0.99' }]);
    const rcpt = await gw.db.selectFrom('message_recipients').selectAll().where('message_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(rcpt.status, 'held');
    const raw = readFileSync(row.spool_path, 'utf8');
    assert.match(raw, /^X-Rampart-Category: spam\r\nAuthentication-Results: rampart\.test; spf=pass\r\nReceived: from /);
  });

  it('refuses a reject with 550 5.7.1 and records it in the trace without a spool file', async () => {
    useHook(async () => ({ kind: 'reject', verdict: verdict({ category: 'malware', action: 'reject', score: 100 }), reason: 'Message contains malware' }));
    const r = await sendMail(gw.port, 'reject me');
    assert.ok(!r.ok);
    assert.equal(r.code, 550);
    assert.match(r.response, /^550 5\.7\.1 Message contains malware/);
    const row = await gw.db.selectFrom('messages').selectAll().where('subject', '=', 'reject me').executeTakeFirstOrThrow();
    assert.equal(row.status, 'rejected');
    assert.equal(row.category, 'malware');
    assert.equal(row.spool_path, '');
    const rcpt = await gw.db.selectFrom('message_recipients').selectAll().where('message_id', '=', row.id).executeTakeFirstOrThrow();
    assert.equal(rcpt.address, 'alice@protected.test');
    assert.match(rcpt.last_reply ?? '', /^550 5\.7\.1 /);
  });

  it('answers 451 4.7.0 to a tempfail decision', async () => {
    useHook(async () => ({ kind: 'tempfail', reason: 'Try later please' }));
    const r = await sendMail(gw.port, 'tempfail me');
    assert.ok(!r.ok);
    assert.match(r.response, /^451 4\.7\.0 Try later please/);
    assert.equal(await gw.db.selectFrom('messages').select('id').where('subject', '=', 'tempfail me').executeTakeFirst(), undefined);
  });

  it('turns a throwing or hanging hook into 451 4.7.0 (on_failure tempfail), never a delivery', async () => {
    useHook(async () => {
      throw new Error('analyzer exploded');
    });
    const thrown = await sendMail(gw.port, 'hook throws');
    assert.ok(!thrown.ok);
    assert.match(thrown.response, /^451 4\.7\.0 /);
    useHook(() => new Promise(() => {}));
    const hung = await sendMail(gw.port, 'hook hangs');
    assert.ok(!hung.ok);
    assert.match(hung.response, /^451 4\.7\.0 /);
    const rows = await gw.db.selectFrom('messages').select('id').where('subject', 'in', ['hook throws', 'hook hangs']).execute();
    assert.equal(rows.length, 0);
    await eventually(async () => (await gw.db.selectFrom('connection_events').select('id').where('reason', '=', 'scan_failed').execute()).length === 2, 'scan_failed events');
  });

  it('answers 451 4.3.0 when the spool cannot write, leaving nothing behind', async () => {
    useHook(async () => ({ kind: 'accept', verdict: null, quarantine: false }));
    const queue = path.join(gw.dataDir, 'spool', 'queue');
    const before = (await gw.db.selectFrom('messages').select('id').execute()).length;
    rmSync(queue, { recursive: true, force: true });
    writeFileSync(queue, 'not a directory');
    try {
      const r = await sendMail(gw.port, 'spool broken');
      assert.ok(!r.ok);
      assert.match(r.response, /^451 4\.3\.0 /);
      assert.equal((await gw.db.selectFrom('messages').select('id').execute()).length, before);
    } finally {
      rmSync(queue, { force: true });
      const { mkdirSync } = await import('node:fs');
      mkdirSync(queue);
    }
  });
});

describe('end of DATA with scan.on_failure accept_and_quarantine', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      domains: [{ name: 'protected.test', recipients: ['alice@protected.test'] }],
      config: { scan: { timeout: 300, on_failure: 'accept_and_quarantine' } },
      ingress: { scanHook: () => new Promise(() => {}) },
    });
  });
  after(() => gw.stop());

  it('spools a message whose scan timed out as quarantined, with a SCAN_FAIL symbol', async () => {
    const r = await sendMail(gw.port, 'scan times out');
    assert.ok(r.ok, JSON.stringify(r));
    const row = await gw.db.selectFrom('messages').selectAll().where('subject', '=', 'scan times out').executeTakeFirstOrThrow();
    assert.equal(row.status, 'quarantined');
    assert.match(row.symbols ?? '', /SCAN_FAIL/);
  });
});

describe('injected connection check', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      domains: [{ name: 'protected.test', catchAll: true }],
      ingress: {
        connectionCheck: async (ctx) =>
          ctx.stage === 'rcpt' && ctx.recipient === 'blocked@protected.test'
            ? { code: 550, enhanced: '5.7.1', message: 'Listed at dnsbl.test', reason: 'dnsbl' }
            : ctx.stage === 'mail' && ctx.sender === 'spammer@bad.test'
              ? { code: 554, enhanced: '5.7.1', message: 'Sender blocked', reason: 'blocklist' }
              : null,
      },
    });
  });
  after(() => gw.stop());

  it('refuses with the check’s reply and records its reason', async () => {
    const a = await sendMail(gw.port, 'to blocked', 'blocked@protected.test');
    assert.ok(!a.ok);
    assert.match(a.response, /^550 5\.7\.1 Listed at dnsbl\.test/);
    const ok = await sendMail(gw.port, 'to fine', 'fine@protected.test');
    assert.ok(ok.ok, JSON.stringify(ok));
    const events = await eventually(async () => {
      const rows = await gw.db.selectFrom('connection_events').selectAll().execute();
      return rows.length ? rows : null;
    }, 'dnsbl event');
    assert.deepEqual(events.map((e) => [e.stage, e.reason, e.domain]), [['rcpt', 'dnsbl', 'protected.test']]);
  });
});

describe("the 250 reply of a message split into copies", () => {
  it('names every queue id while they fit, else the first ones and how many more, within the 512-octet reply line', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `q${String(i).padStart(15, '0')}`);
    assert.equal(queuedIds(ids.slice(0, 1)), ids[0]);
    assert.equal(queuedIds(ids.slice(0, 3)), ids.slice(0, 3).join(' '));
    const long = queuedIds(ids);
    assert.ok(long.length <= 400, `${long.length} octets`);
    const named = long.split(' and ')[0]!.split(' ');
    assert.deepEqual(named, ids.slice(0, named.length));
    assert.equal(long.split(' and ')[1], `${100 - named.length} more`);
  });
});
