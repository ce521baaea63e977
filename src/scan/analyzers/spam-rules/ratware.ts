// Ratware rules: a message that claims a mail program or a free-mail provider whose traces it does
// not carry was not written by that program or sent through that provider. The ideas are
// SpamAssassin's (20_ratware.cf, 20_head_tests.cf, HeaderEval.pm: MSGID_OUTLOOK_INVALID,
// RATWARE_MS_HASH, FORGED_MUA_OUTLOOK, FORGED_OUTLOOK_HTML/TAGS, INVALID_DATE_TZ_ABSURD,
// RCVD_FAKE_HELO_DOTCOM, FORGED_*_RCVD, MSGID_FROM_MTA_HEADER), written anew over Rampart's view;
// RCVD_DATE_RATWARE (the forged hops' date format) was found in the spam the training half's
// forward split missed. Each was kept only if it fired on spam and on no ham of the benchmark's
// training half; the scores come from the same logistic fit as rules.ts' (bench/scan/cv.ts --fit),
// capped at 3.5.
import type { SpamRule } from './rules.js';
import type { RuleView } from './view.js';

/** Outlook Express' Message-ID: 12 hex digits (4 random + an 8-digit time stamp), then two $-groups. */
const OE_MSGID = /^<?([0-9a-f]{4})([0-9a-f]{8})\$[0-9a-f]{8}\$[0-9a-f]{8}@/i;
/** Any Message-ID in the Microsoft $-separated shape. */
const DOLLAR_MSGID = /<[0-9a-f]{4,}\$[0-9a-f]{4,}\$[0-9a-f]{4,}@\S+>/i;
const HOTMAIL_MSGID = /^<[A-Za-z0-9-]{7}[A-Za-z0-9]{20}@hotmail\.com>$/;
/** Newer Outlook Express / Windows Mail ids are a GUID. */
const GUID_MSGID = /^<[A-F\d]{32}@\S+>$/;

const exchangeRelayed = (v: RuleView): boolean => v.received.some((r) => /with Microsoft Exchange Server|with Microsoft SMTPSVC|with MailEnable/i.test(r));
const mimeOleMs = (v: RuleView): boolean => /^Produced By Microsoft MimeOLE/i.test(v.h.get('x-mimeole') ?? '');
const viaList = (v: RuleView): boolean => v.h.has('list-id') || v.h.has('list-post') || v.h.has('mailing-list');
const msgid = (v: RuleView): string => (v.h.get('message-id') ?? '').trim();

/**
 * Outlook Express writes the send time into its Message-ID: the 8 hex digits after the first 4 are
 * the high 32 bits of the Windows FILETIME (100-ns ticks since 1601), i.e. t·10^7/2^32 + 27111902.83
 * for Unix seconds t. Ratware copies the shape with random digits; a stamp far (≥ 250 units, about
 * 30 hours, SpamAssassin's tolerance) from both the Date header and the newest Received time is made up.
 */
function oeStampInvalid(v: RuleView): boolean {
  const m = OE_MSGID.exec(msgid(v));
  if (!m) return false;
  const stamp = parseInt(m[2]!, 16);
  const near = (d: Date | null) => d !== null && Math.abs(stamp - Math.trunc((d.getTime() / 1000) * 0.0023283064365387 + 27111902.8329849)) < 250;
  return !near(v.sentAt) && !near(v.receivedAt);
}

/** Free-mail providers and the domains their own relays are named in. */
const FREEMAIL: readonly { from: RegExp; relays: readonly string[] }[] = [
  { from: /^(yahoo|ymail|rocketmail)\./, relays: ['yahoo.com', 'yahoo.net', 'yahoodns.net', 'yahoo.co.jp'] },
  { from: /^(hotmail|msn|live|outlook|passport)\./, relays: ['hotmail.com', 'msn.com', 'outlook.com', 'live.com', 'microsoft.com'] },
  { from: /^(aol|aim)\.com$/, relays: ['aol.com', 'aol.net', 'yahoo.com', 'yahoodns.net'] },
  { from: /^(gmail|googlemail)\.com$/, relays: ['google.com', 'gmail.com', 'googlemail.com'] },
  { from: /^(excite|lycos|juno|netzero|compuserve|netscape)\./, relays: ['excite.com', 'lycos.com', 'juno.com', 'netzero.net', 'netzero.com', 'compuserve.com', 'netscape.net', 'netscape.com', 'aol.com', 'untd.com'] },
];

/**
 * From a free-mail address, but no Received header names that provider's servers: a message sent
 * through Yahoo, Hotmail, AOL or Gmail always carries their relay in its trail. A mailing list or a
 * news gateway re-sends the message with a trail of its own, so list mail is left alone.
 */
function freemailForged(v: RuleView): string | false {
  const addr = v.msg.from?.address ?? '';
  const dom = addr.slice(addr.lastIndexOf('@') + 1).toLowerCase();
  const p = FREEMAIL.find((f) => f.from.test(dom));
  if (!p || v.received.length === 0) return false;
  if (viaList(v)) return false;
  const trail = v.received.join('\n').toLowerCase();
  return p.relays.some((r) => trail.includes(r)) ? false : dom;
}

/**
 * HELO names ratware uses: a big provider's bare domain or a placeholder, when the relay's own
 * name (in the parentheses) is not in that domain — Hotmail's servers really greet as hotmail.com.
 */
const FAKE_HELO = /^from\s+(msn|yahoo|yourwebsite|lycos|excite|aol|localhost|koreanmail|mydomain|juno|eudoramail|compuserve|hotmail)\.com\s+\(([^)]*)\)/i;
function fakeHelo(v: RuleView): string | false {
  for (const r of v.received) {
    const m = FAKE_HELO.exec(r);
    if (m && !m[2]!.toLowerCase().includes(`${m[1]!.toLowerCase()}.com`)) return `${m[1]!.toLowerCase()}.com`;
  }
  return false;
}

/**
 * A Received time written "Sep, 20 2002 7:09:49 PM -0300": month, comma, day, year. No MTA writes
 * that (RFC 5322 puts the day first: "20 Sep 2002"); it is the mark of the made-up hops ratware
 * stacks under its own to hide where it came from. Returns the date found.
 */
const RATWARE_RCVD_DATE = /;\s*([A-Z][a-z]{2},\s+\d{1,2}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?(?:\s*[-+]\d{4})?)/;
function ratwareRcvdDate(v: RuleView): string | false {
  for (const r of v.received) {
    const m = RATWARE_RCVD_DATE.exec(r);
    if (m) return m[1]!.replace(/\s+/g, ' ').trim();
  }
  return false;
}

/** A Message-ID as sendmail or Postfix writes it when the message arrives without one: time stamp, queue id. */
const MTA_MSGID = /^<\d{12,14}\.([A-Za-z0-9]{6,20})@[^>]+>$/;
const LOCAL_HOP = /^\s*from\s+(?:localhost|127\.0\.0\.1)\b|\[127\.0\.0\.1\]/i;

/**
 * The Message-ID was written by a relay on the way, not by the sender: its queue id is that of a
 * Received hop which took the message from another host over the network, and that hop is not the
 * first of the trail (where a sender's own server numbers its users' mail). Bulk mailers leave the
 * Message-ID out; so do a few mail programs and scripts (4 of the training half's 2,625 ham), which
 * is why the rule also wants an HTML-only message. Returns the hop's queue id.
 */
function relayWroteMsgid(v: RuleView): string | false {
  const m = MTA_MSGID.exec(msgid(v));
  if (!m) return false;
  const qid = m[1]!;
  for (let k = 0; k < v.received.length - 1; k++) {
    const r = v.received[k]!;
    const at = r.indexOf(qid);
    if (at < 0 || !/\bid\s+<?$/.test(r.slice(Math.max(0, at - 6), at))) continue;
    return /^\s*from\s/i.test(r) && !LOCAL_HOP.test(r) ? qid : false;
  }
  return false;
}

/** A numeric zone no clock uses: hours beyond 14 or minutes other than 00/30/45. */
const ABSURD_ZONE = /[-+](?!(?:0\d|1[0-4])(?:[03]0|[14]5))\d{4}\s*$/;

export const RATWARE_RULES: readonly SpamRule[] = [
  { name: 'MSGID_OE_FORGED', description: 'Outlook Express Message-ID whose time stamp matches neither the Date nor the Received time', score: 3.5, test: oeStampInvalid },
  {
    name: 'MSGID_MS_NO_MIMEOLE',
    description: 'Microsoft-style Message-ID without the X-MimeOLE header Microsoft mailers add',
    score: 3.5,
    test: (v) => DOLLAR_MSGID.test(msgid(v)) && !mimeOleMs(v) && !exchangeRelayed(v),
  },
  {
    name: 'FORGED_MUA_OE',
    description: 'Claims Outlook Express with a Message-ID it does not write',
    score: 2.9,
    test: (v) => {
      const id = msgid(v);
      return /\bOutlook Express [456]\./.test(v.h.get('x-mailer') ?? '') && id !== '' && !OE_MSGID.test(id) && !HOTMAIL_MSGID.test(id) && !GUID_MSGID.test(id);
    },
  },
  {
    name: 'OUTLOOK_HTML_ONLY',
    description: 'Claims Microsoft Outlook, which always sends a text part, but is HTML only',
    score: 0.6,
    test: (v) => /^Microsoft (Office )?Outlook\b/i.test(v.h.get('x-mailer') ?? '') && v.msg.html !== null && !v.msg.text.trim(),
  },
  {
    name: 'OUTLOOK_HTML_TAGS',
    description: 'Claims Microsoft Outlook but its HTML lacks the html/head/body skeleton Outlook writes',
    score: 0.2,
    test: (v) => /^Microsoft (Office )?Outlook\b/i.test(v.h.get('x-mailer') ?? '') && v.htmlLower !== '' && !(v.htmlLower.includes('<html') && v.htmlLower.includes('<head') && v.htmlLower.includes('<body')),
  },
  { name: 'FREEMAIL_FORGED_RCVD', description: 'From a free-mail provider whose servers appear nowhere in the Received trail', score: 3.5, test: freemailForged },
  { name: 'RCVD_FAKE_HELO', description: 'A relay greeted as a big provider’s bare domain or a placeholder name', score: 1.1, test: fakeHelo },
  { name: 'RCVD_DATE_RATWARE', description: 'A Received header dated "Mon, DD YYYY", as ratware forges them', score: 2.5, test: ratwareRcvdDate },
  {
    name: 'MSGID_RELAY_HTML_ONLY',
    description: 'HTML-only message that came without a Message-ID: a relay on the way wrote it',
    score: 1.7,
    test: (v) => (v.msg.html !== null && !v.msg.text.trim() ? relayWroteMsgid(v) : false),
  },
  { name: 'DATE_TZ_ABSURD', description: 'Date with a time zone no clock uses', score: 2.8, test: (v) => ABSURD_ZONE.test(v.h.get('date') ?? '') },
];
