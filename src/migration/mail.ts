// How the programme sends mail: a rendered template becomes an RFC 5322 message and goes through
// Rampart's own spool and delivery, so every notice has a queue id and a delivery record.
import { composeTextMail } from '../spool/compose.js';
import type { Store } from '../store/db.js';
import type { Spool } from '../spool/spool.js';
import { submitLocalMessage } from '../spool/submit.js';
import type { Rendered } from './templates.js';

export interface OutgoingMail {
  /** Envelope sender. */
  from: string;
  to: string[];
  raw: Buffer;
}

/** Queues a message for delivery and returns its queue id (messages.id). */
export type MailSubmitter = (mail: OutgoingMail) => Promise<string>;

/** Builds the message for one recipient from a rendered template. */
export async function composeMail(opts: { from: string; to: { name: string; address: string }; rendered: Rendered; date: Date; headers?: Record<string, string> }): Promise<Buffer> {
  return composeTextMail({ from: { name: 'Mail gateway migration', address: opts.from }, to: [opts.to], subject: opts.rendered.subject, text: opts.rendered.text, date: opts.date, headers: opts.headers });
}

/** The gateway's own local submission (spool + delivery engine) as a MailSubmitter. */
export function localSubmitter(store: Store, spool: Spool): MailSubmitter {
  return (mail) => submitLocalMessage(store, spool, mail);
}
