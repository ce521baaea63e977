// One message sent with Nodemailer, a real SMTP client, to a gateway on 127.0.0.1: the server's
// reply, accepted or not (a refusal is a result here, not an exception).
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';

export type SendOutcome = { ok: true; code: 250; response: string } | { ok: false; code: number | undefined; response: string };

export async function sendWithNodemailer(port: number, mail: Mail.Options, helo = 'client.test'): Promise<SendOutcome> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: helo, connectionTimeout: 10_000 });
  try {
    return { ok: true, code: 250, response: (await t.sendMail(mail)).response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: e.responseCode, response: e.response ?? e.message };
  } finally {
    t.close();
  }
}
