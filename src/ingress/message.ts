// Reading the DATA stream: collects the message up to the size limit, detects bare CR and bare
// LF (SMTP smuggling material) across chunk boundaries, and pulls Subject and Message-ID out of
// the header block for the message trace.
import { decodeEncodedWords } from '../message/encoded-words.js';
import type { Readable } from 'node:stream';

export interface Collected {
  chunks: Buffer[];
  size: number;
  /** True when the message went over the limit; chunks then hold only the first part. */
  oversized: boolean;
  /** True when a CR not followed by LF, or a LF not preceded by CR, appeared anywhere. */
  bareNewline: boolean;
}

export function collectMessage(stream: Readable, maxBytes: number): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let kept = 0;
    let bare = false;
    let prevCR = false;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!bare && chunk.length) {
        bare = hasBareNewline(chunk, prevCR);
        prevCR = chunk[chunk.length - 1] === 0x0d;
      }
      if (kept + chunk.length <= maxBytes) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    let ended = false;
    stream.once('error', reject);
    // A client that leaves mid-message destroys the stream without 'end': never a message then.
    stream.once('close', () => {
      if (!ended) reject(new Error('connection closed before the end of DATA'));
    });
    stream.once('end', () => {
      ended = true;
      // smtp-server hands over the CRLF that precedes the terminating dot, so a message
      // ending in a lone CR is bare-CR material too.
      resolve({ chunks, size, oversized: size > maxBytes, bareNewline: bare || prevCR });
    });
  });
}

/** True when chunk has a LF without CR before it or a CR without LF after it (native scans). */
function hasBareNewline(chunk: Buffer, prevCR: boolean): boolean {
  if (prevCR && chunk[0] !== 0x0a) return true;
  for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
    if (i === 0 ? !prevCR : chunk[i - 1] !== 0x0d) return true;
  }
  // A CR as the last byte is judged with the next chunk (or at the end of the message).
  for (let i = chunk.indexOf(0x0d); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(0x0d, i + 1)) {
    if (chunk[i + 1] !== 0x0a) return true;
  }
  return false;
}

/** Subject and Message-ID from the header block (unfolded, RFC 2047 words decoded). */
export function traceHeaders(raw: Buffer): { subject: string | null; messageId: string | null } {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = Math.min(raw.length, 64 * 1024);
  const head = raw.subarray(0, Math.min(end, 256 * 1024)).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
  const field = (name: string) => {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
    return m ? m[1]!.trim() : null;
  };
  const subject = field('subject');
  const mid = field('message-id');
  return {
    subject: subject === null ? null : decodeEncodedWords(Buffer.from(subject, 'latin1').toString('utf8')).slice(0, 998),
    messageId: mid ? mid.slice(0, 998) : null,
  };
}

/** Formats verdict headers for prepending: canonical capitalisation, folded value kept as is. */
export function headerLines(fields: readonly { key: string; value: string }[]): Buffer {
  const name = (k: string) =>
    k
      .split('-')
      .map((p) => (/^(arc|dkim|spf|id)$/i.test(p) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
      .join('-');
  return Buffer.from(fields.map((f) => `${name(f.key)}: ${f.value.replace(/\r?\n(?![ \t])/g, '\r\n\t')}\r\n`).join(''), 'utf8');
}

export interface ReceivedInput {
  helo: string | null;
  hostname: string | null;
  ip: string;
  by: string;
  tls: boolean;
  utf8: boolean;
  /** Only named when the message has one recipient (RFC 5321 privacy advice). */
  recipient: string | null;
  date: Date;
}

export function receivedHeader(r: ReceivedInput): Buffer {
  const ip = r.ip.includes(':') ? `IPv6:${r.ip}` : r.ip;
  const clean = (s: string) => s.replace(/[^\x21-\x7e]/g, '').slice(0, 255);
  const from = `${clean(r.helo ?? 'unknown')} (${r.hostname ? clean(r.hostname) + ' ' : ''}[${ip}])`;
  const proto = `${r.utf8 ? 'UTF8' : ''}ESMTP${r.tls ? 'S' : ''}`;
  const rcpt = r.recipient ? `\r\n\tfor <${clean(r.recipient)}>` : '';
  return Buffer.from(`Received: from ${from}\r\n\tby ${clean(r.by)} (Rampart) with ${proto}${rcpt};\r\n\t${rfc2822Date(r.date)}\r\n`, 'latin1');
}

function rfc2822Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}
