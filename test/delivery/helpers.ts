// Shared fixtures for the delivery tests: a real smtp-server downstream that can be told to refuse
// recipients, a store with a spool and a configuration tuned for quick retries.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { parseConfig } from '../../src/config/load.js';
import type { RampartConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/log.js';
import { Spool } from '../../src/spool/spool.js';
import type { Store } from '../../src/store/db.js';
import { openStore } from '../../src/store/db.js';
import { postgresDatabase, postgresReachable, type TestDatabase } from '../helpers/db.js';

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

export type Reply = { code: number; message: string } | null;

export interface DownstreamOptions {
  /** Offer STARTTLS (smtp-server's built-in self-signed certificate). */
  starttls?: boolean;
  /** Per-recipient answer at RCPT TO; null accepts. */
  rcpt?: (address: string) => Reply;
  /** Answer after the data; null accepts. */
  data?: (msg: Received) => Reply;
  /** Delay before answering the data (ms). */
  dataDelay?: number;
  port?: number;
}

export interface Downstream {
  port: number;
  received: Received[];
  connections: number;
  opts: DownstreamOptions;
  close(): Promise<void>;
}

function smtpError(r: { code: number; message: string }): Error {
  const e = new Error(r.message) as Error & { responseCode: number };
  e.responseCode = r.code;
  return e;
}

export async function startDownstream(opts: DownstreamOptions = {}): Promise<Downstream> {
  const ds: Downstream = { port: 0, received: [], connections: 0, opts, close: async () => {} };
  const options: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: opts.starttls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    logger: false,
    onConnect(_s, cb) {
      ds.connections++;
      cb();
    },
    onRcptTo(addr, _s, cb) {
      const r = ds.opts.rcpt?.(addr.address) ?? null;
      cb(r ? smtpError(r) : undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const msg: Received = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        setTimeout(() => {
          const r = ds.opts.data?.(msg) ?? null;
          // code -1: never answer (a transaction left hanging, as when the client dies mid-way).
          if (r && r.code === -1) return;
          if (r) return cb(smtpError(r));
          ds.received.push(msg);
          cb(null, 'Ok: queued');
        }, ds.opts.dataDelay ?? 0);
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => {});
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server.server, 'listening');
  ds.port = (server.server.address() as AddressInfo).port;
  ds.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return ds;
}

export interface Fixture {
  tdb: TestDatabase;
  store: Store;
  spool: Spool;
  config: RampartConfig;
  logger: ReturnType<typeof createLogger>;
  close(): Promise<void>;
}

export async function fixture(kind: 'sqlite' | 'postgres', delivery: Record<string, unknown> = {}, node = 'node-a'): Promise<Fixture | null> {
  // Our own directory, removed in close(): tempDir() called from a before() hook is removed as soon
  // as that hook ends, and the spool and the SQLite file must outlive it.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-delivery-'));
  let tdb: TestDatabase | null;
  if (kind === 'sqlite') {
    const url = 'sqlite:rampart.db';
    tdb = { name: 'sqlite', url, dataDir, open: () => openStore({ url, dataDir }), cleanup: async () => {} };
  } else {
    if (!(await postgresReachable())) return null;
    const pgdb = await postgresDatabase();
    tdb = { ...pgdb, dataDir };
  }
  const store = await tdb.open();
  const config = parseConfig({
    data_dir: dataDir,
    database: { url: tdb.url },
    smtp: { hostname: 'gw.rampart.test' },
    delivery: { retry_schedule: ['200ms'], poll_interval: '50ms', connection_timeout: '3s', postmaster: 'postmaster@gw.rampart.test', ...delivery },
  });
  const spool = new Spool(store.db, `${dataDir}/spool`, node);
  return {
    tdb,
    store,
    spool,
    config,
    logger: createLogger(process.env.RAMPART_TEST_LOG ?? 'silent'),
    close: async () => {
      await store.close();
      await tdb!.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** Spools a message as the ingress would; returns the queue id and its unique Message-ID. */
export async function spoolMessage(spool: Spool, from: string, to: string[], opts: { subject?: string; domainId?: number | null; status?: 'queued' | 'quarantined' } = {}): Promise<{ id: string; messageId: string }> {
  const messageId = `<t${process.pid}.${++counter}.${Date.now()}@sender.test>`;
  const subject = opts.subject ?? `test ${counter}`;
  const raw = `From: <${from || 'mailer-daemon@sender.test'}>\r\nTo: ${to.map((t) => `<${t}>`).join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: ${messageId}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n.leading dot line\r\n`;
  const id = await spool.accept({
    envelope: { clientIp: '192.0.2.10', clientHostname: 'client.sender.test', helo: 'client.sender.test', tls: false, mailFrom: from, rcptTo: to },
    recipients: to.map((address) => ({ address, domainId: opts.domainId ?? null })),
    chunks: [Buffer.from(raw)],
    messageId,
    subject,
    status: opts.status,
  });
  return { id, messageId };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function messageIdOf(raw: Buffer): string | null {
  const m = /^message-id:\s*(\S+)/im.exec(raw.toString('utf8'));
  return m ? m[1]! : null;
}
