// What the spam rules look at, computed once per message so that each rule is a cheap test:
// header lookups, the visible body text, HTML facts and the Received trail.
import type { ParsedMessage } from '../../types.js';

export interface RuleView {
  msg: ParsedMessage;
  /** First value of each header, by lower-case name. */
  h: Map<string, string>;
  /** Every header name present, with its count. */
  count: Map<string, number>;
  subject: string;
  /** Visible body text: the text part, or the HTML as rendered when there is no text part. */
  body: string;
  bodyLower: string;
  /** Raw HTML, lower-cased, or '' when there is none. */
  htmlLower: string;
  words: number;
  images: number;
  received: string[];
  /** Date of the most recent Received header, when it can be read. */
  receivedAt: Date | null;
}

const MAX_BODY = 60_000;

export function view(msg: ParsedMessage): RuleView {
  const h = new Map<string, string>();
  const count = new Map<string, number>();
  for (const f of msg.headers) {
    if (!h.has(f.key)) h.set(f.key, f.value);
    count.set(f.key, (count.get(f.key) ?? 0) + 1);
  }
  const text = msg.text.trim() ? msg.text : msg.htmlText;
  const body = text.slice(0, MAX_BODY);
  const htmlLower = (msg.html ?? '').slice(0, MAX_BODY * 2).toLowerCase();
  const received = msg.headers.filter((f) => f.key === 'received').map((f) => f.value);
  let receivedAt: Date | null = null;
  const last = received[0];
  if (last) {
    const semi = last.lastIndexOf(';');
    if (semi >= 0) {
      const d = new Date(last.slice(semi + 1).trim().replace(/\s*\(.*\)\s*$/, ''));
      if (!Number.isNaN(d.getTime())) receivedAt = d;
    }
  }
  const images = (htmlLower.match(/<img\b/g) ?? []).length;
  const words = (body.match(/\p{L}{2,}/gu) ?? []).length;
  return { msg, h, count, subject: msg.subject, body, bodyLower: body.toLowerCase(), htmlLower, words, images, received, receivedAt };
}
