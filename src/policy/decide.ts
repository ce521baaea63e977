// Policy: turns the pipeline's symbols into the message's verdict and the ScanDecision the SMTP
// layer acts on. Per recipient domain: monitor mode (families before their go-live do not count),
// allow/block lists (global, the domain's, and the recipients' personal ones), category → action.
// Each recipient gets what its own domain's policy and its own personal lists decide: when they
// disagree the message is split into copies, one per outcome. One SMTP transaction has one reply,
// so the message is refused only when every recipient's policy refuses it; otherwise a refusing
// recipient's copy is held in quarantine (no backscatter, nothing lost).
import type { PipelineResult } from '../scan/pipeline.js';
import { failSymbolName, type SymbolRegistry } from '../scan/registry.js';
import { scoreHits, type Scored } from '../scan/scoring.js';
import { CATEGORIES, CATEGORY_LABELS, FAMILIES, type AcceptedCopy, type Action, type Category, type Envelope, type HeaderField, type ScanDecision, type SymbolHit, type Verdict } from '../scan/types.js';
import { matchEntry } from './lists.js';
import { GLOBAL, type PolicySnapshot } from './snapshot.js';
import { prefixSubject } from './subject.js';

export const ACTION_RANK: Record<Action, number> = { deliver: 0, tag: 1, quarantine: 2, reject: 3 };

/**
 * What a mailbox owner's own word decides — their allowed senders let it through, and they may
 * release it from their quarantine: their judgement of what is junk to them. A threat (or mail
 * failing authentication or carrying bad links) is not theirs to wave through: an allowed address
 * is as forgeable as any other, and a released phishing mail is one click from its victim.
 */
export const OWNER_JUDGED: ReadonlySet<Category> = new Set<Category>(['spam', 'graymail']);

export interface DecideInput {
  result: PipelineResult;
  registry: SymbolRegistry;
  policy: PolicySnapshot;
  envelope: Envelope;
  /** Header From address, matched by the lists together with the envelope sender. */
  fromAddress: string | null;
  /** Each envelope recipient with its domain's canonical name; none means the global policy ('*'). */
  recipients: readonly Recipient[];
  now: Date;
  onFailure: 'tempfail' | 'accept_and_quarantine';
  /** The message as received, for the subject prefix rewrite. */
  raw: Uint8Array;
}

export interface Recipient {
  address: string;
  domain: string;
}

export interface Decided {
  decision: ScanDecision;
  /**
   * The message's verdict: the strictest of its recipients'. Also given for tempfail decisions, so
   * `rampart scan` can show what was found.
   */
  verdict: Verdict;
}

interface Outcome {
  category: Category;
  score: number;
  action: Action;
  subjectPrefix: string | null;
  listHit: SymbolHit | null;
}

/** What one recipient's policy does with the message, and would do without monitor mode. */
interface RecipientOutcome {
  enforced: Outcome;
  would: Outcome | null;
  /** The symbols that counted for the recipient's domain. */
  symbols: readonly SymbolHit[];
}

export function decide(input: DecideInput): Decided {
  const { result, registry, policy, now } = input;
  const all = scoreHits(result.hits, registry);
  const senders = [input.envelope.mailFrom.toLowerCase(), input.fromAddress?.toLowerCase() ?? ''].filter(Boolean);
  const subject = { senders, clientIp: input.envelope.clientIp };

  const outcome = (domain: string, scored: Scored, mailbox: string | null): Outcome => {
    const personal = (list: 'allow' | 'block') => (mailbox ? matchEntry(policy.personal(mailbox, list), subject) : null);
    const block = matchEntry(policy.entries(domain, 'block'), subject) ?? personal('block');
    if (block) {
      const hit = { name: 'POLICY_BLOCKLIST', score: 0, detail: `${block.domain === GLOBAL ? 'global' : block.domain} block list: ${block.value}` };
      return { category: scored.category, score: scored.score, action: 'reject', subjectPrefix: null, listHit: hit };
    }
    const allow = matchEntry(policy.entries(domain, 'allow'), subject);
    const where = allow ? `${allow.domain === GLOBAL ? 'global' : allow.domain} allow list: ${allow.value}` : '';
    // An allow list entry never lets malware through: the address is as easily forged as any other.
    if (allow && scored.category !== 'malware') {
      return { category: scored.category, score: scored.score, action: 'deliver', subjectPrefix: null, listHit: { name: 'POLICY_ALLOWLIST', score: 0, detail: where } };
    }
    const personalAllow = allow ? null : personal('allow');
    const mine = personalAllow && `${personalAllow.domain} allow list: ${personalAllow.value}`;
    if (mine && OWNER_JUDGED.has(scored.category)) {
      return { category: scored.category, score: scored.score, action: 'deliver', subjectPrefix: null, listHit: { name: 'POLICY_ALLOWLIST', score: 0, detail: mine } };
    }
    const eff = policy.actionFor(domain, scored.category);
    // An allow entry that matched but could not decide is shown, so the trace explains why not.
    let ignored: string | null = null;
    if (allow) ignored = `${where} (ignored for malware)`;
    else if (mine && scored.category !== 'clean') ignored = `${mine} (ignored for ${scored.category})`;
    const listHit = ignored ? { name: 'POLICY_ALLOWLIST', score: 0, detail: ignored } : null;
    return { category: scored.category, score: scored.score, action: eff.action, subjectPrefix: eff.subjectPrefix, listHit };
  };

  // Each domain's scores once — monitor mode leaves some families out, and a symbol may count for
  // some recipient domains only (a fuzzy entry of one domain's judgement) — then each recipient's
  // outcome: the domain's lists and actions, and the mailbox's personal lists.
  const recipients = input.recipients.length ? input.recipients : [{ address: '', domain: GLOBAL }];
  const byDomain = new Map<string, { enforced: Scored; full: Scored; monitored: ReadonlySet<string>; symbols: SymbolHit[] }>();
  const scoped = result.hits.some((h) => h.domains);
  const monitoredEverywhere = new Set<string>(FAMILIES);
  const monitoredAnywhere = new Set<string>();
  const outcomes: RecipientOutcome[] = recipients.map((r) => {
    let d = byDomain.get(r.domain);
    if (!d) {
      const monitored: ReadonlySet<string> = policy.monitoredFamilies(r.domain, now);
      for (const f of [...monitoredEverywhere]) if (!monitored.has(f)) monitoredEverywhere.delete(f);
      for (const f of monitored) monitoredAnywhere.add(f);
      const hits = scoped ? result.hits.filter((h) => !h.domains || h.domains.includes(r.domain)) : result.hits;
      const full = scoped ? scoreHits(hits, registry) : all;
      const enforced = monitored.size ? scoreHits(hits.filter((h) => !(h.family && monitored.has(h.family))), registry) : full;
      byDomain.set(r.domain, (d = { enforced, full, monitored, symbols: annotate(full.symbols, monitored) }));
    }
    const mailbox = r.address ? r.address.toLowerCase() : null;
    return { enforced: outcome(r.domain, d.enforced, mailbox), would: d.monitored.size ? outcome(r.domain, d.full, mailbox) : null, symbols: d.symbols };
  });

  /** The verdict of some recipients' outcomes: the strictest, its symbols, and their list entries. */
  const verdictOf = (chosen: readonly RecipientOutcome[], symbols: readonly SymbolHit[]): Verdict => {
    const enforced = strictest(chosen.map((o) => o.enforced));
    const own = [...symbols];
    for (const o of chosen) if (o.enforced.listHit && !own.some((s) => s.name === o.enforced.listHit!.name)) own.push(o.enforced.listHit);
    const verdict: Verdict = { score: enforced.score, category: enforced.category, action: enforced.action, symbols: own, addHeaders: [] };
    const would = chosen.flatMap((o) => (o.would ? [o.would] : []));
    if (would.length) {
      const w = strictest(would);
      verdict.would = { category: w.category, action: w.action };
    }
    return verdict;
  };
  const chosen = strictest(outcomes.map((o) => o.enforced));
  // The message's verdict names every symbol, whichever recipients it counted for.
  const verdict = verdictOf(outcomes, annotate(all.symbols, monitoredAnywhere));

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
  // Recipients whose policies disagree get one copy each of what their policies do — unless the
  // scan was incomplete (every copy quarantined) or every one of them refuses it.
  const groups = incomplete.length ? [] : groupRecipients(recipients, outcomes);
  if (groups.length > 1 && groups.some((g) => g.outcome.enforced.action !== 'reject')) {
    const copies = groups.map((g, i): AcceptedCopy => {
      const members = g.members.map((m) => m.outcome);
      const v = verdictOf(members, union(members.map((m) => m.symbols)));
      const refused = v.action === 'reject';
      // One reply answers the whole transaction: the message is accepted for the others, so the
      // copy these recipients' policy refuses is held, never bounced (no backscatter) or dropped.
      if (refused) v.action = 'quarantine';
      const who = g.members.map((m) => m.address);
      const detail = `copy ${i + 1} of ${groups.length}, for ${who.length === 1 ? who[0] : `${who.length} recipients`}${refused ? ': refused by their policy, held because the message was accepted for its other recipients' : ''}`;
      v.symbols.push({ name: 'POLICY_SPLIT', score: 0, detail });
      v.addHeaders = headersFor(result.headers, v);
      const prefix = g.outcome.enforced.subjectPrefix;
      const copy: AcceptedCopy = { recipients: who, verdict: v, quarantine: v.action === 'quarantine' };
      if (v.action === 'tag' && prefix) copy.message = prefixSubject(input.raw, prefix);
      return copy;
    });
    return { verdict, decision: { kind: 'split', copies } };
  }
  if (verdict.action === 'reject') {
    const why = chosen.listHit?.name === 'POLICY_BLOCKLIST' ? 'sender is blocked by policy' : CATEGORY_LABELS[verdict.category];
    return { verdict, decision: { kind: 'reject', verdict, reason: `Message refused: ${why}` } };
  }
  const decision: ScanDecision = { kind: 'accept', verdict, quarantine: verdict.action === 'quarantine' };
  if (verdict.action === 'tag' && chosen.subjectPrefix) decision.message = prefixSubject(input.raw, chosen.subjectPrefix);
  return { verdict, decision };
}

/**
 * Recipients in groups that get the same handling (action, category, subject prefix, monitor-mode
 * outcome), in the order of their first recipient. Scores and list entries may differ within a
 * group: two copies handled alike would only cost the downstream server a second transaction.
 */
function groupRecipients(recipients: readonly Recipient[], outcomes: readonly RecipientOutcome[]) {
  const groups = new Map<string, { outcome: RecipientOutcome; members: { address: string; outcome: RecipientOutcome }[] }>();
  outcomes.forEach((o, i) => {
    const { action, category, subjectPrefix } = o.enforced;
    const key = JSON.stringify([action, category, subjectPrefix, o.would?.action, o.would?.category]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { outcome: o, members: [] }));
    g.members.push({ address: recipients[i]!.address, outcome: o });
  });
  return [...groups.values()];
}

/** The symbols marked as monitor mode when their family is among the monitored ones. */
function annotate(symbols: readonly SymbolHit[], monitored: ReadonlySet<string>): SymbolHit[] {
  if (!monitored.size) return [...symbols];
  return symbols.map((h) => (h.family && monitored.has(h.family) ? { ...h, detail: h.detail ? `${h.detail} (monitor mode)` : 'monitor mode' } : h));
}

/** Several symbol lists as one, each symbol (name and detail) once. */
function union(lists: readonly (readonly SymbolHit[])[]): SymbolHit[] {
  if (lists.every((l) => l === lists[0])) return [...lists[0]!];
  const seen = new Set<string>();
  return lists.flat().filter((h) => {
    const key = `${h.name}\0${h.detail ?? ''}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/** The strictest action; among equals the higher-precedence category. */
function strictest(list: readonly Outcome[]): Outcome {
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
