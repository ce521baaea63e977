// Real SMTP peers for the migration tests: a domain's mail server (smtp-server, STARTTLS offered)
// that records what it receives and can be told to refuse recipients, and a stand-in delivery pass
// that relays queued spool rows to each domain's route with Nodemailer, recording the server's
// reply on the message_recipients row the way the delivery engine does.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export interface MailPeer {
  port: number;
  received: { from: string; to: string[]; raw: string }[];
  /** Recipients refused at RCPT TO with 550. */
  reject: Set<string>;
  close(): Promise<void>;
}

export async function startMailPeer(opts: { rejectAll?: boolean } = {}): Promise<MailPeer> {
  const received: MailPeer['received'] = [];
  const reject = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    disableReverseLookup: true,
    onRcptTo(addr, _s, cb) {
      if (opts.rejectAll || reject.has(addr.address.toLowerCase())) {
        const e = new Error(`5.1.1 <${addr.address}>: Recipient address rejected: User unknown`) as Error & { responseCode: number };
        e.responseCode = 550;
        return cb(e);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, reject, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * One delivery pass over queued rows (a stand-in until the delivery engine is merged): each row
 * goes to its domain's first route; 2xx → delivered, 5xx → bounced, otherwise deferred, with the
 * server's reply stored in last_reply and a delivery_attempts row.
 */
export async function deliverQueued(db: Kysely<Database>, now = new Date()): Promise<number> {
  const rows = await db
    .selectFrom('message_recipients as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select(['r.id', 'r.message_id', 'r.address', 'r.domain_id', 'r.attempts', 'm.mail_from', 'm.spool_path'])
    .where('r.status', 'in', ['queued', 'deferred'])
    .execute();
  for (const row of rows) {
    const route = row.domain_id === null ? undefined : await db.selectFrom('routes').selectAll().where('domain_id', '=', row.domain_id).orderBy('preference').executeTakeFirst();
    let status: 'delivered' | 'bounced' | 'deferred';
    let reply: string;
    if (!route) {
      status = 'bounced';
      reply = '5.4.4 no route to the recipient domain';
    } else {
      const transport = nodemailer.createTransport({ host: route.host, port: route.port, secure: false, ignoreTLS: false, tls: { rejectUnauthorized: false }, name: 'rampart.test' });
      try {
        const info = await transport.sendMail({ envelope: { from: row.mail_from, to: [row.address] }, raw: await readFile(row.spool_path) });
        status = 'delivered';
        reply = info.response;
      } catch (err) {
        const e = err as Error & { responseCode?: number; response?: string };
        status = e.responseCode && e.responseCode >= 500 ? 'bounced' : 'deferred';
        reply = e.response ?? e.message;
      } finally {
        transport.close();
      }
    }
    const at = now.toISOString();
    await db.updateTable('message_recipients').set({ status, last_reply: reply, attempts: row.attempts + 1, updated_at: at, next_attempt_at: null }).where('id', '=', row.id).execute();
    await db.insertInto('delivery_attempts').values({ message_id: row.message_id, recipient: row.address, at, host: route?.host ?? null, outcome: status, reply }).execute();
  }
  return rows.length;
}
