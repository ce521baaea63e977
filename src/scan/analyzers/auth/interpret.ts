// Turns mailauth's authentication result into symbols and AuthFacts: DMARC policy with pct sampling
// and subdomain policy, SPF hard fail without DMARC, and the trusted-ARC relaxation of a DMARC fail.
import { createHash } from 'node:crypto';
import type { AuthFacts, AuthResult, Emit } from '../../types.js';
import type { AuthConfig } from './config.js';

const RESULTS: readonly AuthResult[] = ['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy'];

/** mailauth spells a few results differently ('temperr', 'skipped'); fold them into ours. */
export function normalise(r: unknown): AuthResult {
  const s = String(r ?? 'none').toLowerCase();
  if (s === 'temperr') return 'temperror';
  return (RESULTS as readonly string[]).includes(s) ? (s as AuthResult) : 'none';
}

/** A stable 0–99 bucket per message, so pct sampling gives the same answer on every rescan. */
export function pctBucket(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % 100;
}

/** RFC 7489 §6.6.4: a message outside pct gets the next weaker policy. */
export function applyPct(policy: string, pct: number | undefined, bucket: number): { policy: string; sampled: boolean } {
  const p = pct ?? 100;
  if (bucket < p) return { policy, sampled: true };
  return { policy: policy === 'reject' ? 'quarantine' : 'none', sampled: false };
}

function domainMatches(domain: string, list: readonly string[]): boolean {
  const d = domain.toLowerCase();
  return list.some((t) => d === t.toLowerCase() || d.endsWith(`.${t.toLowerCase()}`));
}

export interface Interpreted {
  symbols: Emit[];
  facts: AuthFacts;
}

/** The pure part of the analyzer: mailauth result (+ config, sampling key) → symbols and facts. */
export function interpret(res: any, cfg: AuthConfig, sampleKey: string): Interpreted {
  const symbols: Emit[] = [];

  const spfResult = res.spf ? normalise(res.spf.status?.result) : 'none';
  const spfDomain: string | null = res.spf?.domain ?? null;
  const spfDetail = `${spfDomain ?? '-'}: ${res.spf?.status?.comment ?? spfResult}`;
  const spfName = { pass: 'SPF_PASS', fail: 'SPF_FAIL', softfail: 'SPF_SOFTFAIL', neutral: 'SPF_NEUTRAL', none: 'SPF_NONE', temperror: 'SPF_TEMPERROR', permerror: 'SPF_PERMERROR', policy: 'SPF_NEUTRAL' }[spfResult];
  symbols.push({ name: spfName, detail: spfDetail });
  const spfFacts = { result: spfResult, domain: spfDomain };
  // A From header too large to read (authenticateSpf): no author domain, so DMARC cannot pass.
  if (res.fromOversized) {
    symbols.push({ name: 'FROM_OVERSIZED', detail: res.fromOversized });
    return { symbols, facts: { spf: spfFacts, dkim: [], dmarc: { result: 'permerror', policy: null, domain: null }, arc: { result: 'none' } } };
  }

  const dkimRows: any[] = (res.dkim?.results ?? []).filter((r: any) => r.signingDomain || normalise(r.status?.result) !== 'none');
  const dkimFacts: AuthFacts['dkim'] = [];
  if (dkimRows.length === 0) symbols.push({ name: 'DKIM_NONE' });
  const dm = res.dmarc || null;
  const fromDomain: string | null = dm?.status?.header?.from?.toLowerCase() ?? null;
  // mailauth 4.13 matches organisational domains even under adkim=s/aspf=s: enforce strict here.
  const strictDkim = Boolean(dm?.alignment?.dkim?.strict);
  const strictSpf = Boolean(dm?.alignment?.spf?.strict);
  for (const row of dkimRows) {
    let r = normalise(row.status?.result);
    // A missing or unusable key is a permanent error (RFC 6376 §6.1.2); mailauth says neutral.
    if (r === 'neutral' && /key/.test(String(row.status?.comment ?? ''))) r = 'permerror';
    const name = { pass: 'DKIM_VALID', fail: 'DKIM_INVALID', neutral: 'DKIM_NEUTRAL', policy: 'DKIM_NEUTRAL', temperror: 'DKIM_TEMPERROR', permerror: 'DKIM_PERMERROR', none: 'DKIM_NONE', softfail: 'DKIM_NEUTRAL' }[r];
    symbols.push({ name, detail: `d=${row.signingDomain ?? '-'} s=${row.selector ?? '-'}${row.status?.comment ? `: ${row.status.comment}` : ''}` });
    dkimFacts.push({ result: r, domain: row.signingDomain ?? null, selector: row.selector ?? null, aligned: r === 'pass' && Boolean(row.status?.aligned) && (!strictDkim || row.signingDomain?.toLowerCase() === fromDomain) });
  }

  const arcResult = res.arc ? normalise(res.arc.status?.result) : 'none';
  const sealer: string | null = res.arc?.signature?.signingDomain ?? null;
  if (arcResult === 'pass') symbols.push({ name: 'ARC_VALID', detail: `i=${res.arc.i} sealer=${sealer ?? '-'}` });
  else if (arcResult === 'fail') symbols.push({ name: 'ARC_INVALID', detail: res.arc.status?.comment ?? 'chain broken' });
  else symbols.push({ name: 'ARC_NONE' });

  let dmarcResult = dm ? normalise(dm.status?.result) : 'none';
  if (dmarcResult === 'pass' && (strictDkim || strictSpf)) {
    const dkimOk = dkimFacts.some((d) => d.aligned);
    const spfOk = spfResult === 'pass' && (strictSpf ? spfDomain?.toLowerCase() === fromDomain : Boolean(dm.alignment?.spf?.result));
    if (!dkimOk && !spfOk) dmarcResult = 'fail';
  }
  let effectivePolicy: string | null = dm?.policy ?? null;
  if (!dm || dmarcResult === 'none') symbols.push({ name: 'DMARC_NONE', detail: dm?.status?.header?.from ?? undefined });
  else if (dmarcResult === 'pass') symbols.push({ name: 'DMARC_PASS', detail: `${dm.domain} p=${dm.p}` });
  else if (dmarcResult === 'temperror') symbols.push({ name: 'DMARC_TEMPERROR', detail: dm.domain });
  else if (dmarcResult === 'permerror') symbols.push({ name: 'DMARC_PERMERROR', detail: dm.domain });
  else {
    const { policy, sampled } = applyPct(String(dm.policy ?? 'none').toLowerCase(), dm.pct, pctBucket(sampleKey));
    effectivePolicy = policy;
    const aar = res.arc?.authenticationResults;
    const vouched = aar && (aar.dmarc?.result === 'pass' || aar.spf?.result === 'pass' || (aar.dkim ?? []).some((d: any) => d.result === 'pass'));
    const detail = `${dm.domain} p=${dm.policy}${dm.pct !== undefined && dm.pct !== 100 ? ` pct=${dm.pct}${sampled ? '' : ' (not sampled)'}` : ''}`;
    if (policy !== 'none' && arcResult === 'pass' && sealer && domainMatches(sealer, cfg.trusted_arc_sealers) && vouched) {
      symbols.push({ name: 'DMARC_FAIL_ARC_TRUSTED', detail: `${detail}; trusted ARC sealer ${sealer}` });
    } else if (policy === 'reject') symbols.push({ name: 'DMARC_FAIL_REJECT', detail });
    else if (policy === 'quarantine') symbols.push({ name: 'DMARC_FAIL_QUARANTINE', detail });
    else symbols.push({ name: 'DMARC_FAIL_NONE', detail });
  }

  if (spfResult === 'fail' && (!dm || dmarcResult === 'none') && cfg.spf_fail_without_dmarc === 'auth_failed') {
    symbols.push({ name: 'SPF_FAIL_NO_DMARC', detail: spfDetail });
  }

  return {
    symbols,
    facts: {
      spf: spfFacts,
      dkim: dkimFacts,
      dmarc: { result: dmarcResult, policy: effectivePolicy, domain: dm?.domain ?? null },
      arc: { result: arcResult },
    },
  };
}
