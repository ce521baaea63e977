// The plain-text mail Rampart writes itself (migration notices, the report by mail): nodemailer's
// composer builds the headers, the encoding and the Message-ID; submitLocalMessage queues it.
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface TextMail {
  from: { name: string; address: string };
  to: { name?: string; address: string }[];
  subject: string;
  /** Lines may end in \n: the message's end in CRLF (RFC 5322), which the composer does not do itself. */
  text: string;
  date: Date;
  headers?: Record<string, string>;
}

export async function composeTextMail(m: TextMail): Promise<Buffer> {
  const composer = new MailComposer({
    from: m.from,
    to: m.to.map((t) => ({ name: t.name ?? '', address: t.address })),
    subject: m.subject,
    text: m.text.replace(/\r?\n/g, '\r\n'),
    date: m.date,
    headers: { 'Auto-Submitted': 'auto-generated', ...m.headers },
  });
  return composer.compile().build();
}
