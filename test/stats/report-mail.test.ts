// The programme report by mail: the periods (days from UTC midnight, weeks from Monday), one mail
// per period however many nodes try (SQLite and PostgreSQL), a period given back when it could not
// be queued, and the running gateway mailing the report of what it received over SMTP, delivered
// through its own spool to a real SMTP server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import PostalMime from 'postal-mime';
import { lastPeriod, mailReport } from '../../src/stats/report-mail.js';
import { DATABASES, useStore } from '../helpers/db.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startDownstream, type Downstream } from '../delivery/helpers.js';

const DAY = 86_400_000;

describe('report mail periods', () => {
  it('ends days at UTC midnight, weeks on Monday 00:00 UTC, other intervals on their multiples', () => {
    const now = new Date('2026-12-01T15:38:00Z'); // a Tuesday
    const iso = (p: { since: Date; until: Date }) => [p.since.toISOString(), p.until.toISOString()];
    assert.deepEqual(iso(lastPeriod(now, DAY)), ['2026-11-30T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
    assert.deepEqual(iso(lastPeriod(now, 7 * DAY)), ['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z']);
    assert.equal(new Date('2026-11-30T00:00:00Z').getUTCDay(), 1, 'a Monday');
    assert.deepEqual(iso(lastPeriod(now, 6 * 3_600_000)), ['2026-12-01T06:00:00.000Z', '2026-12-01T12:00:00.000Z']);
    assert.deepEqual(iso(lastPeriod(new Date('2026-11-30T00:00:00Z'), 7 * DAY)), ['2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'], 'at the boundary the period just ended');
  });
});

for (const kind of DATABASES) {
  describe(`report mail, one per period (${kind})`, () => {
    const s = useStore(kind);

    it('is sent by one of several nodes, once; a period that could not be queued is tried again', async (t) => {
      if (!s.store) return t.skip('PostgreSQL unreachable');
      const db = s.store.db;
      const sent: { to: string[]; raw: Buffer }[] = [];
      const base = { to: ['sec@uni.test'], from: 'postmaster@gw.test', intervalMs: 7 * DAY, publicUrl: 'http://console.test/', now: new Date('2026-12-01T15:38:00Z') };
      const node = (name: string) => mailReport(db, { ...base, node: name, submit: async (m) => void sent.push(m) });
      const results = await Promise.all([node('a'), node('b'), node('c')]);
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(sent.length, 1);
      assert.doesNotMatch(sent[0]!.raw.toString(), /[^\r]\n/, 'every line ends in CRLF');
      const mail = await PostalMime.parse(sent[0]!.raw);
      assert.equal(mail.subject, 'Rampart report 2026-11-23 to 2026-11-29: 0 scanned, 0 blocked');
      assert.deepEqual([mail.from?.address, mail.to?.map((t) => t.address)], ['postmaster@gw.test', ['sec@uni.test']]);
      assert.equal(mail.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-generated');
      assert.match(mail.text!, /^All domains, from 2026-11-23T00:00:00\.000Z, until 2026-11-30T00:00:00\.000Z:$/m);
      assert.match(mail.text!, /^  clean 0 · graymail \(bulk newsletters\) 0 · /m, 'the report as `rampart report` prints it, non-ASCII included');
      assert.match(mail.text!, /its messages: http:\/\/console\.test\/report\?since=2026-11-23&until=2026-11-29$/m);
      assert.equal(await node('a'), null, 'a restart does not send the period again');

      // The next week's mail fails to queue: the period is given back and the next run sends it.
      const next = { ...base, now: new Date('2026-12-08T01:00:00Z') };
      await assert.rejects(mailReport(db, { ...next, node: 'a', submit: async () => Promise.reject(new Error('spool full')) }), /spool full/);
      assert.ok(await mailReport(db, { ...next, node: 'b', submit: async (m) => void sent.push(m) }));
      assert.equal(sent.length, 2);
      const winner = ['a', 'b', 'c'][results.findIndex(Boolean)];
      assert.deepEqual((await db.selectFrom('report_mail_runs').select(['period_until', 'node']).orderBy('period_until').execute()).map((r) => [r.period_until, r.node]), [['2026-11-30T00:00:00.000Z', winner], ['2026-12-07T00:00:00.000Z', 'b']]);
      assert.equal(await mailReport(db, { ...base, to: [], node: 'a', submit: async () => assert.fail('no recipients: no mail') }), null);
    });
  });
}

describe('report mail from the running gateway', () => {
  let gw: TestGateway;
  let downstream: Downstream;
  before(async () => {
    downstream = await startDownstream();
    gw = await startTestGateway({
      domains: [{ name: 'protected.test', recipients: ['alice@protected.test'] }],
      config: { report: { mail_to: ['security@uni.test'], interval: '3s' }, delivery: { relay_host: `127.0.0.1:${downstream.port}`, retry_schedule: ['200ms'], poll_interval: '50ms' } },
    });
  });
  after(async () => {
    await gw?.stop();
    await downstream?.close();
  });

  it('mails the report of the mail it received, with the By domain table', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: gw.port, secure: false, ignoreTLS: true, name: 'client.test' });
    await transport.sendMail({ from: 'sender@outside.test', to: 'alice@protected.test', subject: 'hello', text: 'Hello' });
    transport.close();
    const received = await eventually(async () => {
      for (const m of downstream.received.filter((r) => r.to.includes('security@uni.test'))) {
        const parsed = await PostalMime.parse(m.raw);
        if (/^Rampart report .*: [1-9]\d* scanned/.test(parsed.subject ?? '') && /^protected\.test +1 /m.test(parsed.text ?? '')) return { envelope: m, parsed };
      }
      return null;
    }, 'a report that counts the message', 20_000);
    assert.equal(received.envelope.from, gw.config.delivery.postmaster);
    assert.match(received.parsed.text!, /^Scanned \d+ messages for 1 email addresses\.$/m);
    assert.match(received.parsed.text!, /^By domain \(a message to two domains counts in both\):\ndomain +total( +\w+)*\nprotected\.test +1 /m);
  });
});
