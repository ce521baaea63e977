// SMTP smuggling: only <CR><LF>.<CR><LF> ends DATA. Every other "end of data" spelling, and any
// bare CR or LF in the body, must neither end the message early nor let a second message in;
// such a message is refused whole with 550 5.6.11. Driven with a raw socket, asserted on the
// replies and on what reached the messages table and the spool.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp } from '../helpers/smtp-client.js';

const SMUGGLED = 'MAIL FROM:<ceo@protected.test>\r\nRCPT TO:<victim@protected.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n';

const variants: [string, string][] = [
  ['<LF>.<LF>', '\n.\n'],
  ['<LF>.<CR><LF>', '\n.\r\n'],
  ['<CR><LF>.<LF>', '\r\n.\n'],
  ['<CR>.<CR>', '\r.\r'],
  ['<CR><LF>.<CR>', '\r\n.\r'],
  ['<CR>.<CR><LF>', '\r.\r\n'],
];

describe('SMTP smuggling (raw socket)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ domains: [{ name: 'protected.test', recipients: ['victim@protected.test', 'user@protected.test'] }] });
  });
  after(() => gw.stop());

  const count = async () => (await gw.db.selectFrom('messages').select('id').execute()).length;

  /** Sends one message whose body is `body` (then the real terminator) and returns every reply after 354. */
  async function send(body: string): Promise<{ replies: string[]; before: number; after: number }> {
    const before = await count();
    const c = await RawSmtp.connect(gw.port);
    await c.envelope('sender@outside.test', ['user@protected.test']);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write(body + '\r\n.\r\n');
    const first = await c.reply();
    c.write('QUIT\r\n');
    const replies = [`${first.code} ${first.text}`];
    const rest = await c.rest();
    replies.push(...rest.split('\r\n').filter(Boolean));
    c.close();
    return { replies, before, after: await count() };
  }

  for (const [name, seq] of variants) {
    it(`${name} neither ends DATA nor lets a second message through`, async () => {
      const r = await send(`Subject: first\r\n\r\nhello${seq}${SMUGGLED}`);
      assert.match(r.replies[0]!, /^550 5\.6\.11 /, r.replies.join(' | '));
      assert.equal(r.replies.length, 2, `exactly the DATA reply and the QUIT reply: ${r.replies.join(' | ')}`);
      assert.match(r.replies[1]!, /^221 /);
      assert.equal(r.after, r.before, 'nothing reached the messages table');
    });
  }

  it('refuses a bare LF in the body', async () => {
    const r = await send('Subject: x\r\n\r\nline one\nline two');
    assert.match(r.replies[0]!, /^550 5\.6\.11 /);
    assert.equal(r.after, r.before);
  });

  it('refuses a bare CR in the body', async () => {
    const r = await send('Subject: x\r\n\r\nline one\rline two');
    assert.match(r.replies[0]!, /^550 5\.6\.11 /);
    assert.equal(r.after, r.before);
  });

  it('refuses a bare LF split across TCP segments', async () => {
    const before = await count();
    const c = await RawSmtp.connect(gw.port);
    await c.envelope('sender@outside.test', ['user@protected.test']);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write('Subject: x\r\n\r\nabc\r');
    await new Promise((r) => setTimeout(r, 50));
    c.write('def\r\n.\r\n');
    assert.match(`${(await c.reply()).code}`, /^550$/);
    c.close();
    assert.equal(await count(), before);
  });

  it('accepts proper CRLF mail with dot-stuffing, pipelined, exactly once each', async () => {
    const before = await count();
    const c = await RawSmtp.connect(gw.port);
    assert.equal((await c.reply()).code, 220);
    assert.equal((await c.cmd('EHLO client.test')).code, 250);
    const msg = (n: number) => `MAIL FROM:<s@outside.test>\r\nRCPT TO:<user@protected.test>\r\nDATA\r\nSubject: m${n}\r\n\r\n..leading dot\r\n.\r\n`;
    c.write(msg(1) + msg(2));
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await c.reply()).code);
    assert.deepEqual(codes, [250, 250, 354, 250, 250, 250, 354, 250]);
    c.close();
    const rows = await gw.db.selectFrom('messages').selectAll().where('subject', 'in', ['m1', 'm2']).execute();
    assert.equal(rows.length, 2);
    assert.equal(await count(), before + 2);
    const body = readFileSync(rows[0]!.spool_path, 'latin1');
    assert.match(body, /^Received: from client\.test \((?:[a-z0-9.-]+ )?\[127\.0\.0\.1\]\)\r\n\tby rampart\.test \(Rampart\) with ESMTP\r\n\tfor <user@protected\.test>;/);
    assert.ok(body.endsWith('\r\n\r\n.leading dot\r\n'), JSON.stringify(body.slice(-40)));
  });
});
