// End to end: real SMTP (Nodemailer) into a gateway whose scan hook is the real scan service
// (worker pool, analyzers on main, stored policy). The verdict lands in `messages`; a reject
// policy answers 550 before any 250; quarantine stores status quarantined; tag rewrites Subject;
// recipients whose policies disagree get one copy each of what their policy does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sendWithNodemailer } from '../helpers/nodemailer.js';
import { parseMessage } from '../../src/message/parse.js';
import { PolicyRepository } from '../../src/policy/repository.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SHIPPED_BUT_LIMITS } from './fake-analyzers.js';

function send(port: number, to: string, subject: string, from = 'sender@outside.test') {
  return sendWithNodemailer(port, { from, to, subject, text: 'Hello\n', messageId: `<${subject.replace(/\W/g, '')}@outside.test>` });
}

describe('scan service behind real SMTP', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      workers: 0,
      config: { scan: { enabled: true, threads: 1, timeout: 20_000, disabled: SHIPPED_BUT_LIMITS } },
      domains: [
        { name: 'open.test', catchAll: true },
        { name: 'strict.test', catchAll: true },
        { name: 'held.test', catchAll: true },
        { name: 'tagged.test', catchAll: true },
      ],
    });
    const policy = new PolicyRepository(gw.db);
    await policy.setAction('strict.test', 'clean', 'reject');
    await policy.setAction('held.test', 'clean', 'quarantine');
    await policy.setAction('tagged.test', 'clean', 'tag', { subjectPrefix: '[Geprüft]' });
    await policy.addListEntry('open.test', 'block', 'outside-blocked.test');
    await policy.addListEntry('kim@open.test', 'block', 'pest.test');
  });
  after(() => gw?.stop());

  const row = (subject: string) => gw.db.selectFrom('messages').selectAll().where('subject', '=', subject).executeTakeFirst();

  it('stores the verdict of an accepted message', async () => {
    const r = await send(gw.port, 'a@open.test', 'plain one');
    assert.ok(r.ok, JSON.stringify(r));
    const m = await row('plain one');
    assert.equal(m?.status, 'queued');
    assert.equal(m?.category, 'clean');
    assert.equal(m?.action, 'deliver');
    assert.equal(m?.score, 0);
    assert.deepEqual(JSON.parse(m!.symbols!), []);
    const spooled = readFileSync(m!.spool_path, 'latin1');
    assert.match(spooled, /^X-Rampart-Category: clean\r\nX-Rampart-Score: 0\.00\r\n/);
  });

  it('answers 550 for a reject policy and records the message as rejected', async () => {
    const r = await send(gw.port, 'b@strict.test', 'refused one');
    assert.equal(r.ok, false);
    assert.equal(r.ok ? 0 : r.code, 550);
    assert.match(r.response, /^550 5\.7\.1 Message refused: clean/);
    const m = await row('refused one');
    assert.equal(m?.status, 'rejected');
    assert.equal(m?.action, 'reject');
    assert.equal(m?.category, 'clean');
  });

  it("splits a message whose recipients' policies disagree: one copy per outcome, a refusing domain's copy held", async () => {
    const r = await send(gw.port, 'a@open.test, b@strict.test, c@held.test, d@tagged.test, e@open.test', 'mixed one');
    assert.ok(r.ok, JSON.stringify(r));
    const ids = /^250 2\.0\.0 queued as ((?:[0-9a-z]+ ?)+)$/.exec(r.response)![1]!.split(' ');
    assert.equal(ids.length, 4);
    const copies = [];
    const arrived = new Set<string>();
    for (const id of ids) {
      const m = await gw.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const rcpts = await gw.db.selectFrom('message_recipients').select(['address', 'status']).where('message_id', '=', id).orderBy('address').execute();
      const split = JSON.parse(m.symbols!).find((s: { name: string }) => s.name === 'POLICY_SPLIT')?.detail;
      const parsed = await parseMessage(readFileSync(m.spool_path));
      copies.push([m.status, m.action, rcpts.map((x) => `${x.address} ${x.status}`), split, parsed.subject, parsed.headers.find((h) => h.key === 'x-spam-flag')?.value ?? null]);
      assert.equal(m.message_id, '<mixedone@outside.test>', 'every copy keeps the Message-ID: the trace finds them all');
      arrived.add(m.received_at);
    }
    assert.equal(arrived.size, 1, 'the copies were received once, at one time');
    assert.deepEqual(copies, [
      ['queued', 'deliver', ['a@open.test queued', 'e@open.test queued'], 'copy 1 of 4, for 2 recipients', 'mixed one', null],
      ['quarantined', 'quarantine', ['b@strict.test held'], 'copy 2 of 4, for b@strict.test: refused by their policy, held because the message was accepted for its other recipients', 'mixed one', null],
      ['quarantined', 'quarantine', ['c@held.test held'], 'copy 3 of 4, for c@held.test', 'mixed one', null],
      ['queued', 'tag', ['d@tagged.test queued'], 'copy 4 of 4, for d@tagged.test', '[Geprüft] mixed one', 'YES'],
    ]);
  });

  it('refuses a message once when every recipient refuses it, for whatever reason each', async () => {
    const r = await send(gw.port, 'b@strict.test, kim@open.test', 'refused twice', 'x@pest.test');
    assert.equal(r.ok ? 0 : r.code, 550);
    const m = await row('refused twice');
    assert.equal(m?.status, 'rejected');
    const rcpts = await gw.db.selectFrom('message_recipients').select('address').where('message_id', '=', m!.id).orderBy('address').execute();
    assert.deepEqual(rcpts.map((x) => x.address), ['b@strict.test', 'kim@open.test']);
  });

  it('refuses a blocked sender domain', async () => {
    const r = await send(gw.port, 'a@open.test', 'blocked one', 'x@mail.outside-blocked.test');
    assert.equal(r.ok ? 0 : r.code, 550);
    assert.match(r.response, /sender is blocked by policy/);
    const m = await row('blocked one');
    assert.ok(JSON.parse(m!.symbols!).some((s: { name: string; detail: string }) => s.name === 'POLICY_BLOCKLIST' && /outside-blocked\.test/.test(s.detail)));
  });

  it("refuses a sender on the recipient's personal block list, for that recipient alone", async () => {
    const r = await send(gw.port, 'kim@open.test', 'pest one', 'x@pest.test');
    assert.equal(r.ok ? 0 : r.code, 550);
    assert.match(r.response, /sender is blocked by policy/);
    assert.equal(JSON.parse((await row('pest one'))!.symbols!).find((s: { name: string }) => s.name === 'POLICY_BLOCKLIST')?.detail, 'kim@open.test block list: pest.test');
    const other = await send(gw.port, 'lee@open.test', 'pest two', 'x@pest.test');
    assert.ok(other.ok, JSON.stringify(other));
  });

  it('quarantines per policy', async () => {
    const r = await send(gw.port, 'c@held.test', 'held one');
    assert.ok(r.ok);
    const m = await row('held one');
    assert.equal(m?.status, 'quarantined');
    assert.equal(m?.action, 'quarantine');
    const rcpts = await gw.db.selectFrom('message_recipients').select('status').where('message_id', '=', m!.id).execute();
    assert.deepEqual(rcpts.map((x) => x.status), ['held']);
  });

  it('tags with headers and an encoded subject prefix', async () => {
    const r = await send(gw.port, 'd@tagged.test', 'tagged one');
    assert.ok(r.ok);
    const m = await row('tagged one');
    assert.equal(m?.action, 'tag');
    const spooled = readFileSync(m!.spool_path);
    const parsed = await parseMessage(spooled);
    assert.equal(parsed.subject, '[Geprüft] tagged one');
    assert.ok(parsed.headers.some((h) => h.key === 'x-spam-flag' && h.value === 'YES'));
    assert.equal(parsed.headers.filter((h) => h.key === 'subject').length, 1);
    assert.match(spooled.toString('latin1'), /\r\nSubject: =\?UTF-8\?B\?/);
  });
});
