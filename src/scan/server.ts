// The scan daemon (`rampart scand`): the scan engine as a long-running HTTP service, for mail
// systems that want Rampart's verdicts without its SMTP front (an Exim or Postfix content filter,
// another MTA's plugin) and for `rampart scan --server`, which stays light while the daemon's
// workers stay warm — as rspamc talks to rspamd and spamc to spamd.
//
//   POST /scan        body: the raw message; envelope in X-Rampart-From, X-Rampart-IP,
//                     X-Rampart-Helo and X-Rampart-Rcpt (comma-separated) → 200 and a ScanReport (JSON)
//   POST /scan/batch  body: several messages (batch-frames.ts), one envelope for all → 200 and one
//                     JSON line per message in order: its ScanReport or {"error": …}
//   GET  /ping        → 200 "pong"
//
// Like spamd's --allowed-ips it answers only the networks it is given (loopback by default): the
// scan reveals policy, and anyone who can post can make it work.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RampartConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { matchEntry, normaliseIp, type ListEntry } from '../policy/lists.js';
import { BatchFormatError, decodeBatch } from './batch-frames.js';
import { checkEnvelope, EnvelopeError } from './envelope.js';
import { ScanPool } from './pool.js';
import { toReport, type ScanReport } from './report.js';
import type { Envelope } from './types.js';

export interface ScanServerOptions {
  config: RampartConfig;
  host: string;
  port: number;
  /** Client addresses and networks answered; others get 403. */
  allow: readonly string[];
  /** Network tests off (every DNS lookup refused), as `rampart scan --local`. */
  offline?: boolean;
  threads?: number;
  log: Logger;
  /** Work while the workers load their modules (the schema update): ScanPool's prepare. */
  prepare?: () => Promise<void>;
}

export interface ScanServer {
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_ALLOW = ['127.0.0.0/8', '::1'];

/** Messages one batch may hold. */
export const MAX_BATCH = 256;
/**
 * A batch body may be as large as one message may be (smtp.max_message_size) and never less than
 * this, so that a client's batch of small messages fits a daemon configured for small ones.
 */
export const BATCH_BYTES_FLOOR = 8 * 1024 * 1024;

/** A request the daemon refuses, with its HTTP status. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The allow list as list entries, each checked (a typo must not open the daemon to everyone). */
export function allowEntries(allow: readonly string[]): ListEntry[] {
  return allow.map((a) => {
    const value = normaliseIp(a);
    if (!value) throw new Error(`allow: ${JSON.stringify(a)} is not an IP address or network`);
    return { domain: '*', list: 'allow', kind: 'ip', value };
  });
}

/** The envelope from the X-Rampart-* request headers; defaults are those of `rampart scan`. */
export function envelopeOf(headers: http.IncomingHttpHeaders): Envelope {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  try {
    return checkEnvelope(
      { ip: one('x-rampart-ip'), from: one('x-rampart-from'), helo: one('x-rampart-helo'), rcpt: (one('x-rampart-rcpt') ?? '').split(',') },
      { ip: 'X-Rampart-IP', from: 'X-Rampart-From', helo: 'X-Rampart-Helo', rcpt: 'X-Rampart-Rcpt' },
    );
  } catch (err) {
    if (err instanceof EnvelopeError) throw new Refusal(400, err.message);
    throw err;
  }
}

const tooLarge = (max: number) => `message larger than smtp.max_message_size (${max} bytes)`;

/** The request body, refused with 413 and `refusal` past `max` bytes. */
function readBody(req: http.IncomingMessage, max: number, refusal: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > max) return reject(new Refusal(413, refusal));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.destroy();
        reject(new Refusal(413, refusal));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export async function startScanServer(opts: ScanServerOptions): Promise<ScanServer> {
  const allowed = allowEntries(opts.allow);
  const max = opts.config.smtp.max_message_size;
  const pool = await ScanPool.start({ config: opts.config, size: opts.threads, offline: opts.offline === true, shareBayes: !opts.config.scan.disabled.includes('bayes'), prepare: opts.prepare });
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const batchMax = Math.max(max, BATCH_BYTES_FLOOR) + MAX_BATCH * 16;
  /** One message's line in a batch answer: its report, or why it was not scanned. */
  const scanOne = async (raw: Buffer, envelope: Envelope): Promise<ScanReport | { error: string }> => {
    if (!raw.length) return { error: 'empty message' };
    if (raw.length > max) return { error: tooLarge(max) };
    try {
      return toReport(await pool.scan({ raw, envelope }));
    } catch (err) {
      opts.log.error({ err }, 'scan daemon: scan failed');
      return { error: (err as Error)?.message ?? String(err) };
    }
  };
  const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>> = {
    '/scan': async (req, res) => {
      const envelope = envelopeOf(req.headers);
      const raw = await readBody(req, max, tooLarge(max));
      if (!raw.length) throw new Refusal(400, 'empty message');
      send(res, 200, toReport(await pool.scan({ raw, envelope })));
    },
    '/scan/batch': async (req, res) => {
      const envelope = envelopeOf(req.headers);
      const body = await readBody(req, batchMax, `batch larger than ${batchMax} bytes`);
      let messages: Buffer[];
      try {
        messages = decodeBatch(body, MAX_BATCH);
      } catch (err) {
        if (err instanceof BatchFormatError) throw new Refusal(400, err.message);
        throw err;
      }
      const lines = await Promise.all(messages.map((raw) => scanOne(raw, envelope)));
      const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
  };
  const server = http.createServer({ noDelay: true }, (req, res) => {
    const client = req.socket.remoteAddress ?? '';
    if (!matchEntry(allowed, { senders: [], clientIp: client })) return send(res, 403, { error: `${client} is not allowed to use this scan daemon` });
    const url = (req.url ?? '').split('?')[0]!;
    if (url === '/ping' && req.method === 'GET') return send(res, 200, 'pong\n');
    const route = Object.hasOwn(routes, url) ? routes[url]! : undefined;
    if (!route) return send(res, 404, { error: 'not found: POST /scan, POST /scan/batch or GET /ping' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { error: 'POST the raw message to /scan, or a batch to /scan/batch' });
    }
    route(req, res).catch((err: unknown) => {
      if (err instanceof Refusal) {
        // The rest of an oversized body is not read: the connection closes after the answer.
        if (err.status === 413) res.setHeader('connection', 'close');
        send(res, err.status, { error: err.message });
      } else {
        opts.log.error({ err }, 'scan daemon: scan failed');
        send(res, 500, { error: (err as Error)?.message ?? String(err) });
      }
    });
  });
  // Clients keep their connections between messages (rampart scan --server does).
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ host: opts.host, port, threads: pool.size, allow: opts.allow }, 'scan daemon listening');
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await pool.close();
    },
  };
}
