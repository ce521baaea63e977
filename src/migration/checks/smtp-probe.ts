// Check 1, "your mail server accepts mail from the gateway": a small SMTP client that talks to the
// domain's route the way delivery will (EHLO, STARTTLS when offered, MAIL FROM, RCPT TO, RSET,
// QUIT) and keeps every reply, so the contact sees exactly what their server said.
import net from 'node:net';
import tls from 'node:tls';
import type { CheckStep } from './types.js';

export interface ProbeTarget {
  host: string;
  port: number;
  tls: 'none' | 'opportunistic' | 'required';
  tlsVerify: boolean;
}

export interface ProbeOptions {
  helo: string;
  mailFrom: string;
  rcptTo: string;
  timeoutMs: number;
}

interface Reply {
  code: number;
  text: string;
}

/** Reads SMTP replies (multi-line aware) from a socket that may be replaced by a TLS one. */
class ReplyReader {
  private buf = '';
  private lines: string[] = [];
  private waiter: (() => void) | null = null;
  private error: Error | null = null;

  attach(sock: net.Socket): void {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  detach(sock: net.Socket): void {
    sock.removeAllListeners('data');
    sock.removeAllListeners('error');
    sock.removeAllListeners('close');
  }

  fail(e: Error): void {
    this.error ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async read(timeoutMs: number): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    const collected: string[] = [];
    for (;;) {
      while (this.lines.length) {
        const line = this.lines.shift()!;
        collected.push(line);
        if (!/^\d{3}-/.test(line)) {
          const code = Number(line.slice(0, 3));
          if (!/^\d{3}/.test(line)) throw new Error(`not an SMTP reply: ${JSON.stringify(line.slice(0, 100))}`);
          return { code, text: collected.join('\n') };
        }
      }
      if (this.error) throw this.error;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

export async function smtpProbe(target: ProbeTarget, opts: ProbeOptions): Promise<{ ok: boolean; summary: string; steps: CheckStep[] }> {
  const steps: CheckStep[] = [];
  const reader = new ReplyReader();
  let sock: net.Socket | null = null;
  const where = `${target.host}:${target.port}`;
  const fail = (summary: string) => ({ ok: false, summary, steps });
  try {
    let t0 = Date.now();
    sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no connection within ${Math.round(opts.timeoutMs / 1000)} s`));
      }, opts.timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    }).catch((e: Error) => {
      steps.push({ step: `connect ${where}`, ok: false, found: e.message, ms: Date.now() - t0 });
      return null;
    });
    if (!sock) return fail(`cannot connect to ${where}: ${steps[0]!.found}`);
    reader.attach(sock);
    steps.push({ step: `connect ${where}`, ok: true, found: `connected to ${sock.remoteAddress}`, ms: Date.now() - t0 });

    const send = async (cmd: string, shown = cmd): Promise<Reply> => {
      t0 = Date.now();
      if (cmd) sock!.write(cmd + '\r\n');
      const r = await reader.read(opts.timeoutMs);
      steps.push({ step: shown || 'greeting', ok: r.code < 400, found: r.text, ms: Date.now() - t0 });
      return r;
    };

    const greeting = await send('');
    if (greeting.code !== 220) return fail(`the server at ${where} does not greet with 220: ${greeting.text}`);
    let ehlo = await send(`EHLO ${opts.helo}`);
    if (ehlo.code !== 250) return fail(`the server refused EHLO: ${ehlo.text}`);
    const offersTls = /^250[ -]STARTTLS\b/im.test(ehlo.text);
    if (target.tls !== 'none' && offersTls) {
      const st = await send('STARTTLS');
      if (st.code !== 220) {
        if (target.tls === 'required') return fail(`STARTTLS refused but the route requires TLS: ${st.text}`);
      } else {
        t0 = Date.now();
        reader.detach(sock);
        const plain = sock;
        sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = tls.connect({ socket: plain, servername: net.isIP(target.host) ? undefined : target.host, rejectUnauthorized: target.tlsVerify }, () => resolve(s));
          s.once('error', reject);
        }).catch((e: Error) => {
          steps.push({ step: 'TLS handshake', ok: false, found: e.message, ms: Date.now() - t0 });
          return null;
        });
        if (!sock) return fail(`TLS handshake with ${where} failed: ${steps[steps.length - 1]!.found}`);
        const ts = sock as tls.TLSSocket;
        steps.push({ step: 'TLS handshake', ok: true, found: `${ts.getProtocol()} ${ts.getCipher()?.name ?? ''}${target.tlsVerify ? ', certificate verified' : ''}`, ms: Date.now() - t0 });
        reader.attach(sock);
        ehlo = await send(`EHLO ${opts.helo}`);
        if (ehlo.code !== 250) return fail(`the server refused EHLO after STARTTLS: ${ehlo.text}`);
      }
    } else if (target.tls === 'required') {
      return fail(`the route requires TLS but ${where} does not offer STARTTLS`);
    }
    const mail = await send(`MAIL FROM:<${opts.mailFrom}>`);
    if (mail.code !== 250) return fail(`the server refused the gateway's sender: ${mail.text}`);
    const rcpt = await send(`RCPT TO:<${opts.rcptTo}>`);
    if (rcpt.code !== 250 && rcpt.code !== 251) return fail(`the server refused the recipient ${opts.rcptTo}: ${rcpt.text}`);
    await send('RSET');
    await send('QUIT').catch(() => undefined);
    return { ok: true, summary: `${where} accepts mail for ${opts.rcptTo} from the gateway`, steps };
  } catch (err) {
    steps.push({ step: 'conversation', ok: false, found: (err as Error).message, ms: 0 });
    return fail(`the SMTP conversation with ${where} failed: ${(err as Error).message}`);
  } finally {
    sock?.destroy();
  }
}
