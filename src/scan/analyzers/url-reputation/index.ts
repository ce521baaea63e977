// URL reputation analyzer (family url): local domain/URL block list, URI DNSBL lookups bounded per
// message and cached, and link heuristics that only together make a message low_url_reputation.
import type { Analyzer, Emit, SymbolDef } from '../../types.js';
import { dnsblQuery, reverseIp, TtlCache, type DnsblAnswer } from '../../../reputation/dnsbl.js';
import { matchBlocked } from '../../../reputation/url-list.js';
import { UrlConfig, urlConfig } from './config.js';
import { heuristics, isIpHost, registrable, type Heuristic } from './heuristics.js';

const G = 'url';
export const URL_SYMBOLS: readonly SymbolDef[] = [
  { name: 'URL_BLOCKLISTED', group: G, score: 8, category: 'low_url_reputation', description: 'A link is on the local domain/URL block list' },
  { name: 'URL_DNSBL_LISTED', group: G, score: 1, category: 'low_url_reputation', description: 'A link domain is on a URI DNSBL; weighted by the zone score for the code' },
  { name: 'URL_DNSBL_ERROR', group: G, score: 0, description: 'A URI DNSBL lookup failed' },
  { name: 'URL_LOOKUP_LIMIT', group: G, score: 0, description: 'More link domains than max_lookups: the rest were not looked up' },
  { name: 'URL_IP_LITERAL', group: G, score: 1.5, description: 'A link points at a bare IP address' },
  { name: 'URL_PUNYCODE', group: G, score: 0.5, description: 'A link host is punycode (IDN)' },
  { name: 'URL_MIXED_SCRIPT', group: G, score: 2.5, description: 'A link host mixes Latin with a look-alike script' },
  { name: 'URL_SHORTENER', group: G, score: 0.3, description: 'A link uses a URL shortener' },
  { name: 'URL_REDIRECT', group: G, score: 0.5, description: 'A link carries another site\'s URL in its query or path (redirector)' },
  { name: 'URL_TEXT_MISMATCH', group: G, score: 1, description: 'Link text shows a different domain than the link goes to' },
  { name: 'URL_SUSPICIOUS', group: G, score: 2, category: 'low_url_reputation', description: 'Link heuristics together reach suspicious_threshold' },
];

const SYMBOL: Record<Heuristic, string> = {
  ip_literal: 'URL_IP_LITERAL', punycode: 'URL_PUNYCODE', mixed_script: 'URL_MIXED_SCRIPT',
  shortener: 'URL_SHORTENER', redirect: 'URL_REDIRECT', text_mismatch: 'URL_TEXT_MISMATCH',
};
/** Points toward URL_SUSPICIOUS: each kind counts once per message, so many links of one kind do not add up. */
const POINTS: Record<Heuristic, number> = { ip_literal: 2.5, mixed_script: 3, text_mismatch: 1.5, redirect: 1, punycode: 1, shortener: 0.5 };

const caches = new WeakMap<object, TtlCache<DnsblAnswer>>();

export const urlReputationAnalyzer: Analyzer = {
  name: 'url',
  family: 'url',
  stage: 'normal',
  symbols: URL_SYMBOLS,
  config: UrlConfig,
  async analyze(msg, ctx) {
    const cfg = urlConfig(ctx.config);
    const out: Emit[] = [];
    const urls = msg.urls.filter((u) => /^https?:/i.test(u.url) || u.host);

    // Local block list (config + table).
    const blocked = await matchBlocked(ctx.db, urls, cfg.block_domains);
    const seenEntries = new Set<string>();
    for (const b of blocked) if (!seenEntries.has(b.entry)) { seenEntries.add(b.entry); out.push({ name: 'URL_BLOCKLISTED', detail: `${b.entry}: ${b.url}` }); }

    // Heuristics: one symbol per kind, listing up to three examples.
    const shorteners = new Set(cfg.shorteners.map((s) => s.toLowerCase()));
    const found = new Map<Heuristic, string[]>();
    for (const u of urls) for (const h of heuristics(u, shorteners)) {
      const list = found.get(h.kind) ?? [];
      if (!list.includes(h.detail)) list.push(h.detail);
      found.set(h.kind, list);
    }
    let points = 0;
    for (const [kind, details] of found) {
      points += POINTS[kind];
      out.push({ name: SYMBOL[kind], detail: details.slice(0, 3).join('; ') + (details.length > 3 ? ` (+${details.length - 3})` : '') });
    }
    if (points >= cfg.suspicious_threshold) out.push({ name: 'URL_SUSPICIOUS', detail: `${[...found.keys()].join(', ')} (${points} points)` });

    // URI DNSBLs: distinct registrable domains (protected domains skipped), bounded, cached.
    if (cfg.uri_dnsbl.length) {
      let cache = caches.get(ctx.config);
      if (!cache) caches.set(ctx.config, (cache = new TtlCache(cfg.cache_seconds * 1000, 20_000, () => ctx.now().getTime())));
      const own = new Set(ctx.protectedDomains.map((d) => d.toLowerCase()));
      const keys = [...new Set(urls.filter((u) => u.host).map((u) => (isIpHost(u.host) ? reverseIp(u.host.replace(/^\[|\]$/g, '')) : registrable(u.host))))].filter((k) => !own.has(k));
      const names = keys.flatMap((k) => cfg.uri_dnsbl.map((z) => ({ key: k, z, name: `${k}.${z.zone}` })));
      if (names.length > cfg.max_lookups) out.push({ name: 'URL_LOOKUP_LIMIT', detail: `${names.length} lookups, ${cfg.max_lookups} made` });
      const answers = await Promise.all(names.slice(0, cfg.max_lookups).map(async (n) => {
        let a = cache!.get(n.name);
        if (!a) {
          a = await dnsblQuery(ctx.resolve, n.name);
          if (a.kind !== 'error') cache!.set(n.name, a);
        }
        return { ...n, a };
      }));
      for (const { key, z, a } of answers) {
        if (a.kind === 'error') out.push({ name: 'URL_DNSBL_ERROR', detail: `${key}.${z.zone}: ${a.reason}` });
        if (a.kind !== 'listed') continue;
        const best = a.codes.map((c) => ({ c, s: z.codes[c]?.score ?? z.default_score, m: z.codes[c]?.meaning || z.default_meaning })).sort((x, y) => y.s - x.s)[0]!;
        out.push({ name: 'URL_DNSBL_LISTED', detail: `${key} in ${z.zone} (${best.c}${best.m ? ` ${best.m}` : ''})`, weight: best.s });
      }
    }
    return out;
  },
};
