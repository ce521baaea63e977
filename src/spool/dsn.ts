// Delivery Status Notifications (RFC 3464): a multipart/report telling the envelope sender which
// recipients failed and why, with the original headers attached. Sent from the null sender so that
// a failing DSN can never cause another one.
import { randomBytes } from 'node:crypto';

export interface FailedRecipient {
  address: string;
  /** 'failed' for 5xx and expiry. */
  action: 'failed';
  /** Enhanced status code, e.g. 5.1.1. */
  status: string;
  /** Host that gave the reply, when one did. */
  remoteMta: string | null;
  /** The last reply or the reason, as text. */
  diagnostic: string;
  lastAttempt: Date;
  expired: boolean;
}

export interface DsnInput {
  reportingMta: string;
  postmaster: string;
  /** The original envelope sender: the DSN's recipient. */
  to: string;
  queueId: string;
  arrival: Date;
  recipients: FailedRecipient[];
  /** Header block of the original message. */
  originalHeaders: Buffer;
  now?: Date;
}

/** Enhanced status code from a reply ("550 5.1.1 no such user" → 5.1.1), or a fallback by class. */
export function statusOf(reply: string, permanent: boolean): string {
  const m = /^(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply.trim());
  if (m) return m[1]!;
  return permanent ? '5.0.0' : '4.4.7';
}

function rfc822Date(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

// Replies are untrusted text; a DSN field must stay one line of printable ASCII.
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 900);
}

export function buildDsn(input: DsnInput): Buffer {
  const now = input.now ?? new Date();
  const boundary = `rampart-dsn-${randomBytes(9).toString('hex')}`;
  const domain = input.reportingMta;
  const expired = input.recipients.some((r) => r.expired);
  const human = [
    `This is the mail system at host ${domain}.`,
    '',
    expired
      ? 'Your message could not be delivered before its retry time ran out, to one or more recipients.'
      : 'Your message could not be delivered to one or more recipients. It has been returned below.',
    '',
    ...input.recipients.map((r) => `<${r.address}>: ${r.remoteMta ? `host ${r.remoteMta} said: ` : ''}${oneLine(r.diagnostic)}`),
    '',
  ].join('\r\n');
  const perMessage = [`Reporting-MTA: dns; ${domain}`, `X-Rampart-Queue-ID: ${input.queueId}`, `Arrival-Date: ${rfc822Date(input.arrival)}`].join('\r\n');
  const perRecipient = input.recipients
    .map((r) =>
      [
        `Final-Recipient: rfc822; ${r.address}`,
        `Action: ${r.action}`,
        `Status: ${r.status}`,
        ...(r.remoteMta ? [`Remote-MTA: dns; ${r.remoteMta.replace(/:\d+$/, '')}`] : []),
        `Diagnostic-Code: smtp; ${oneLine(r.diagnostic)}`,
        `Last-Attempt-Date: ${rfc822Date(r.lastAttempt)}`,
      ].join('\r\n'),
    )
    .join('\r\n\r\n');
  const headers = input.originalHeaders.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '');
  const text = [
    `From: Mail Delivery System <${input.postmaster}>`,
    `To: <${input.to}>`,
    `Subject: Undelivered Mail Returned to Sender`,
    `Date: ${rfc822Date(now)}`,
    `Message-ID: <${input.queueId}.${randomBytes(4).toString('hex')}.dsn@${domain}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Description: Notification',
    '',
    human,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    'Content-Description: Delivery report',
    '',
    perMessage,
    '',
    perRecipient,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    'Content-Description: Undelivered Message Headers',
    '',
    headers,
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(text, 'latin1');
}
