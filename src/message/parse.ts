// Parse once: raw RFC 5322 bytes → the read-only ParsedMessage every analyzer works on. A message
// past the limits is still parsed as far as they allow, and says which limit it hit.
import { createHash } from 'node:crypto';
import PostalMime, { type Email } from 'postal-mime';
import type { Address, Attachment, Envelope, FoundUrl, ParsedMessage } from '../scan/types.js';
import { capHeaderFields, type HeaderCut } from './header-cap.js';
import { decodersReady } from './postal-decoders.js';
import { installDirectParse } from './postal-parse.js';
import { sniffType } from './sniff.js';
import { readHtml } from './html.js';
import { urlsInText } from './urls.js';

export interface ParseLimits {
  /** Attachments (all depths) kept; more are counted as a limit hit. */
  maxParts: number;
  /** Nested message/rfc822 levels opened. */
  maxDepth: number;
  /** Total decoded attachment bytes kept. */
  maxDecodedBytes: number;
  maxUrls: number;
}

installDirectParse();

/** postal-mime's options: attached messages come back as attachments, parsed level by level here. */
export const POSTAL_OPTIONS = { forceRfc822Attachments: true, maxRfc822NestingDepth: 0, maxNestingDepth: 50 } as const;

export const DEFAULT_LIMITS: ParseLimits = { maxParts: 500, maxDepth: 5, maxDecodedBytes: 200 * 1024 * 1024, maxUrls: 2000 };

export const EMPTY_ENVELOPE: Envelope = { clientIp: '127.0.0.1', clientHostname: null, helo: null, tls: false, mailFrom: '', rcptTo: [] };

function addr(a: { name?: string; address?: string } | undefined): Address | null {
  if (!a || !a.address) return null;
  return { name: a.name ?? '', address: a.address.toLowerCase() };
}

function addrs(list: Email['to']): Address[] {
  const out: Address[] = [];
  for (const a of list ?? []) {
    if ('group' in a && Array.isArray(a.group)) for (const g of a.group) { const x = addr(g); if (x) out.push(x); }
    else { const x = addr(a as { name?: string; address?: string }); if (x) out.push(x); }
  }
  return out;
}

interface Collected {
  attachments: Attachment[];
  urls: FoundUrl[];
  limitsHit: Set<string>;
  decodedBytes: number;
}

async function collect(email: Email, depth: number, limits: ParseLimits, acc: Collected): Promise<void> {
  for (const a of email.attachments) {
    if (acc.attachments.length >= limits.maxParts) {
      acc.limitsHit.add('parts');
      return;
    }
    const content = typeof a.content === 'string' ? Buffer.from(a.content, 'base64') : new Uint8Array(a.content as ArrayBuffer);
    if (acc.decodedBytes + content.byteLength > limits.maxDecodedBytes) {
      acc.limitsHit.add('decoded_size');
      continue;
    }
    acc.decodedBytes += content.byteLength;
    const sniffed = sniffType(content);
    acc.attachments.push({
      filename: a.filename ?? null,
      declaredType: (a.mimeType || 'application/octet-stream').toLowerCase(),
      sniffedType: sniffed,
      disposition: a.disposition === 'attachment' ? 'attachment' : a.disposition === 'inline' ? 'inline' : null,
      size: content.byteLength,
      sha256: createHash('sha256').update(content).digest('hex'),
      content,
      depth,
    });
    const isMessage = a.mimeType?.toLowerCase() === 'message/rfc822';
    if (isMessage) {
      if (depth + 1 > limits.maxDepth) {
        acc.limitsHit.add('depth');
        continue;
      }
      const inner = await parseEmail(content, acc.limitsHit).catch(() => null);
      if (!inner) {
        acc.limitsHit.add('nested_unparseable');
        continue;
      }
      const name = a.filename ?? 'message.eml';
      if (inner.html) acc.urls.push(...readHtml(inner.html, name, limits.maxUrls - acc.urls.length).urls);
      if (inner.text) acc.urls.push(...urlsInText(inner.text, name, limits.maxUrls - acc.urls.length));
      await collect(inner, depth + 1, limits, acc);
    } else if (sniffed === 'text/html' || a.mimeType === 'text/html') {
      const html = Buffer.from(content).toString('utf8');
      acc.urls.push(...readHtml(html, a.filename ?? 'attachment.html', limits.maxUrls - acc.urls.length).urls);
    }
  }
}

/** postal-mime's parse of one message level, its header fields cut to what the parser reads in time. */
function parseEmail(bytes: Uint8Array, limitsHit: Set<string>, cuts: HeaderCut[] = []): Promise<Email> {
  const capped = capHeaderFields(bytes);
  for (const c of capped.cut) {
    limitsHit.add(`header_size: ${c.name} (${c.bytes} bytes)`);
    cuts.push(c);
  }
  return PostalMime.parse(capped.bytes, POSTAL_OPTIONS);
}

/** Parses a raw message. Never throws on malformed input: it returns what could be read. */
export async function parseMessage(raw: Uint8Array, envelope: Envelope = EMPTY_ENVELOPE, id: string | null = null, limits: ParseLimits = DEFAULT_LIMITS): Promise<ParsedMessage> {
  await decodersReady;
  const limitsHit = new Set<string>();
  const headerCuts: HeaderCut[] = [];
  let email: Email;
  try {
    email = await parseEmail(raw, limitsHit, headerCuts);
  } catch (err) {
    limitsHit.add(`unparseable: ${(err as Error).message}`);
    email = { headers: [], attachments: [], text: Buffer.from(raw).toString('latin1') } as unknown as Email;
  }
  const html = email.html ?? null;
  const read = html ? readHtml(html, 'html', limits.maxUrls) : null;
  const htmlText = read?.text ?? '';
  const text = email.text ?? '';
  const urls: FoundUrl[] = read?.urls ?? [];
  if (text) urls.push(...urlsInText(text, 'text', limits.maxUrls - urls.length));
  const acc: Collected = { attachments: [], urls, limitsHit, decodedBytes: 0 };
  await collect(email, 0, limits, acc);
  if (acc.urls.length >= limits.maxUrls) limitsHit.add('urls');
  return Object.freeze({
    id,
    envelope,
    raw,
    headers: Object.freeze(email.headers.map((h) => ({ key: h.key, value: h.value }))),
    headerCuts: Object.freeze(headerCuts),
    from: addr(email.from as { name?: string; address?: string } | undefined),
    replyTo: addrs(email.replyTo),
    to: addrs(email.to),
    cc: addrs(email.cc),
    subject: email.subject ?? '',
    messageId: email.messageId ?? null,
    date: email.date ?? null,
    text,
    html,
    htmlText,
    urls: Object.freeze(acc.urls),
    attachments: Object.freeze(acc.attachments),
    limitsHit: [...limitsHit],
  });
}

/** First value of a header (lower-case name), or undefined. */
export function header(msg: Pick<ParsedMessage, 'headers'>, name: string): string | undefined {
  const key = name.toLowerCase();
  return msg.headers.find((h) => h.key === key)?.value;
}

/** All values of a header, in order. */
export function headers(msg: Pick<ParsedMessage, 'headers'>, name: string): string[] {
  const key = name.toLowerCase();
  return msg.headers.filter((h) => h.key === key).map((h) => h.value);
}
