// A small clamd client speaking the INSTREAM protocol (zINSTREAM, length-prefixed chunks) over TCP
// or a unix socket, with a size cap and a timeout. An unreachable or stuck clamd is an error the
// caller must turn into the configured failure action: never "clean".
import net from 'node:net';

export type ClamdAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export type ClamdVerdict =
  | { kind: 'clean' }
  | { kind: 'infected'; signature: string }
  /** clamd answered but could not scan (e.g. its StreamMaxLength): the object is not known clean. */
  | { kind: 'error'; message: string };

/** clamd could not be reached or did not answer in time. */
export class ClamdUnavailableError extends Error {
  readonly code = 'CLAMD_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ClamdUnavailableError';
  }
}

export interface ClamdOptions {
  address: ClamdAddress;
  /** Whole exchange, connect to reply. */
  timeoutMs: number;
  /** Objects larger than this are not sent (clamd's StreamMaxLength would refuse them anyway). */
  maxBytes: number;
  chunkBytes?: number;
}

/** 'tcp://host:port', 'host:port', 'unix:/path' or '/path'. */
export function parseClamdAddress(spec: string): ClamdAddress {
  if (spec.startsWith('unix:')) return { kind: 'unix', path: spec.slice(5).replace(/^\/\//, '') };
  if (spec.startsWith('/')) return { kind: 'unix', path: spec };
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(spec);
  if (!m) throw new Error(`clamd address ${JSON.stringify(spec)}: expected tcp://host:port or unix:/path`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`clamd address ${JSON.stringify(spec)}: port must be 1-65535`);
  return { kind: 'tcp', host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function connect(address: ClamdAddress): net.Socket {
  return address.kind === 'tcp' ? net.connect({ host: address.host, port: address.port }) : net.connect({ path: address.path });
}

/** Parses clamd's reply to INSTREAM ("stream: OK", "stream: Name FOUND", "... ERROR"). */
export function parseReply(reply: string): ClamdVerdict {
  const r = reply.replace(/\0+$/, '').trim();
  const found = /^(?:stream|\S+): (.+) FOUND$/.exec(r);
  if (found) return { kind: 'infected', signature: found[1]! };
  if (/: OK$/.test(r)) return { kind: 'clean' };
  return { kind: 'error', message: r || 'empty reply' };
}

/** Sends one object to clamd and returns its verdict. Throws ClamdUnavailableError when clamd cannot answer. */
export function scanBuffer(data: Uint8Array, opts: ClamdOptions, signal?: AbortSignal): Promise<ClamdVerdict> {
  if (data.byteLength > opts.maxBytes) return Promise.resolve({ kind: 'error', message: `object of ${data.byteLength} bytes exceeds the ${opts.maxBytes}-byte stream limit` });
  const chunk = opts.chunkBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const sock = connect(opts.address);
    const parts: Buffer[] = [];
    let settled = false;
    const finish = (err: Error | null, v?: ClamdVerdict) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(v!);
    };
    const onAbort = () => finish(new ClamdUnavailableError('clamd scan aborted'));
    const timer = setTimeout(() => finish(new ClamdUnavailableError(`clamd did not answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort();
    sock.on('error', (e) => finish(new ClamdUnavailableError(`clamd: ${e.message}`)));
    sock.on('data', (d) => {
      parts.push(d);
      if (d.includes(0)) finish(null, parseReply(Buffer.concat(parts).toString('utf8')));
    });
    sock.on('end', () => {
      if (parts.length) finish(null, parseReply(Buffer.concat(parts).toString('utf8')));
      else finish(new ClamdUnavailableError('clamd closed the connection without a reply'));
    });
    sock.on('connect', () => {
      sock.write('zINSTREAM\0');
      for (let off = 0; off < data.byteLength; off += chunk) {
        const piece = data.subarray(off, Math.min(off + chunk, data.byteLength));
        const len = Buffer.alloc(4);
        len.writeUInt32BE(piece.byteLength);
        sock.write(len);
        sock.write(piece);
      }
      sock.write(Buffer.alloc(4));
    });
  });
}

/** PING → PONG: for health checks. */
export function ping(address: ClamdAddress, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(address);
    const timer = setTimeout(() => { sock.destroy(); resolve(false); }, timeoutMs);
    let buf = '';
    sock.on('connect', () => sock.write('zPING\0'));
    sock.on('data', (d) => { buf += d.toString(); if (buf.includes('PONG')) { clearTimeout(timer); sock.destroy(); resolve(true); } });
    sock.on('error', () => { clearTimeout(timer); resolve(false); });
  });
}
