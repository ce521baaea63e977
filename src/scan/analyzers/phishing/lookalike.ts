// Lookalike domains: the same registrable name after folding confusable characters (a skeleton in
// the spirit of Unicode TR39), punycode decoded, or one edit away from a protected or brand domain.
// Shared by phishing (links, senders) and BEC (sender domains that imitate the organisation).
import { domainToUnicode } from 'node:url';
import { distance } from 'fastest-levenshtein';
import { parse } from 'tldts';

// Common confusables to their Latin lookalike: Cyrillic, Greek, fullwidth and digit substitutions.
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', к: 'k', м: 'm', н: 'h', т: 't', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ɡ: 'g', ѕ: 's', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɩ: 'i',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', ɑ: 'a', ı: 'i', ɪ: 'i', ʟ: 'l', ɴ: 'n', ᴏ: 'o', ꜱ: 's',
  '0': 'o', '1': 'l', '|': 'l', '!': 'i', '$': 's', '@': 'a',
};

/** Folds a domain label to a skeleton: confusables mapped, accents stripped, rn→m, vv→w, i→l. */
export function skeleton(s: string): string {
  let folded = '';
  for (const c of s.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '')) folded += CONFUSABLES[c] ?? c;
  return folded.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/cl/g, 'd').replace(/i/g, 'l');
}

export interface Target {
  /** The registrable domain imitated (example.edu, paypal.com). */
  domain: string;
  /** Brand name when the target comes from the brand list. */
  brand: string | null;
}

export interface LookalikeHit {
  host: string;
  target: Target;
  how: 'homoglyph' | 'edit-distance' | 'tld-swap' | 'brand-in-name';
}

const parsed = new Map<string, { label: string; suffix: string; registrable: string } | null>();

function labelOf(domain: string): { label: string; suffix: string; registrable: string } | null {
  const hit = parsed.get(domain);
  if (hit !== undefined) return hit;
  const p = parse(domain, { allowPrivateDomains: false });
  const v = !p.domain || !p.domainWithoutSuffix ? null : { label: p.domainWithoutSuffix, suffix: p.publicSuffix ?? '', registrable: p.domain };
  if (parsed.size > 5000) parsed.clear();
  parsed.set(domain, v);
  return v;
}

export interface Brand {
  name: string;
  domains: string[];
}

interface PreparedTarget extends Target {
  minLen: number;
  tldSwap: boolean;
  label: string;
  suffix: string;
  skeleton: string;
}

/** The targets of one (protected domains, brands) pair, parsed and folded once. */
interface Prepared {
  targets: PreparedTarget[];
  owned: Set<string>;
  brandTokens: { brand: Brand; token: string }[];
  /**
   * Answers already given against these targets: the same hosts (the big senders', the
   * trackers', the organisation's own) come back in message after message.
   */
  answers: Map<string, LookalikeHit | null>;
}

// Brand lists are configuration (one array per analyzer configuration); the protected domains are
// one array per reload of the store's domain list (the scan engine's snapshot): both keyed by
// identity, so a new list is prepared once and an old one is dropped with it.
const preparedCache = new WeakMap<readonly Brand[], WeakMap<readonly string[], Prepared>>();

function prepare(protectedDomains: readonly string[], brands: readonly Brand[]): Prepared {
  let byDomains = preparedCache.get(brands);
  if (!byDomains) preparedCache.set(brands, (byDomains = new WeakMap()));
  const hit = byDomains.get(protectedDomains);
  if (hit) return hit;
  const all: (Target & { minLen: number; tldSwap: boolean })[] = [
    ...protectedDomains.map((d) => ({ domain: d.toLowerCase(), brand: null, minLen: 5, tldSwap: true })),
    ...brands.flatMap((b) => b.domains.map((d) => ({ domain: d.toLowerCase(), brand: b.name, minLen: 6, tldSwap: false }))),
  ];
  const owned = new Set<string>();
  const targets: PreparedTarget[] = [];
  for (const t of all) {
    const them = labelOf(t.domain);
    if (!them) continue;
    owned.add(them.registrable);
    targets.push({ ...t, label: them.label, suffix: them.suffix, skeleton: skeleton(them.label) });
  }
  const brandTokens = brands.map((b) => ({ brand: b, token: b.name.toLowerCase().replace(/[^a-z0-9]/g, '') })).filter((b) => b.token.length >= 4);
  const prepared: Prepared = { targets, owned, brandTokens, answers: new Map() };
  byDomains.set(protectedDomains, prepared);
  return prepared;
}

/** Compares one host against the targets. Exact matches (and subdomains of them) are not lookalikes. */
export function lookalike(host: string, protectedDomains: readonly string[], brands: readonly Brand[]): LookalikeHit | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  const prepared = prepare(protectedDomains, brands);
  const known = prepared.answers.get(h);
  if (known !== undefined) return known;
  const answer = compare(h, prepared);
  if (prepared.answers.size > 5000) prepared.answers.clear();
  prepared.answers.set(h, answer);
  return answer;
}

function compare(h: string, { targets, owned, brandTokens }: Prepared): LookalikeHit | null {
  const me = labelOf(h);
  if (!me) return null;
  if (owned.has(me.registrable)) return null;
  const target = (t: PreparedTarget): Target => ({ domain: t.domain, brand: t.brand });
  let sk: string | undefined;
  for (const t of targets) {
    if (me.label === t.label) {
      if (t.tldSwap && me.suffix !== t.suffix) return { host: h, target: target(t), how: 'tld-swap' };
      continue;
    }
    sk ??= skeleton(domainToUnicode(me.registrable).split('.')[0] ?? me.label);
    if (sk === t.skeleton) return { host: h, target: target(t), how: 'homoglyph' };
    if (t.label.length >= t.minLen && Math.abs(me.label.length - t.label.length) <= 1 && distance(me.label, t.label) === 1) return { host: h, target: target(t), how: 'edit-distance' };
  }
  // Brand names inside an unrelated domain: paypal.com.account-verify.net, microsoft-login.example.
  const labels = h.split('.');
  for (const { brand: b, token } of brandTokens) {
    const inSub = labels.slice(0, -2).some((l) => l === token || l.split('-').includes(token));
    const inReg = me.label !== token && me.label.split('-').includes(token);
    if (inSub || inReg) return { host: h, target: { domain: b.domains[0] ?? token, brand: b.name }, how: 'brand-in-name' };
  }
  return null;
}

export function registrable(host: string): string | null {
  return labelOf(host)?.registrable ?? null;
}

export const DEFAULT_BRANDS: Brand[] = [
  { name: 'Microsoft', domains: ['microsoft.com', 'office.com', 'office365.com', 'microsoftonline.com', 'live.com', 'outlook.com', 'sharepoint.com', 'onedrive.com', 'azure.com', 'hotmail.com'] },
  { name: 'PayPal', domains: ['paypal.com', 'paypal.me', 'paypalobjects.com'] },
  { name: 'Apple', domains: ['apple.com', 'icloud.com', 'me.com'] },
  { name: 'Google', domains: ['google.com', 'gmail.com', 'googlemail.com', 'youtube.com', 'googleusercontent.com', 'gstatic.com'] },
  { name: 'Amazon', domains: ['amazon.com', 'amazon.co.uk', 'amazon.de', 'amazon.fr', 'amazonaws.com', 'amazonses.com'] },
  { name: 'DocuSign', domains: ['docusign.com', 'docusign.net'] },
  { name: 'Dropbox', domains: ['dropbox.com', 'dropboxmail.com'] },
  { name: 'Netflix', domains: ['netflix.com'] },
  { name: 'Facebook', domains: ['facebook.com', 'facebookmail.com', 'fb.com'] },
  { name: 'Instagram', domains: ['instagram.com'] },
  { name: 'LinkedIn', domains: ['linkedin.com'] },
  { name: 'Adobe', domains: ['adobe.com'] },
  { name: 'DHL', domains: ['dhl.com', 'dhl.de'] },
  { name: 'FedEx', domains: ['fedex.com'] },
  { name: 'Wells Fargo', domains: ['wellsfargo.com'] },
  { name: 'Chase', domains: ['chase.com', 'jpmorganchase.com'] },
  { name: 'Bank of America', domains: ['bankofamerica.com', 'bofa.com'] },
  { name: 'Coinbase', domains: ['coinbase.com'] },
  { name: 'Binance', domains: ['binance.com'] },
];
