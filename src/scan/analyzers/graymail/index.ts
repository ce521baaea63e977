// Graymail: bulk mail the recipient signed up for (newsletters, marketing). Each piece of evidence
// is an informational symbol; when their points reach the threshold, GRAYMAIL (category graymail)
// fires. The pipeline only files a message as graymail when it is not spam.
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import { someTag } from '../../../message/html-tags.js';
import type { Analyzer, Emit, ParsedMessage } from '../../types.js';
import { espOf } from './esp.js';

export const GraymailConfig = z
  .object({
    /** Evidence points needed for GRAYMAIL. */
    threshold: z.number().default(3),
  })
  .strict();

interface Evidence {
  name: string;
  description: string;
  points: number;
  test(msg: ParsedMessage, h: Map<string, string>): boolean | string;
}

const UTM = /[?&]utm_(source|medium|campaign)=/i;
const FOOTER = /\b(unsubscribe|opt[- ]out|manage (your )?(email )?(preferences|subscriptions)|update your preferences|you (are )?receiv(ed|ing) this (e-?mail|message) because|no longer wish to receive)\b/i;

/** An <img> of 1×1 (width and height in either order) or hidden, one tag at a time (html-tags.ts). */
export const trackingPixel = (html: string): boolean =>
  someTag(html, /<img\b/i, (i) => (/width\s*=\s*["']?[01]\b/i.test(i.text) && /height\s*=\s*["']?[01]\b/i.test(i.text)) || /display\s*:\s*none/i.test(i.text));

const EVIDENCE: readonly Evidence[] = [
  { name: 'GRAY_LIST_UNSUB', description: 'List-Unsubscribe header', points: 2, test: (_m, h) => h.has('list-unsubscribe') },
  { name: 'GRAY_LIST_UNSUB_ONECLICK', description: 'RFC 8058 one-click unsubscribe', points: 1, test: (_m, h) => /one-click/i.test(h.get('list-unsubscribe-post') ?? '') },
  { name: 'GRAY_LIST_ID', description: 'List-Id header', points: 1, test: (_m, h) => h.has('list-id') },
  { name: 'GRAY_PRECEDENCE_BULK', description: 'Precedence: bulk or list', points: 1, test: (_m, h) => /^\s*(bulk|list)\b/i.test(h.get('precedence') ?? '') },
  { name: 'GRAY_FEEDBACK_ID', description: 'Feedback-ID header (bulk sender feedback loop)', points: 2, test: (_m, h) => h.has('feedback-id') },
  { name: 'GRAY_ESP', description: 'Sent through an email service provider', points: 3, test: (m, h) => espOf(m, h) ?? false },
  {
    name: 'GRAY_TRACKING_PIXEL',
    description: 'Tracking pixel (1×1 or hidden remote image)',
    points: 1,
    test: (m) => trackingPixel(m.html ?? ''),
  },
  { name: 'GRAY_UTM_LINKS', description: 'Several links with campaign (utm_) parameters', points: 1, test: (m) => m.urls.filter((u) => UTM.test(u.url)).length >= 3 },
  { name: 'GRAY_MANY_LINKS', description: 'Many links (newsletter layout)', points: 1, test: (m) => new Set(m.urls.filter((u) => u.source === 'href').map((u) => u.url)).size >= 15 },
  { name: 'GRAY_UNSUB_FOOTER', description: 'Unsubscribe or preferences footer', points: 1, test: (m) => FOOTER.test((m.text.trim() ? m.text : m.htmlText).slice(-4000)) },
  // A discussion list (people writing to each other through it) is not a newsletter.
  { name: 'GRAY_DISCUSSION_LIST', description: 'Discussion list (List-Post): members write to it', points: -3, test: (_m, h) => h.has('list-post') && !/^\s*NO\b/i.test(h.get('list-post') ?? '') },
];

export const graymail: Analyzer = {
  name: 'graymail',
  family: 'graymail',
  stage: 'normal',
  config: GraymailConfig,
  symbols: [
    { name: 'GRAYMAIL', description: 'Bulk mail the recipient subscribed to (newsletter, marketing)', group: 'graymail', score: 0, category: 'graymail' },
    ...EVIDENCE.map((e) => ({ name: e.name, description: `${e.description} (${e.points} graymail points)`, group: 'graymail', score: 0 })),
  ],
  analyze(msg, ctx) {
    const cfg = analyzerConfig(GraymailConfig, 'graymail', ctx.config);
    const h = new Map<string, string>();
    for (const f of msg.headers) if (!h.has(f.key)) h.set(f.key, f.value);
    const out: Emit[] = [];
    let points = 0;
    for (const e of EVIDENCE) {
      const hit = e.test(msg, h);
      if (!hit) continue;
      points += e.points;
      out.push(typeof hit === 'string' ? { name: e.name, detail: hit } : { name: e.name });
    }
    if (points >= cfg.threshold) out.push({ name: 'GRAYMAIL', detail: `${points} points: ${out.map((e) => e.name).join(', ')}` });
    return out;
  },
};
