// The SMTP ingress of one process: smtp-server with Rampart's stage checks. Connection limits and
// reputation at connect; rate limits and sender checks at MAIL; relay control and the directory
// at RCPT; size, bare-newline (smuggling) and the scan hook at the end of DATA. 250 is sent only
// after the spool has the message on disk with its rows committed.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../scan/types.js';
import type { ConnectionCheck, ConnectionCheckContext, ConnectionRefusal } from './connection-check.js';
import type { DirectoryCache } from './directory-cache.js';
import type { EventSink } from './events.js';
import type { Limiter, LimitRefusal } from './limits.js';
import { collectMessage, receivedHeader } from './message.js';
import type { ReverseLookup } from './ptr.js';
import { canonicalDomain } from '../directory/names.js';
import { decideRecipient } from './relay.js';
import type { ScanHook, ScanRecipient } from './scan-hook.js';
import { applySmtpPatches, type PatchedServerOptions } from './smtp-patches.js';
import type { TlsMaterial } from './tls.js';
import { finishMessage, type Finisher } from './finish.js';

export interface IngressDeps {
  config: RampartConfig;
  directory: DirectoryCache;
  limiter: Limiter;
  events: EventSink;
  tls: TlsMaterial;
  reverse: ReverseLookup;
  scanHook: ScanHook;
  connectionCheck: ConnectionCheck;
  finisher: Finisher;
  log: Logger;
}

interface SessionState {
  ip: string;
  acquired: boolean;
  /** Set by onClose; a slot granted after it must be handed back at once. */
  closed: boolean;
  ptr: Promise<string | null>;
  recipients: ScanRecipient[];
}

/** An SMTP error whose text starts with its enhanced status code (see smtp-patches). */
function smtpError(code: number, enhanced: string, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(`${enhanced} ${message}`), { responseCode: code });
}

const LIMIT_REPLIES: Record<LimitRefusal, [number, string, string]> = {
  too_many_connections: [421, '4.7.0', 'Too many connections, try again later'],
  too_many_connections_per_ip: [421, '4.7.0', 'Too many connections from your address, try again later'],
  rate_limit: [451, '4.7.1', 'Too many messages from your address, slow down'],
};

export class Ingress {
  readonly server: SMTPServer;
  private readonly sessions = new Map<string, SessionState>();
  private scanHook: ScanHook;
  private connectionCheck: ConnectionCheck;

  constructor(private readonly deps: IngressDeps) {
    applySmtpPatches();
    this.scanHook = deps.scanHook;
    this.connectionCheck = deps.connectionCheck;
    const smtp = deps.config.smtp;
    const options: ConstructorParameters<typeof SMTPServer>[0] & PatchedServerOptions = {
      name: smtp.hostname,
      banner: 'Rampart',
      size: smtp.max_message_size,
      hideSize: false,
      hideENHANCEDSTATUSCODES: false,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      hideSTARTTLS: false,
      hideDSN: true,
      secure: false,
      key: deps.tls.key,
      cert: deps.tls.cert,
      authOptional: true,
      disabledCommands: ['AUTH'],
      disableReverseLookup: true,
      socketTimeout: smtp.command_timeout,
      closeTimeout: 30_000,
      logger: false,
      rampartGreetingDelay: smtp.greeting_delay,
      rampartOnEarlyTalker: (ip) => this.deps.events.record({ client_ip: ip, helo: null, stage: 'connect', reason: 'early_talker', detail: null, domain: null }),
      rampartOnBadRecipient: (ip, helo, command) => {
        const address = /<([^>]*)>/.exec(command)?.[1] ?? command.slice(0, 200);
        const at = address.lastIndexOf('@');
        const domain = at >= 0 ? canonicalDomain(address.slice(at + 1).replace(/\.$/, '')) : null;
        this.deps.events.record({ client_ip: ip, helo, stage: 'rcpt', reason: 'bad_address', detail: address, domain });
      },
      onConnect: (session, cb) => void this.onConnect(session).then(() => cb(), cb),
      onMailFrom: (address, session, cb) => void this.onMailFrom(address, session).then(() => cb(), cb),
      onRcptTo: (address, session, cb) => void this.onRcptTo(address, session).then(() => cb(), cb),
      onData: (stream, session, cb) => void this.onData(stream, session).then((reply) => cb(null, reply), cb),
      onClose: (session) => this.onClose(session),
    };
    this.server = new SMTPServer(options);
    this.server.on('error', (err) => deps.log.warn({ err }, 'smtp connection error'));
  }

  setScanHook(hook: ScanHook): void {
    this.scanHook = hook;
  }

  setConnectionCheck(check: ConnectionCheck): void {
    this.connectionCheck = check;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.server.off('error', reject);
        const addr = this.server.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Stops accepting; sessions in flight get up to graceMs to finish before they are cut. */
  close(graceMs: number): Promise<void> {
    (this.server.options as { closeTimeout?: number }).closeTimeout = graceMs;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private state(session: SMTPServerSession): SessionState {
    let s = this.sessions.get(session.id);
    if (!s) {
      s = { ip: session.remoteAddress, acquired: false, closed: false, ptr: Promise.resolve(null), recipients: [] };
      this.sessions.set(session.id, s);
    }
    return s;
  }

  private refuse(session: SMTPServerSession, stage: 'connect' | 'helo' | 'mail' | 'rcpt' | 'data', r: { code: number; enhanced: string; message: string; reason: string }, extra: { domain?: string | null; detail?: string | null } = {}): never {
    this.deps.events.record({
      client_ip: session.remoteAddress,
      helo: session.hostNameAppearsAs || null,
      stage,
      reason: r.reason,
      detail: extra.detail ?? null,
      domain: extra.domain ?? null,
    });
    throw smtpError(r.code, r.enhanced, r.message);
  }

  private async check(session: SMTPServerSession, ctx: Omit<ConnectionCheckContext, 'ip' | 'helo'>, domain: string | null = null): Promise<void> {
    let refusal: ConnectionRefusal | null;
    try {
      refusal = await this.connectionCheck({ ip: session.remoteAddress, helo: session.hostNameAppearsAs || null, ...ctx });
    } catch (err) {
      // A broken reputation check must not close the gateway; it is logged and skipped.
      this.deps.log.warn({ err, stage: ctx.stage }, 'connection check failed; continuing without it');
      return;
    }
    if (refusal) this.refuse(session, ctx.stage, refusal, { domain, detail: refusal.detail ?? ctx.recipient ?? ctx.sender ?? null });
  }

  private async onConnect(session: SMTPServerSession): Promise<void> {
    const s = this.state(session);
    const limit = await this.deps.limiter.acquire(s.ip);
    if (limit) {
      const [code, enhanced, message] = LIMIT_REPLIES[limit];
      this.refuse(session, 'connect', { code, enhanced, message, reason: 'too_many_connections' }, { detail: limit });
    }
    if (s.closed) {
      // The client left while the limiter was asked (scanners do): no session holds this slot.
      this.deps.limiter.release(s.ip);
      return;
    }
    s.acquired = true;
    s.ptr = this.deps.reverse(s.ip);
    await this.check(session, { stage: 'connect' });
  }

  private onClose(session: SMTPServerSession): void {
    const s = this.sessions.get(session.id);
    this.sessions.delete(session.id);
    if (!s) return;
    s.closed = true;
    if (s.acquired) this.deps.limiter.release(s.ip);
  }

  private async onMailFrom(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const s = this.state(session);
    s.recipients = [];
    const limit = await this.deps.limiter.message(s.ip);
    if (limit) {
      const [code, enhanced, message] = LIMIT_REPLIES[limit];
      this.refuse(session, 'mail', { code, enhanced, message, reason: 'rate_limit' }, { detail: address.address || '<>' });
    }
    // smtp-server has no HELO hook: the HELO-stage check runs here, before the sender's.
    await this.check(session, { stage: 'helo' });
    await this.check(session, { stage: 'mail', sender: address.address });
  }

  private async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const s = this.state(session);
    const max = this.deps.config.smtp.max_recipients;
    const decision = decideRecipient(address.address, this.deps.directory);
    if (!decision.ok) this.refuse(session, 'rcpt', decision, { domain: decision.domain, detail: address.address });
    if (s.recipients.some((r) => r.address === decision.address)) return;
    if (s.recipients.length >= max) {
      this.refuse(session, 'rcpt', { code: 452, enhanced: '4.5.3', message: `Too many recipients (at most ${max} per message)`, reason: 'too_many_recipients' }, { domain: decision.domain, detail: address.address });
    }
    await this.check(session, { stage: 'rcpt', sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', recipient: decision.address, domain: decision.domain }, decision.domain);
    s.recipients.push({ address: decision.address, domain: decision.domain, domainId: decision.domainId });
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const s = this.state(session);
    const smtp = this.deps.config.smtp;
    const timer = setTimeout(() => this.cut(session.id, '4.4.2 Data timeout, closing connection'), smtp.data_timeout);
    let collected;
    try {
      collected = await collectMessage(stream, smtp.max_message_size);
    } finally {
      clearTimeout(timer);
    }
    const domain = s.recipients[0]?.domain ?? null;
    if (collected.oversized) {
      this.refuse(session, 'data', { code: 552, enhanced: '5.3.4', message: `Message too big (limit ${smtp.max_message_size} bytes)`, reason: 'size' }, { domain, detail: String(collected.size) });
    }
    if (collected.bareNewline) {
      // Only <CR><LF>.<CR><LF> ends DATA; a bare CR or LF anywhere is refused as a whole message,
      // so no reading of it by a downstream server can find a second message inside.
      this.refuse(session, 'data', { code: 550, enhanced: '5.6.11', message: 'Bare LF or CR not allowed in message data', reason: 'bare_newline' }, { domain });
    }
    const envelope: Envelope = {
      clientIp: s.ip,
      clientHostname: await s.ptr,
      helo: session.hostNameAppearsAs || null,
      tls: Boolean(session.secure),
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: s.recipients.map((r) => r.address),
    };
    const received = receivedHeader({
      helo: envelope.helo,
      hostname: envelope.clientHostname,
      ip: envelope.clientIp,
      by: smtp.hostname,
      tls: envelope.tls,
      utf8: Boolean(session.envelope.smtpUtf8),
      recipient: s.recipients.length === 1 ? s.recipients[0]!.address : null,
      date: new Date(),
    });
    const raw = Buffer.concat([received, ...collected.chunks]);
    const result = await finishMessage({ raw, envelope, recipients: s.recipients, hook: this.scanHook, deps: this.deps.finisher });
    if (result.kind === 'accepted') return `2.0.0 queued as ${queuedIds(result.ids)}`;
    this.deps.log.info({ ip: s.ip, reply: result.reply, reason: result.reason }, 'message refused at end of data');
    if (result.kind === 'tempfail') this.deps.events.record({ client_ip: s.ip, helo: envelope.helo, stage: 'data', reason: result.reason, detail: result.reply, domain });
    throw smtpError(result.code, result.enhanced, result.message);
  }

  /** Sends a final reply on a session and closes it (used by the DATA timeout). */
  private cut(sessionId: string, text: string): void {
    for (const conn of this.server.connections) {
      if (conn.id !== sessionId) continue;
      const c = conn as unknown as { send(code: number, text: string): void; close(): void };
      c.send(421, text);
      c.close();
    }
  }
}

/**
 * The queue ids of an accepted message's copies for its 250 reply, within RFC 5321's 512-octet reply
 * line: a message split for many recipient policies names the first ids and how many more.
 */
export function queuedIds(ids: readonly string[], max = 400): string {
  let text = ids[0] ?? '';
  for (let i = 1; i < ids.length; i++) {
    const more = ` and ${ids.length - i} more`;
    if (text.length + 1 + ids[i]!.length + (i < ids.length - 1 ? more.length : 0) > max) return text + more;
    text += ` ${ids[i]}`;
  }
  return text;
}
