// SMTP sessions towards downstream servers: connects to a hop (TLS per the route's mode), keeps
// idle connections per hop for reuse, and sends one spooled message to a list of recipients,
// returning the server's reply for each recipient.
import { createReadStream } from 'node:fs';
import { isIP } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger } from '../../log.js';
import type { Hop, Router } from './routing.js';

export interface SessionOptions {
  helo: string;
  timeout: number;
  router: Router;
  logger: Logger;
  /** Idle time after which a pooled connection is closed. */
  idleMs?: number;
  /** Messages per connection before it is replaced. */
  maxMessages?: number;
}

/** A failure before any transaction began (connect, greeting, EHLO, TLS): the next hop may do better. */
export class HopError extends Error {
  constructor(
    message: string,
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = 'HopError';
  }
}

/** The server's answer for one recipient: code 0 when there was no SMTP reply (connection lost). */
export interface RecipientReply {
  code: number;
  reply: string;
}

export interface SendResult {
  replies: Map<string, RecipientReply>;
}

interface Pooled {
  conn: SMTPConnection;
  sent: number;
  timer?: NodeJS.Timeout;
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string; recipient?: string; rejectedErrors?: SmtpError[]; command?: string };

function hopKey(h: Hop): string {
  return `${h.host}:${h.port}:${h.tls}:${h.verify ? 1 : 0}`;
}

function alive(conn: SMTPConnection): boolean {
  const s = conn._socket;
  return !conn.destroyed && !!s && !s.destroyed;
}

function replyOf(err: SmtpError): RecipientReply {
  if (err.responseCode && err.response) return { code: err.responseCode, reply: err.response };
  return { code: 0, reply: `4.4.2 ${err.message}` };
}

export class SessionPool {
  private readonly idle = new Map<string, Pooled[]>();
  private readonly open = new Set<SMTPConnection>();
  private closed = false;

  constructor(private readonly opts: SessionOptions) {}

  /**
   * Sends the message to every recipient through the first hop that takes a transaction.
   * Resolves with a reply per recipient, plus the hop that answered (or the last one tried).
   */
  async deliver(hops: Hop[], from: string, to: string[], file: string, size: number): Promise<{ hop: string; result: SendResult }> {
    const failures: string[] = [];
    let last = hops[0] ? `${hops[0].host}:${hops[0].port}` : '-';
    for (const hop of hops) {
      last = `${hop.host}:${hop.port}`;
      let pooled: Pooled;
      let reused: boolean;
      try {
        ({ pooled, reused } = await this.acquire(hop));
      } catch (err) {
        failures.push(`${last}: ${(err as Error).message}`);
        if (err instanceof HopError && err.code && err.code >= 500 && hops.length === 1) break;
        continue;
      }
      let result = await this.sendOn(pooled, from, to, file, size);
      if (result === 'stale' && reused) {
        // The server closed an idle pooled connection; that is not a delivery failure.
        try {
          ({ pooled } = await this.acquire(hop, true));
        } catch (err) {
          failures.push(`${last}: ${(err as Error).message}`);
          continue;
        }
        result = await this.sendOn(pooled, from, to, file, size);
      }
      if (result === 'stale') {
        failures.push(`${last}: connection lost without a reply`);
        continue;
      }
      this.release(hop, pooled, result.reusable);
      return { hop: last, result: { replies: result.replies } };
    }
    const reply = `4.4.1 no downstream host accepted a connection: ${failures.join('; ') || 'no hosts'}`;
    return { hop: last, result: { replies: new Map(to.map((r) => [r, { code: 0, reply }])) } };
  }

  private async acquire(hop: Hop, fresh = false): Promise<{ pooled: Pooled; reused: boolean }> {
    if (this.closed) throw new HopError('delivery is stopping');
    const list = this.idle.get(hopKey(hop));
    while (!fresh && list?.length) {
      const p = list.pop()!;
      clearTimeout(p.timer);
      if (alive(p.conn)) return { pooled: p, reused: true };
      this.discard(p.conn);
    }
    return { pooled: { conn: await this.connect(hop), sent: 0 }, reused: false };
  }

  private async connect(hop: Hop): Promise<SMTPConnection> {
    const addr = await this.opts.router.addresses(hop.host);
    if (addr.kind === 'fail') throw new HopError(addr.reply);
    const servername = isIP(hop.host) ? undefined : hop.host;
    let lastErr: Error | undefined;
    for (const ip of addr.addrs) {
      const conn = new SMTPConnection({
        host: ip,
        port: hop.port,
        name: this.opts.helo,
        servername,
        ignoreTLS: hop.tls === 'none',
        // 'required' is checked after the handshake so that a missing STARTTLS gets a clear reason.
        opportunisticTLS: hop.tls === 'opportunistic' && !hop.verify,
        tls: { rejectUnauthorized: hop.verify, servername, minVersion: 'TLSv1.2' },
        connectionTimeout: this.opts.timeout,
        greetingTimeout: this.opts.timeout,
        socketTimeout: Math.max(this.opts.timeout, 60_000),
        socketCloseTimeout: 0,
        logger: false,
      });
      this.open.add(conn);
      conn.on('error', () => {});
      conn.once('end', () => this.open.delete(conn));
      try {
        // Setup failures (refused, timeout, TLS) arrive as 'error' events, not through the callback.
        await new Promise<void>((resolve, reject) => {
          const fail = (err: Error) => {
            conn.off('end', closed);
            reject(err);
          };
          const closed = () => {
            conn.off('error', fail);
            reject(new Error('connection closed during setup'));
          };
          conn.once('error', fail);
          conn.once('end', closed);
          conn.connect((err) => {
            conn.off('error', fail);
            conn.off('end', closed);
            if (err) reject(err);
            else resolve();
          });
        });
      } catch (err) {
        this.discard(conn);
        const e = err as SmtpError;
        const orig = String((e as { originalCode?: string }).originalCode ?? '');
        const tlsFailure = e.code === 'ETLS' || /CERT|TLS|SSL|SIGNED/.test(orig) || /certificate|tls|ssl/i.test(e.message);
        const text = e.response ? e.response : `${tlsFailure ? 'TLS handshake failed' : 'connection failed'}: ${e.message}`;
        lastErr = new HopError(text, e.responseCode ?? null);
        continue;
      }
      if (hop.tls === 'required' && !conn.secure) {
        this.discard(conn, true);
        throw new HopError(`TLS is required for this route but ${hop.host}:${hop.port} does not offer STARTTLS`);
      }
      return conn;
    }
    throw lastErr ?? new HopError(`no address for ${hop.host}`);
  }

  /** One transaction; 'stale' when the connection died without an SMTP reply (a reused one is retried fresh). */
  private sendOn(p: Pooled, from: string, to: string[], file: string, size: number): Promise<{ replies: Map<string, RecipientReply>; reusable: boolean } | 'stale'> {
    return new Promise((resolve) => {
      const stream = createReadStream(file);
      p.conn.send({ from: from || false, to, size }, stream, (err, info) => {
        const replies = new Map<string, RecipientReply>();
        if (!err && info) {
          p.sent++;
          for (const r of info.accepted) replies.set(r, { code: Number(info.response.slice(0, 3)) || 250, reply: info.response });
          for (const e of (info.rejectedErrors ?? []) as SmtpError[]) if (e.recipient) replies.set(e.recipient, replyOf(e));
          for (const r of to) if (!replies.has(r)) replies.set(r, { code: 0, reply: '4.4.2 no reply for this recipient' });
          return resolve({ replies, reusable: true });
        }
        const e = err as SmtpError;
        if (!e.responseCode && (e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT')) {
          this.discard(p.conn);
          return resolve('stale');
        }
        if (e.code === 'ESTREAM') {
          // Our own spool file could not be read: not the recipient's problem, retry later.
          for (const r of to) replies.set(r, { code: 0, reply: `4.3.0 cannot read the spooled message: ${e.message}` });
        } else {
          const envelopeRejections = (e.rejectedErrors ?? (p.conn as unknown as { _envelope?: { rejectedErrors?: SmtpError[] } })._envelope?.rejectedErrors ?? []) as SmtpError[];
          for (const re of envelopeRejections) if (re.recipient) replies.set(re.recipient, replyOf(re));
          const common = replyOf(e);
          for (const r of to) if (!replies.has(r)) replies.set(r, common);
        }
        const usable = alive(p.conn) && !!e.responseCode;
        if (!usable) {
          this.discard(p.conn);
          return resolve({ replies, reusable: false });
        }
        // The transaction ended in a refusal: RSET before the connection may carry another message.
        p.conn.reset((rerr) => {
          if (rerr) this.discard(p.conn);
          resolve({ replies, reusable: !rerr });
        });
      });
    });
  }

  private release(hop: Hop, p: Pooled, reusable: boolean): void {
    if (!reusable || this.closed || !alive(p.conn) || p.sent >= (this.opts.maxMessages ?? 100)) {
      this.discard(p.conn, alive(p.conn));
      return;
    }
    const key = hopKey(hop);
    const list = this.idle.get(key) ?? [];
    list.push(p);
    this.idle.set(key, list);
    p.timer = setTimeout(() => {
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      this.discard(p.conn, true);
    }, this.opts.idleMs ?? 5000);
    p.timer.unref();
  }

  private discard(conn: SMTPConnection, quit = false): void {
    this.open.delete(conn);
    try {
      if (quit && alive(conn)) conn.quit();
      else conn.close();
    } catch {
      /* already gone */
    }
  }

  /** Closes idle connections; connections in use end when their transaction does. */
  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const p of list.splice(0)) {
      clearTimeout(p.timer);
      this.discard(p.conn, true);
    }
  }
}
