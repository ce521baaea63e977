// A raw SMTP client over net.Socket for protocol-level tests (smuggling, early talkers, limits):
// it sends exactly the bytes given and reads replies, nothing more.
import net from 'node:net';
import tls from 'node:tls';

export interface Reply {
  code: number;
  /** All lines joined by \n, without the code prefixes. */
  text: string;
  lines: string[];
}

export class RawSmtp {
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(public socket: net.Socket | tls.TLSSocket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket | tls.TLSSocket): void {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Connects to 127.0.0.1:port; `localAddress` picks the client's source (e.g. 127.0.0.2). */
  static connect(port: number, localAddress?: string): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawSmtp(s)));
      s.once('error', reject);
    });
  }

  /** Next complete reply; rejects on timeout or when the connection closes first. */
  async reply(timeoutMs = 10_000): Promise<Reply> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = this.take();
      if (r) return r;
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buf)}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; unread: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private take(): Reply | null {
    const lines: string[] = [];
    let pos = 0;
    for (;;) {
      const nl = this.buf.indexOf('\r\n', pos);
      if (nl < 0) return null;
      const line = this.buf.slice(pos, nl);
      pos = nl + 2;
      lines.push(line.slice(4));
      if (line[3] !== '-') {
        this.buf = this.buf.slice(pos);
        return { code: Number(line.slice(0, 3)), text: lines.join('\n'), lines };
      }
    }
  }

  /** Everything still unread once the server closed the connection (or after waitMs). */
  async rest(waitMs = 5000): Promise<string> {
    const until = Date.now() + waitMs;
    while (!this.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const out = this.buf;
    this.buf = '';
    return out;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends one command line and returns its reply. */
  async cmd(line: string, timeoutMs?: number): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** Greeting, EHLO, MAIL, RCPT(s); returns after the last RCPT reply (all asserted 2xx). */
  async envelope(from: string, to: string[], helo = 'client.test'): Promise<void> {
    const expect = (r: Reply, what: string) => {
      if (r.code >= 400) throw new Error(`${what}: ${r.code} ${r.text}`);
    };
    expect(await this.reply(), 'greeting');
    expect(await this.cmd(`EHLO ${helo}`), 'EHLO');
    expect(await this.cmd(`MAIL FROM:<${from}>`), 'MAIL');
    for (const t of to) expect(await this.cmd(`RCPT TO:<${t}>`), `RCPT ${t}`);
  }

  close(): void {
    this.socket.destroy();
  }
}
