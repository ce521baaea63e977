// A real SMTP peer for the migration tests: a domain's mail server (smtp-server, STARTTLS offered)
// that records what it receives and can be told to refuse recipients.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

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
