// Phishing: lookalikes of the protected domains and of a brand list (homoglyphs, punycode, one edit
// away, brand names in unrelated domains), link text that shows one domain while the link goes to
// another, credential-harvest cues (password forms, login wording with urgency, data:/javascript:
// links, shorteners in login prompts) and display names that claim a brand or the service desk.
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import { bodyHtmlReport, fileHtmlReport, type HtmlReport } from '../../../files/html.js';
import type { Analyzer, AnalyzerContext, Emit, ParsedMessage, SymbolDef } from '../../types.js';
import { DEFAULT_BRANDS, lookalike, registrable, type Brand } from './lookalike.js';

const BrandSchema = z.object({ name: z.string().min(2), domains: z.array(z.string().min(3)).min(1) }).strict();
export const PhishingConfig = z
  .object({
    /** Brands whose lookalikes and display names are flagged; replaces the built-in list when set. */
    brands: z.array(BrandSchema).default(DEFAULT_BRANDS),
    /** More brands on top of the built-in (or configured) list. */
    extra_brands: z.array(BrandSchema).default([]),
    shorteners: z.array(z.string()).default(['bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at', 'rb.gy', 'tiny.cc', 'lnkd.in', 's.id', 'v.gd']),
  })
  .strict();

const SYMBOLS: SymbolDef[] = [
  { name: 'PHISH_LOOKALIKE_DOMAIN', description: 'A link or sender domain imitates a protected or brand domain (homoglyph, punycode, one edit, other TLD)', group: 'phishing', score: 10, category: 'phishing' },
  { name: 'PHISH_BRAND_IN_URL', description: 'A brand name used inside an unrelated domain', group: 'phishing', score: 3 },
  { name: 'PHISH_LINK_TEXT_MISMATCH', description: 'Link text shows a protected or brand domain (or the link goes to an IP address, or the mail asks to log in) while the link goes elsewhere', group: 'phishing', score: 6, category: 'phishing' },
  { name: 'LINK_TEXT_MISMATCH', description: 'Link text shows one domain, the link goes to another (newsletter click tracking does this too)', group: 'phishing', score: 1 },
  { name: 'PHISH_CREDENTIAL_FORM', description: 'A password form in the message or an HTML attachment', group: 'phishing', score: 10, category: 'phishing' },
  { name: 'PHISH_FORM', description: 'An HTML form that posts elsewhere', group: 'phishing', score: 2 },
  { name: 'PHISH_LOGIN_URGENCY', description: 'Login or verification wording with urgency, and a link', group: 'phishing', score: 5, category: 'phishing' },
  { name: 'PHISH_LOGIN_WORDING', description: 'Login or verification wording with a link', group: 'phishing', score: 1 },
  { name: 'PHISH_DATA_URL', description: 'A data: link that opens a page or file', group: 'phishing', score: 6, category: 'phishing' },
  { name: 'JAVASCRIPT_LINK', description: 'A javascript: link (old newsletters use them for pop-ups)', group: 'phishing', score: 1 },
  { name: 'PHISH_SHORTENER_LOGIN', description: 'URL shortener in a login prompt', group: 'phishing', score: 4, category: 'phishing' },
  { name: 'PHISH_DISPLAY_NAME_BRAND', description: 'Display name claims a brand or the service desk from an unrelated domain', group: 'phishing', score: 6, category: 'phishing' },
];

const LOGIN = /\b(verify|confirm|validate|re-?activate|unlock|update|restore)\b.{0,40}\b(account|password|mailbox|e-?mail|identity|credentials|login|log-in|sign[- ]?in)\b|\b(sign[- ]?in|log[- ]?in)\b.{0,30}\b(to (?:avoid|keep|restore|verify|confirm)|now|immediately|below)\b|\bpassword (?:expires?|expired|expiry)\b|\bmailbox (?:is )?(?:full|quota|storage)\b/i;
const URGENCY = /\b(urgent(?:ly)?|immediately|within (?:24|48|12) hours|expires? today|by today|suspend(?:ed)?|deactivat(?:ed|ion)|locked|terminat(?:ed|ion)|final (?:notice|warning)|action required|unusual (?:sign-?in )?activity|expires? (?:today|soon))\b/i;
const SERVICE_DESK = /\b(it ?(?:service ?)?(?:desk|support|help ?desk|department|team)|help ?desk|service ?desk|webmail|mail ?(?:admin|administrator|server|system)|e-?mail (?:admin|administrator|support|team)|system administrator|account (?:team|services)|security team|postmaster)\b/i;

const SERVICE_WORDS = new Set(['support', 'service', 'services', 'team', 'security', 'account', 'accounts', 'billing', 'no', 'reply', 'noreply', 'customer', 'care', 'notification', 'notifications', 'alert', 'alerts', 'online', '365', 'office', 'id', 'help', 'center', 'centre', 'inc', 'the', 'via', 'mail', 'admin', 'verification', 'payments', 'payment', 'info', 'official', 'store', 'prime', 'onedrive', 'sharepoint', 'teams', 'outlook', 'cloud', 'icloud', 'ads', 'business']);

function domainShown(text: string): string | null {
  const t = text.trim().toLowerCase();
  const m = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#][^\s]*)?$/.exec(t);
  return m ? m[1]! : null;
}

const NO_DOMAINS: readonly string[] = [];

/** What one configuration derives: built once per configuration, not per message. */
interface Derived {
  brands: Brand[];
  shorteners: Set<string>;
  /** Registrable domains of the brands, plus the protected domains keyed by their text. */
  ownedBrands: string[];
  /** Per protected-domain list (one array per reload of the domain list). */
  owned: WeakMap<readonly string[], Set<string>>;
}
const derivedCache = new WeakMap<object, Derived>();

function derived(cfg: z.infer<typeof PhishingConfig>): Derived {
  let d = derivedCache.get(cfg);
  if (!d) {
    const brands = [...cfg.brands, ...cfg.extra_brands];
    d = { brands, shorteners: new Set(cfg.shorteners), ownedBrands: brands.flatMap((b) => b.domains).map((x) => registrable(x) ?? x), owned: new WeakMap() };
    derivedCache.set(cfg, d);
  }
  return d;
}

function ownedDomains(d: Derived, protectedDomains: readonly string[]): Set<string> {
  let set = d.owned.get(protectedDomains);
  if (!set) d.owned.set(protectedDomains, (set = new Set([...protectedDomains.map((x) => registrable(x) ?? x), ...d.ownedBrands])));
  return set;
}

async function analyze(msg: ParsedMessage, ctx: AnalyzerContext): Promise<Emit[]> {
  const cfg = analyzerConfig(PhishingConfig, 'phishing', ctx.config);
  const derivedCfg = derived(cfg);
  const brands = derivedCfg.brands;
  const out: Emit[] = [];
  const seen = new Set<string>();
  const emit = (name: string, detail: string) => {
    if (!seen.has(name)) { seen.add(name); out.push({ name, detail }); }
  };
  const fromDomain = msg.from?.address.split('@')[1] ?? '';
  const senderReg = fromDomain ? registrable(fromDomain) : null;

  // Lookalike hosts: links, then sender domains.
  const hosts = new Map<string, string>();
  for (const u of msg.urls) if (u.host) hosts.set(u.host, `link ${u.url.slice(0, 120)}`);
  for (const [label, a] of [['From', msg.from?.address], ['Reply-To', msg.replyTo[0]?.address], ['envelope sender', msg.envelope.mailFrom]] as const) {
    const d = a?.split('@')[1];
    if (d) hosts.set(d, `${label} ${a}`);
  }
  // Sender domains are compared with brands only: a sender imitating the organisation is BEC's.
  for (const [host, where] of hosts) {
    const hit = lookalike(host, where.startsWith('link') ? ctx.protectedDomains : NO_DOMAINS, brands);
    if (!hit || hit.how === 'tld-swap') continue;
    if (hit.how === 'brand-in-name') emit('PHISH_BRAND_IN_URL', `${where}: ${host} uses ${hit.target.brand}`);
    else emit('PHISH_LOOKALIKE_DOMAIN', `${where}: ${host} imitates ${hit.target.domain} (${hit.how}${host.includes('xn--') ? ', punycode' : ''})`);
  }

  const body = `${msg.subject}\n${msg.text}\n${msg.htmlText}`;
  const login = LOGIN.exec(body);
  // Newsletters show a domain and link through their click tracker: only a shown domain that
  // belongs to the organisation or a brand, an IP-literal target, or a login prompt makes it phishing.
  const owned = ownedDomains(derivedCfg, ctx.protectedDomains);
  for (const u of msg.urls) {
    if (u.source === 'href' && u.text) {
      const shown = domainShown(u.text);
      const shownReg = shown ? registrable(shown) : null;
      const realReg = u.host ? (registrable(u.host) ?? u.host) : null;
      if (shownReg && realReg && shownReg !== realReg) {
        const strong = owned.has(shownReg) || /^\[?[0-9a-f:.]+\]?$/.test(u.host) || login !== null;
        emit(strong ? 'PHISH_LINK_TEXT_MISMATCH' : 'LINK_TEXT_MISMATCH', `shows ${shown}, goes to ${u.host}`);
      }
    }
    if (/^data:(text\/html|application|image\/svg)/i.test(u.url)) emit('PHISH_DATA_URL', u.url.slice(0, 80));
    else if (/^javascript:/i.test(u.url)) emit('JAVASCRIPT_LINK', u.url.slice(0, 80));
  }

  // Forms in the body and in HTML attachments (attachments come from the shared file analysis).
  const pages: { where: string; report: HtmlReport }[] = [];
  const bodyHtml = bodyHtmlReport(msg);
  if (bodyHtml) pages.push({ where: 'message body', report: bodyHtml });
  // HTML attachments as the parser delivered them (no archive walk needed for a login page).
  for (const a of msg.attachments) {
    const name = (a.filename ?? '').toLowerCase();
    if (a.size < 5 * 1024 * 1024 && (a.sniffedType === 'text/html' || a.declaredType === 'text/html' || /\.s?html?$|\.svg$/.test(name))) pages.push({ where: a.filename ?? 'attachment.html', report: fileHtmlReport(a.content) });
  }
  for (const p of pages) {
    for (const f of p.report.forms) {
      if (f.password) emit('PHISH_CREDENTIAL_FORM', `${p.where}: password form${f.action ? ` posting to ${f.action.slice(0, 100)}` : ''}`);
      else if (/^https?:/i.test(f.action)) emit('PHISH_FORM', `${p.where}: form posting to ${f.action.slice(0, 100)}`);
    }
  }

  const linked = msg.urls.some((u) => u.source === 'href' || u.source === 'form' || u.source === 'text');
  if (login && linked) {
    const urgent = URGENCY.exec(body);
    if (urgent) emit('PHISH_LOGIN_URGENCY', `"${login[0].slice(0, 60)}" with "${urgent[0]}"`);
    else emit('PHISH_LOGIN_WORDING', login[0].slice(0, 60));
    const short = msg.urls.find((u) => derivedCfg.shorteners.has(u.host));
    if (short) emit('PHISH_SHORTENER_LOGIN', short.url.slice(0, 100));
  }

  // Display names that claim a brand or the organisation's own service desk.
  const name = (msg.from?.name ?? '').toLowerCase();
  if (name && senderReg) {
    const ownDomain = ctx.protectedDomains.some((d) => registrable(d) === senderReg);
    // The name must be the brand plus service words ("PayPal", "Apple Support", "Microsoft 365
    // Security Team"), not a publication that mentions it ("Lockergnome Apple Core").
    const words = name.replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(' ');
    const brand = brands.find((b) => {
      const bw = b.name.toLowerCase().split(/\s+/);
      const at = words.findIndex((_, i) => bw.every((w, k) => words[i + k] === w));
      if (at < 0 || b.domains.some((d) => registrable(d) === senderReg)) return false;
      const rest = [...words.slice(0, at), ...words.slice(at + bw.length)];
      return rest.every((w) => SERVICE_WORDS.has(w));
    });
    if (brand) emit('PHISH_DISPLAY_NAME_BRAND', `"${msg.from!.name}" <${msg.from!.address}> is not ${brand.domains[0]}`);
    else if (!ownDomain && SERVICE_DESK.test(name) && ctx.protectedDomains.length > 0) {
      const rcptDomains = msg.envelope.rcptTo.map((r) => r.split('@')[1]).concat(msg.to.map((t) => t.address.split('@')[1]));
      if (rcptDomains.some((d) => d && ctx.protectedDomains.includes(d)) || ctx.protectedDomains.some((d) => name.includes(d.split('.')[0]!)))
        emit('PHISH_DISPLAY_NAME_BRAND', `"${msg.from!.name}" claims the service desk from ${fromDomain}`);
    }
  }
  return out;
}

export const phishingAnalyzer: Analyzer = { name: 'phishing', family: 'phishing', stage: 'normal', symbols: SYMBOLS, config: PhishingConfig, analyze };
