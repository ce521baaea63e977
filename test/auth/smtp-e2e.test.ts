// Sender authentication end to end, through SMTP: a real gateway (scan engine with the auth analyzer,
// stored policy, spool, delivery) whose resolver is the in-process DNS server serving this file's
// fixture zones (*.e2e.test: SPF, a DKIM key generated per run, DMARC), Postfix's smtp-sink as every
// protected domain's downstream, Nodemailer and a raw SMTP client as senders from 127.0.0.1.
//  - signed + SPF-authorised mail is delivered with Authentication-Results spf/dkim/dmarc=pass;
//  - a p=reject spoof (unsigned, SPF fail) gets 550 5.7.1 at end of DATA where auth_failed is
//    rejected, and is quarantined (250) where auth_failed is quarantined; neither reaches the sink;
//  - a Subject changed after signing is DKIM_INVALID.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sendWithNodemailer } from '../helpers/nodemailer.js';
import { PolicyRepository } from '../../src/policy/repository.js';
import { ALL_ANALYZERS } from '../../src/scan/analyzers/index.js';
import { AUTH_SYMBOLS } from '../../src/scan/analyzers/auth/symbols.js';
import { startDnsServer, type DnsFixture } from '../helpers/dns-server.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { RawSmtp, type Reply } from '../helpers/smtp-client.js';
import { rsaKey, sign, type TestKey } from './keys.js';
import { freePort } from '../helpers/ports.js';

// Sender side: SPF authorises the loopback client the gateway sees; the spoofed bank never does.
const SENDER = 'sender.e2e.test';
const SELECTOR = 'e2e';
const BANK = 'bank.e2e.test';
// Recipient side (protected domains, all routed to the sink): default policy, reject and quarantine auth_failed.
const INBOX = 'inbox.e2e.test';
const STRICT = 'strict.e2e.test';
const HELD = 'held.e2e.test';
const HELO = 'client.e2e.test';
const AUTH_NAMES = new Set(AUTH_SYMBOLS.map((s) => s.name));

let key: TestKey;
let dns: DnsFixture;
let gw: TestGateway;
let sink: ChildProcess;
const dump = mkdtempSync(path.join(os.tmpdir(), 'rampart-auth-sink-'));
const run = randomUUID().slice(0, 8);


function message(opts: { from: string; to: string; subject: string; id: string }): string {
  return [
    `From: Alice <${opts.from}>`,
    `To: <${opts.to}>`,
    `Subject: ${opts.subject}`,
    `Message-ID: <${opts.id}>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello,',
    'the quarterly report is attached.',
    '',
  ].join('\r\n');
}

/** Sends a prepared message unchanged (raw) with Nodemailer; the SMTP reply or error. */
function sendRaw(from: string, to: string, raw: string) {
  return sendWithNodemailer(gw.port, { envelope: { from, to: [to] }, raw }, HELO);
}

/** One transaction with the raw client: every reply in order, the last one being the end-of-DATA reply. */
async function rawTransaction(from: string, to: string, raw: string): Promise<Reply[]> {
  const c = await RawSmtp.connect(gw.port, '127.0.0.1');
  try {
    const replies = [await c.reply(), await c.cmd(`EHLO ${HELO}`), await c.cmd(`MAIL FROM:<${from}>`), await c.cmd(`RCPT TO:<${to}>`), await c.cmd('DATA')];
    // No line of these messages starts with '.', so no dot-stuffing is needed.
    c.write(`${raw.endsWith('\r\n') ? raw : `${raw}\r\n`}.\r\n`);
    replies.push(await c.reply(30_000));
    await c.cmd('QUIT').catch(() => null);
    return replies;
  } finally {
    c.close();
  }
}

type Row = Awaited<ReturnType<typeof rowOf>>;
const rowOf = (messageId: string) =>
  gw.db.selectFrom('messages').selectAll().where('message_id', 'in', [messageId, `<${messageId}>`]).executeTakeFirst();

interface Sym {
  name: string;
  score: number;
  detail?: string;
}
const symbolsOf = (row: Row): Sym[] => (row?.symbols ? (JSON.parse(row.symbols) as Sym[]) : []);
const authNames = (row: Row) => symbolsOf(row).map((s) => s.name).filter((n) => AUTH_NAMES.has(n)).sort();

/** Printed by every assertion: the recorded verdict with each symbol's detail. */
function explain(row: Row, extra = ''): string {
  if (!row) return `no messages row${extra ? `; ${extra}` : ''}`;
  const syms = symbolsOf(row).map((s) => `  ${s.name} (${s.score})${s.detail ? `: ${s.detail}` : ''}`).join('\n');
  return `status=${row.status} category=${row.category} action=${row.action} score=${row.score} client_ip=${row.client_ip}\nsymbols:\n${syms || '  (none)'}${extra ? `\n${extra}` : ''}`;
}

function sinkFiles(): string[] {
  return readdirSync(dump, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

/** The sink's dump of the message with this Message-ID, or undefined. */
function inSink(messageId: string): string | undefined {
  for (const f of sinkFiles()) {
    const text = readFileSync(f, 'latin1');
    if (text.includes(`Message-ID: <${messageId}>`)) return text;
  }
  return undefined;
}

before(async () => {
  key = rsaKey(2048); // fresh per run
  const txt = (data: string) => [{ type: 'TXT' as const, data }];
  dns = await startDnsServer({
    [SENDER]: txt('v=spf1 ip4:127.0.0.1 -all'),
    [`${SELECTOR}._domainkey.${SENDER}`]: txt(key.txt),
    [`_dmarc.${SENDER}`]: txt('v=DMARC1; p=reject'),
    [BANK]: txt('v=spf1 ip4:192.0.2.1 -all'),
    [`_dmarc.${BANK}`]: txt('v=DMARC1; p=reject'),
  });

  chmodSync(dump, 0o777);
  const sinkPort = await freePort();
  sink = spawn('/usr/sbin/smtp-sink', ['-u', 'nobody', '-d', `${dump}/%H%M%S.`, `127.0.0.1:${sinkPort}`, '64'], { stdio: 'ignore' });
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const c = createConnection(sinkPort, '127.0.0.1');
        c.once('data', () => (c.destroy(), resolve(true)));
        c.once('error', () => resolve(false));
      }),
    'smtp-sink listening',
  );

  const route = [{ host: '127.0.0.1', port: sinkPort, tls: 'none' as const }];
  gw = await startTestGateway({
    workers: 0,
    config: {
      dns: { servers: [dns.address], timeout: 1000 },
      // Only sender authentication: the verdict is its symbols alone (malware would need a clamd).
      scan: { enabled: true, threads: 1, timeout: 20_000, disabled: ALL_ANALYZERS.filter((a) => a.name !== 'auth').map((a) => a.name), analyzers: { auth: { mta: 'rampart.test' } } },
      delivery: { poll_interval: 200 },
    },
    domains: [INBOX, STRICT, HELD].map((name) => ({ name, catchAll: true, routes: route })),
  });
  const policy = new PolicyRepository(gw.db);
  await policy.setAction(STRICT, 'auth_failed', 'reject');
  await policy.setAction(HELD, 'auth_failed', 'quarantine');
});

after(async () => {
  await gw?.stop();
  sink?.kill('SIGTERM');
  await dns?.close();
  rmSync(dump, { recursive: true, force: true });
});

/** An unsigned message From the p=reject bank, from an IP its SPF does not allow, over raw SMTP. */
async function spoof(tag: string, domain: string) {
  const id = `spoof-${tag}.${run}@${BANK}`;
  const raw = message({ from: `ceo@${BANK}`, to: `bob@${domain}`, subject: `Spoof ${tag} ${run}`, id });
  const replies = await rawTransaction(`ceo@${BANK}`, `bob@${domain}`, raw);
  const row = await rowOf(id);
  return { id, replies, row, why: explain(row, `SMTP replies: ${replies.map((x) => `${x.code} ${x.text}`).join(' | ')}`) };
}

describe('sender authentication through SMTP (gateway, in-process DNS, smtp-sink)', () => {
  it('delivers a signed, SPF-authorised message with spf/dkim/dmarc=pass and records the pass symbols', async () => {
    const id = `signed.${run}@${SENDER}`;
    const raw = await sign(message({ from: `alice@${SENDER}`, to: `bob@${INBOX}`, subject: `Signed ${run}`, id }), SENDER, SELECTOR, key);
    const r = await sendRaw(`alice@${SENDER}`, `bob@${INBOX}`, raw);
    const row = await rowOf(id);
    assert.ok(r.ok, explain(row, `SMTP: ${r.code} ${r.response}`));
    assert.deepEqual(authNames(row), ['ARC_NONE', 'DKIM_VALID', 'DMARC_PASS', 'SPF_PASS'], explain(row));
    assert.equal(row?.category, 'clean', explain(row));
    assert.equal(row?.action, 'deliver', explain(row));

    const dumped = await eventually(async () => inSink(id), 'the message in smtp-sink', 20_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${explain(await rowOf(id))}`);
    });
    const ar = /^Authentication-Results:.*(?:\r?\n[ \t].*)*/im.exec(dumped)?.[0] ?? '';
    const why = explain(await rowOf(id), `Authentication-Results in the sink: ${JSON.stringify(ar)}`);
    assert.match(ar, /^Authentication-Results: rampart\.test;/i, why);
    assert.match(ar, /\bspf=pass\b/, why);
    assert.match(ar, /\bdkim=pass\b/, why);
    assert.match(ar, /\bdmarc=pass\b/, why);
    // The DKIM signature arrived intact alongside the gateway's header.
    assert.match(dumped, /^DKIM-Signature: .*d=sender\.e2e\.test/im, why);
    const delivered = await eventually(async () => ((await rowOf(id))?.status === 'delivered' ? rowOf(id) : null), 'status delivered');
    assert.equal(delivered?.status, 'delivered', explain(delivered));
  });

  it('refuses a p=reject spoof with 550 5.7.1 at end of DATA where auth_failed is rejected; nothing reaches the sink', async () => {
    const { id, replies, row, why } = await spoof('reject', STRICT);
    assert.deepEqual(replies.slice(0, 5).map((x) => x.code), [220, 250, 250, 250, 354], why);
    const final = replies[5]!;
    assert.equal(final.code, 550, why); // the first and only reply to the data: no 250 came before it
    assert.match(final.text, /^5\.7\.1 /, why);
    assert.ok(authNames(row).includes('DMARC_FAIL_REJECT'), why);
    assert.ok(authNames(row).includes('SPF_FAIL'), why);
    assert.ok(authNames(row).includes('DKIM_NONE'), why);
    assert.equal(row?.status, 'rejected', why);
    assert.equal(row?.category, 'auth_failed', why);
    assert.equal(row?.action, 'reject', why);

    // A control message to the same domain reaches the sink; the spoof never did.
    const cid = `control.${run}@${SENDER}`;
    const control = await sign(message({ from: `alice@${SENDER}`, to: `bob@${STRICT}`, subject: `Control ${run}`, id: cid }), SENDER, SELECTOR, key);
    const c = await sendRaw(`alice@${SENDER}`, `bob@${STRICT}`, control);
    assert.ok(c.ok, explain(await rowOf(cid), `control SMTP: ${c.code} ${c.response}`));
    await eventually(async () => inSink(cid), 'the control message in smtp-sink', 20_000);
    assert.equal(inSink(id), undefined, explain(await rowOf(id), 'the refused spoof is in the sink'));
  });

  it('quarantines the same spoof (250) where auth_failed is quarantined', async () => {
    const { id, replies, row, why } = await spoof('held', HELD);
    assert.equal(replies[5]?.code, 250, why);
    assert.ok(authNames(row).includes('DMARC_FAIL_REJECT'), why);
    assert.equal(row?.status, 'quarantined', why);
    assert.equal(row?.category, 'auth_failed', why);
    assert.equal(row?.action, 'quarantine', why);
    const rcpts = await gw.db.selectFrom('message_recipients').select(['address', 'status']).where('message_id', '=', row!.id).execute();
    assert.deepEqual(rcpts, [{ address: `bob@${HELD}`, status: 'held' }], why);
    assert.ok(existsSync(row!.spool_path), explain(row, `held copy missing: ${row!.spool_path}`));

    // Not delivered: a control message sent after it reaches the sink, the held spoof does not.
    const cid = `control-held.${run}@${SENDER}`;
    const control = await sign(message({ from: `alice@${SENDER}`, to: `bob@${HELD}`, subject: `Control held ${run}`, id: cid }), SENDER, SELECTOR, key);
    const c = await sendRaw(`alice@${SENDER}`, `bob@${HELD}`, control);
    assert.ok(c.ok, explain(await rowOf(cid), `control SMTP: ${c.code} ${c.response}`));
    await eventually(async () => inSink(cid), 'the control message in smtp-sink', 20_000);
    const later = await rowOf(id);
    assert.equal(inSink(id), undefined, explain(later, 'the quarantined spoof is in the sink'));
    assert.equal(later?.status, 'quarantined', explain(later));
  });

  it('records DKIM_INVALID for a signed message whose Subject was changed after signing', async () => {
    const id = `tampered.${run}@${SENDER}`;
    const signed = await sign(message({ from: `alice@${SENDER}`, to: `bob@${INBOX}`, subject: `Invoice ${run}`, id }), SENDER, SELECTOR, key);
    const tampered = signed.replace(`Subject: Invoice ${run}`, `Subject: Urgent: new bank details ${run}`);
    assert.notEqual(tampered, signed);
    const r = await sendRaw(`alice@${SENDER}`, `bob@${INBOX}`, tampered);
    const row = await rowOf(id);
    assert.ok(r.ok, explain(row, `SMTP: ${r.code} ${r.response}`));
    const names = authNames(row);
    assert.ok(names.includes('DKIM_INVALID'), explain(row));
    assert.ok(!names.includes('DKIM_VALID'), explain(row));
    // SPF still passes and is aligned, so DMARC passes without DKIM.
    assert.ok(names.includes('SPF_PASS'), explain(row));
    assert.ok(names.includes('DMARC_PASS'), explain(row));
  });
});
