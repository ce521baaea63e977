// Policy: turns the pipeline's symbols into the message's verdict and the ScanDecision the SMTP
// layer acts on. Per recipient domain: monitor mode (families before their go-live do not count),
// allow/block lists (global, the domain's, and the recipients' personal ones), category → action.
// A message to several domains gets the strictest action of its domains, because one SMTP
// transaction has one reply for all of them.
import type { PipelineResult } from '../scan/pipeline.js';
import { failSymbolName, type SymbolRegistry } from '../scan/registry.js';
import { scoreHits, type Scored } from '../scan/scoring.js';
import { CATEGORIES, CATEGORY_LABELS, FAMILIES, type Action, type Category, type Envelope, type HeaderField, type ScanDecision, type SymbolHit, type Verdict } from '../scan/types.js';
import { matchEntry } from './lists.js';
import { GLOBAL, type PolicySnapshot } from './snapshot.js';
import { prefixSubject } from './subject.js';

export const ACTION_RANK: Record<Action, number> = { deliver: 0, tag: 1, quarantine: 2, reject: 3 };

/**
 * What a mailbox owner's allowed sender lets through: their own judgement of what is junk to them.
 * A threat is not theirs to wave through (an allowed address is as forgeable as any other).
 */
const PERSONAL_ALLOW: ReadonlySet<Category> = new Set<Category>(['spam', 'graymail']);

export interface DecideInput {
  result: PipelineResult;
  registry: SymbolRegistry;
  policy: PolicySnapshot;
  envelope: Envelope;
  /** Header From address, matched by the lists together with the envelope sender. */
  fromAddress: string | null;
  /** Recipient domains; empty means the global policy ('*'). */
  domains: readonly string[];
  now: Date;
  onFailure: 'tempfail' | 'accept_and_quarantine';
  /** The message as received, for the subject prefix rewrite. */
  raw: Uint8Array;
}

export interface Decided {
  decision: ScanDecision;
  /** Also given for tempfail decisions, so `rampart scan` can show what was found. */
  verdict: Verdict;
}

interface DomainOutcome {
  domain: string;
  category: Category;
  score: number;
  action: Action;
  subjectPrefix: string | null;
  listHit: SymbolHit | null;
}

export function decide(input: DecideInput): Decided {
  const { result, registry, policy, now } = input;
  const domains = input.domains.length ? [...input.domains] : [GLOBAL];
  const all = scoreHits(result.hits, registry);
  const senders = [input.envelope.mailFrom.toLowerCase(), input.fromAddress?.toLowerCase() ?? ''].filter(Boolean);
  const subject = { senders, clientIp: input.envelope.clientIp };
  // Personal lists act when every recipient's says the same: one transaction has one reply, and
  // one owner's list must not decide for the others.
  const personal = (list: 'allow' | 'block') => {
    const rcpts = input.envelope.rcptTo.map((r) => r.toLowerCase());
    const hits = rcpts.map((r) => matchEntry(policy.personal(r, list), subject));
    return hits.length && hits.every((h) => h !== null) ? hits[0]! : null;
  };
  const personalBlock = personal('block');
  const personalAllow = personal('allow');

  const outcome = (domain: string, scored: Scored): DomainOutcome => {
    const block = matchEntry(policy.entries(domain, 'block'), subject) ?? personalBlock;
    if (block) {
      const hit = { name: 'POLICY_BLOCKLIST', score: 0, detail: `${block.domain === GLOBAL ? 'global' : block.domain} block list: ${block.value}` };
      return { domain, category: scored.category, score: scored.score, action: 'reject', subjectPrefix: null, listHit: hit };
    }
    const allow = matchEntry(policy.entries(domain, 'allow'), subject);
    const where = allow ? `${allow.domain === GLOBAL ? 'global' : allow.domain} allow list: ${allow.value}` : '';
    // An allow list entry never lets malware through: the address is as easily forged as any other.
    if (allow && scored.category !== 'malware') {
      return { domain, category: scored.category, score: scored.score, action: 'deliver', subjectPrefix: null, listHit: { name: 'POLICY_ALLOWLIST', score: 0, detail: where } };
    }
    const mine = personalAllow && `${personalAllow.domain} allow list: ${personalAllow.value}`;
    if (!allow && mine && PERSONAL_ALLOW.has(scored.category)) {
      return { domain, category: scored.category, score: scored.score, action: 'deliver', subjectPrefix: null, listHit: { name: 'POLICY_ALLOWLIST', score: 0, detail: mine } };
    }
    const eff = policy.actionFor(domain, scored.category);
    // An allow entry that matched but could not decide is shown, so the trace explains why not.
    let ignored: string | null = null;
    if (allow) ignored = `${where} (ignored for malware)`;
    else if (mine && scored.category !== 'clean') ignored = `${mine} (ignored for ${scored.category})`;
    const listHit = ignored ? { name: 'POLICY_ALLOWLIST', score: 0, detail: ignored } : null;
    return { domain, category: scored.category, score: scored.score, action: eff.action, subjectPrefix: eff.subjectPrefix, listHit };
  };

  const enforced: DomainOutcome[] = [];
  const would: DomainOutcome[] = [];
  const monitoredEverywhere = new Set<string>(FAMILIES);
  const monitoredAnywhere = new Set<string>();
  for (const d of domains) {
    const monitored = policy.monitoredFamilies(d, now);
    for (const f of [...monitoredEverywhere]) if (!monitored.has(f as never)) monitoredEverywhere.delete(f);
    for (const f of monitored) monitoredAnywhere.add(f);
    const scored = monitored.size ? scoreHits(result.hits.filter((h) => !(h.family && monitored.has(h.family))), registry) : all;
    enforced.push(outcome(d, scored));
    if (monitored.size) would.push(outcome(d, all));
  }
  const chosen = strictest(enforced);
  const symbols: SymbolHit[] = all.symbols.map((h) => (h.family && monitoredAnywhere.has(h.family) ? { ...h, detail: h.detail ? `${h.detail} (monitor mode)` : 'monitor mode' } : h));
  for (const o of enforced) if (o.listHit && !symbols.some((s) => s.name === o.listHit!.name)) symbols.push(o.listHit);

  const verdict: Verdict = { score: chosen.score, category: chosen.category, action: chosen.action, symbols, addHeaders: [] };
  if (would.length) {
    const w = strictest(would);
    verdict.would = { category: w.category, action: w.action };
  }

  // An analyzer whose failure makes the scan incomplete (malware, apt by default) never yields a
  // clean pass, unless its family is only being monitored for every recipient domain.
  const incomplete = result.incomplete.filter((name) => {
    const fam = registry.get(failSymbolName(name))?.family;
    return !(fam && monitoredEverywhere.has(fam));
  });
  if (incomplete.length) {
    const reason = `scan incomplete: ${incomplete.join(', ')} failed`;
    if (input.onFailure === 'tempfail') return { verdict, decision: { kind: 'tempfail', reason } };
    verdict.action = 'quarantine';
  }

  verdict.addHeaders = headersFor(result.headers, verdict);
  if (verdict.action === 'reject') {
    const why = chosen.listHit?.name === 'POLICY_BLOCKLIST' ? 'sender is blocked by policy' : CATEGORY_LABELS[verdict.category];
    return { verdict, decision: { kind: 'reject', verdict, reason: `Message refused: ${why}` } };
  }
  const decision: ScanDecision = { kind: 'accept', verdict, quarantine: verdict.action === 'quarantine' };
  if (verdict.action === 'tag' && chosen.subjectPrefix) decision.message = prefixSubject(input.raw, chosen.subjectPrefix);
  return { verdict, decision };
}

/** The strictest action; among equals the higher-precedence category. */
function strictest(list: DomainOutcome[]): DomainOutcome {
  return list.reduce((a, b) => {
    const r = ACTION_RANK[b.action] - ACTION_RANK[a.action];
    if (r !== 0) return r > 0 ? b : a;
    return CATEGORIES.indexOf(b.category) < CATEGORIES.indexOf(a.category) ? b : a;
  });
}

function headersFor(analyzerHeaders: HeaderField[], v: Verdict): HeaderField[] {
  const out = [...analyzerHeaders, { key: 'x-rampart-category', value: v.category }, { key: 'x-rampart-score', value: v.score.toFixed(2) }];
  if (v.action === 'tag') {
    out.push({ key: 'x-rampart-symbols', value: fold(v.symbols.map((s) => `${s.name}(${s.score})`)) });
    out.push({ key: 'x-spam-flag', value: 'YES' });
  }
  return out;
}

/** Joins items with ", " and folds so no header line gets long. */
function fold(items: string[]): string {
  let line = '';
  const lines: string[] = [];
  for (const it of items) {
    if (line && line.length + it.length > 70) {
      lines.push(line + ',');
      line = it;
    } else line = line ? `${line}, ${it}` : it;
  }
  lines.push(line);
  return lines.join('\r\n\t');
}
