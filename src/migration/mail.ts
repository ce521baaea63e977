// How the programme sends mail: a rendered template becomes an RFC 5322 message and goes through
// Rampart's own spool and delivery, so every notice has a queue id and a delivery record.
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Spool } from '../spool/spool.js';
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
  const composer = new MailComposer({
    from: { name: 'Mail gateway migration', address: opts.from },
    to: { name: opts.to.name, address: opts.to.address },
    subject: opts.rendered.subject,
    text: opts.rendered.text,
    date: opts.date,
    headers: { 'Auto-Submitted': 'auto-generated', ...opts.headers },
  });
  return composer.compile().build();
}

/**
 * A submitter that writes straight into the spool (messages + message_recipients rows), for use
 * until the delivery branch's submitLocalMessage is wired in; the delivery engine picks the
 * queued rows up either way.
 */
export function spoolSubmitter(db: Kysely<Database>, spool: Spool): MailSubmitter {
  return async (mail) => {
    const domains = new Map((await db.selectFrom('domains').select(['id', 'name']).execute()).map((d) => [d.name, d.id]));
    const text = mail.raw.subarray(0, Math.min(mail.raw.length, 16384)).toString('utf8');
    const end = text.search(/\r?\n\r?\n/);
    const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
    return spool.accept({
      envelope: { clientIp: '127.0.0.1', clientHostname: 'localhost', helo: null, tls: false, mailFrom: mail.from, rcptTo: mail.to },
      recipients: mail.to.map((address) => ({ address, domainId: domains.get(address.split('@')[1]!.toLowerCase()) ?? null })),
      chunks: [mail.raw],
      messageId: /^Message-ID:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null,
      subject: /^Subject:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null,
    });
  };
}
