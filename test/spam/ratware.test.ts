// Ratware rules: a mail program or free-mail provider a message claims but whose traces it lacks.
// The genuine Outlook Express headers are those of a real 2002 message of the SpamAssassin corpus
// (its Message-ID stamp matches its Date); each forgery changes one thing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { spamRules } from '../../src/scan/analyzers/spam-rules/index.js';
import { RATWARE_RULES } from '../../src/scan/analyzers/spam-rules/ratware.js';
import { runAnalyzer } from '../../src/scan/run-one.js';

const RATWARE = new Set(RATWARE_RULES.map((r) => r.name));

interface Parts {
  headers: Record<string, string | null>;
  body?: string;
}

const GENUINE_OE: Record<string, string | null> = {
  Received: 'from pc1 (pool-141-163-204-19.example.net [141.163.204.19]) by mx.example.edu with ESMTP; Thu, 22 Aug 2002 10:16:40 -0400',
  From: '"Pat Doe" <pat@networksonline.com>',
  To: '<lee@example.edu>',
  Subject: 'minutes of the meeting',
  Date: 'Thu, 22 Aug 2002 10:16:36 -0400',
  'Message-ID': '<001001c249e6$863c4e00$13cca341@networksonline.com>',
  'X-Mailer': 'Microsoft Outlook Express 5.50.4133.2400',
  'X-MimeOLE': 'Produced By Microsoft MimeOLE V5.50.4133.2400',
  'Content-Type': 'text/plain; charset=us-ascii',
};

async function fired(p: Parts): Promise<Map<string, string | undefined>> {
  const lines = Object.entries(p.headers)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}`);
  const raw = `${lines.join('\r\n')}\r\nMIME-Version: 1.0\r\n\r\n${p.body ?? 'See you on Thursday at the usual place.\r\n'}`;
  const r = await runAnalyzer(spamRules, await parseMessage(Buffer.from(raw)));
  return new Map(r.symbols.filter((s) => RATWARE.has(s.name)).map((s) => [s.name, s.detail]));
}

const names = async (p: Parts) => [...(await fired(p)).keys()].sort();

describe('ratware rules', () => {
  it('are spam rules with a score, none strong enough alone to make spam', () => {
    for (const r of RATWARE_RULES) {
      assert.ok(spamRules.symbols.some((s) => s.name === r.name), r.name);
      assert.ok(r.score > 0 && r.score < 6, `${r.name} ${r.score}`);
    }
  });

  it('a genuine Outlook Express message fires none', async () => {
    assert.deepEqual(await names({ headers: GENUINE_OE }), []);
  });

  it('an Outlook Express Message-ID with a made-up time stamp', async () => {
    assert.deepEqual(await names({ headers: { ...GENUINE_OE, 'Message-ID': '<001001c1f3a7$863c4e00$13cca341@networksonline.com>' } }), ['MSGID_OE_FORGED']);
    // A stamp within ~30 hours of the Date is the sender's clock, not a forgery.
    assert.deepEqual(await names({ headers: { ...GENUINE_OE, 'Message-ID': '<001001c249f0$863c4e00$13cca341@networksonline.com>' } }), []);
  });

  it('a Microsoft Message-ID without X-MimeOLE, unless relayed by Exchange', async () => {
    assert.deepEqual(await names({ headers: { ...GENUINE_OE, 'X-MimeOLE': null } }), ['MSGID_MS_NO_MIMEOLE']);
    const viaExchange = { ...GENUINE_OE, 'X-MimeOLE': null, Received: 'from ex1.corp.example ([10.1.1.1]) by ex2.corp.example with Microsoft Exchange Server; Thu, 22 Aug 2002 10:16:40 -0400' };
    assert.deepEqual(await names({ headers: viaExchange }), []);
  });

  it('claims Outlook Express with a Message-ID it does not write', async () => {
    assert.deepEqual(await names({ headers: { ...GENUINE_OE, 'Message-ID': '<20020822141636.GA1234@networksonline.com>' } }), ['FORGED_MUA_OE']);
  });

  it('claims Outlook but sends bare HTML only', async () => {
    const headers = { ...GENUINE_OE, 'X-Mailer': 'Microsoft Outlook IMO, Build 9.0.2416 (9.0.2910.0)', 'X-MimeOLE': null, 'Message-ID': '<abc.123@networksonline.com>', 'Content-Type': 'text/html; charset=us-ascii' };
    assert.deepEqual(await names({ headers, body: '<p>Big <b>savings</b> today</p>\r\n' }), ['OUTLOOK_HTML_ONLY', 'OUTLOOK_HTML_TAGS']);
    assert.deepEqual(await names({ headers, body: '<html><head><title>x</title></head><body><p>Minutes attached</p></body></html>\r\n' }), ['OUTLOOK_HTML_ONLY']);
  });

  it('free-mail sender whose provider is nowhere in the Received trail', async () => {
    const base = { ...GENUINE_OE, 'Message-ID': '<20020822141636.12345.qmail@web1.example>', 'X-Mailer': null, 'X-MimeOLE': null };
    const forged = await fired({ headers: { ...base, From: 'Pat <pat_doe@yahoo.com>' } });
    assert.deepEqual([...forged.keys()], ['FREEMAIL_FORGED_RCVD']);
    assert.equal(forged.get('FREEMAIL_FORGED_RCVD'), 'yahoo.com');
    const genuine = { ...base, From: 'Pat <pat_doe@yahoo.com>', Received: 'from [141.163.204.19] by web12.mail.yahoo.com via HTTP; Thu, 22 Aug 2002 07:16:36 PDT' };
    assert.deepEqual(await names({ headers: genuine }), []);
    // A mailing list re-sends with a trail of its own.
    assert.deepEqual(await names({ headers: { ...base, From: 'Pat <pat_doe@yahoo.com>', 'List-Id': '<talk.lists.example.org>' } }), []);
    // Not a free-mail domain: nothing to check.
    assert.deepEqual(await names({ headers: { ...base, From: 'Pat <pat@yahoo-fans.example>' } }), []);
  });

  it('a relay that greeted as a big provider’s bare domain', async () => {
    const base = { ...GENUINE_OE, From: 'Pat <pat@example.org>', 'Message-ID': '<x1@example.org>', 'X-Mailer': null, 'X-MimeOLE': null };
    const fake = await fired({ headers: { ...base, Received: 'from yahoo.com (unknown [203.0.113.9]) by mx.example.edu with SMTP; Thu, 22 Aug 2002 10:16:40 -0400' } });
    assert.equal(fake.get('RCVD_FAKE_HELO'), 'yahoo.com');
    // Hotmail's own servers greet as hotmail.com.
    assert.deepEqual(await names({ headers: { ...base, Received: 'from hotmail.com (f160.law15.hotmail.com [64.4.23.160]) by mx.example.edu with SMTP; Thu, 22 Aug 2002 10:16:40 -0400' } }), []);
  });

  it('a Received hop dated month-comma-day-year, as ratware writes its made-up hops', async () => {
    // The forged hops of a 2002 spam of the SpamAssassin corpus (sent through a mailing list).
    const base = { ...GENUINE_OE, From: '"Studio T." <fla_adv@hellerwhirligigs.com>', 'Message-ID': '<20020921012046.1F8FC34158@lugh.tuatha.org>', 'X-Mailer': 'The Bat! (v1.52f) Business', 'X-MimeOLE': null };
    const forged = await fired({ headers: { ...base, Received: 'from [118.189.136.119] by smtp-server1.cfl.rr.com with NNFMP;\r\n    Sep, 20 2002 7:09:49 PM -0300' } });
    assert.deepEqual([...forged.keys()], ['RCVD_DATE_RATWARE']);
    assert.equal(forged.get('RCVD_DATE_RATWARE'), 'Sep, 20 2002 7:09:49 PM -0300');
    assert.deepEqual(await names({ headers: { ...base, Received: 'from [24.118.23.60] by n9.groups.yahoo.com with SMTP; Feb, 20 2002 14:48:58 +0400' } }), ['RCVD_DATE_RATWARE']);
    // Real MTAs: RFC 5322 dates, with or without the weekday, and the ctime form some write.
    for (const date of ['Sat, 21 Sep 2002 02:20:46 +0100 (IST)', '21 Sep 2002 02:20:46 -0000', 'Wed Aug 28 10:45:49 2002 +0100']) {
      assert.deepEqual(await names({ headers: { ...base, Received: `from lugh.tuatha.org (lugh.tuatha.org [194.125.145.45]) by mx.example.edu with ESMTP id 1F8FC34158; ${date}` } }), [], date);
    }
  });

  it('an HTML-only message whose Message-ID a relay on the way wrote', async () => {
    // The trail of a 2002 spam of the SpamAssassin corpus: the bulk mailer sent no Message-ID, the
    // second relay (queue id BAA16300) wrote one.
    const trail = [
      'Received: from webnote.net (mail.webnote.net [193.120.211.219]) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id g8O0koC13703 for <jm@jmason.org>; Tue, 24 Sep 2002 01:46:50 +0100',
      'Received: from richard.330w.com (richard.330w.com [216.53.71.115]) by webnote.net (8.9.3/8.9.3) with ESMTP id BAA16300 for <jm@example.org>; Tue, 24 Sep 2002 01:47:22 +0100',
      'Received: by richard.330w.com (PowerMTA(TM) v1.5); Mon, 23 Sep 2002 20:03:08 -0400',
    ];
    const msg = (received: string[], messageId: string, type: string) =>
      [...received, 'From: DVD@FrugalJoe.com', 'To: jm@example.org', 'Subject: Never Pay Retail', 'Date: Mon, 23 Sep 2002 20:03:08 -0400', `Message-Id: ${messageId}`, 'MIME-Version: 1.0', `Content-Type: ${type}`, '', '<html><body><p>The best way to build your DVD collection.</p></body></html>', ''].join('\r\n');
    const run = async (raw: string) => {
      const r = await runAnalyzer(spamRules, await parseMessage(Buffer.from(raw)));
      return new Map(r.symbols.filter((s) => RATWARE.has(s.name)).map((s) => [s.name, s.detail]));
    };
    const hit = await run(msg(trail, '<200209240047.BAA16300@webnote.net>', 'text/html'));
    assert.deepEqual([...hit.keys()], ['MSGID_RELAY_HTML_ONLY']);
    assert.equal(hit.get('MSGID_RELAY_HTML_ONLY'), 'BAA16300');
    // A text message, a Message-ID of the sender's own, the sender's first server numbering its
    // user's mail (the oldest hop), a hop from localhost: none is evidence.
    assert.deepEqual([...(await run(msg(trail, '<200209240047.BAA16300@webnote.net>', 'text/plain'))).keys()], []);
    assert.deepEqual([...(await run(msg(trail, '<3D8FA9C1.5060402@frugaljoe.com>', 'text/html'))).keys()], []);
    assert.deepEqual([...(await run(msg(trail.slice(0, 2), '<200209240047.BAA16300@webnote.net>', 'text/html'))).keys()], []);
    const local = [trail[0]!, trail[1]!.replace('from richard.330w.com (richard.330w.com [216.53.71.115])', 'from localhost (localhost [127.0.0.1])'), trail[2]!];
    assert.deepEqual([...(await run(msg(local, '<200209240047.BAA16300@webnote.net>', 'text/html'))).keys()], []);
  });

  it('a Date with a time zone no clock uses', async () => {
    const at = (zone: string) => names({ headers: { ...GENUINE_OE, Date: `Thu, 22 Aug 2002 10:16:36 ${zone}` } });
    assert.deepEqual(await at('+0850'), ['DATE_TZ_ABSURD']);
    assert.deepEqual(await at('-1700'), ['DATE_TZ_ABSURD']);
    for (const zone of ['+0530', '-0345', '+1400', '-0400']) assert.deepEqual(await at(zone), [], zone);
  });
});
