// The connection reputation as scored symbols (family reputation): DNSBL listings of the client IP
// and global IP list membership, for messages the connection check did not refuse outright.
import type { Analyzer, Emit, SymbolDef } from '../scan/types.js';
import { ReputationConfig, reputationConfig } from './config.js';
import { IpReputation } from './evaluate.js';

const G = 'reputation';
export const REPUTATION_SYMBOLS: readonly SymbolDef[] = [
  { name: 'RBL_LISTED', group: G, score: 1, category: 'spam', description: 'The client IP is on a DNSBL; weighted by the zone\'s score for the return code' },
  { name: 'RBL_ERROR', group: G, score: 0, description: 'A DNSBL lookup failed (timeout, refused)' },
  { name: 'IP_BLOCKLISTED', group: G, score: 10, category: 'spam', description: 'The client IP is on the global block list' },
  { name: 'IP_ALLOWLISTED', group: G, score: -5, description: 'The client IP is on the global allow list' },
];

// One evaluator per config section, so its answer cache is shared by the messages it scans.
const evaluators = new WeakMap<object, IpReputation>();

export const reputationAnalyzer: Analyzer = {
  name: 'reputation',
  family: 'reputation',
  stage: 'prefilter',
  symbols: REPUTATION_SYMBOLS,
  config: ReputationConfig,
  async analyze(msg, ctx) {
    const cfg = reputationConfig(ctx.config);
    let rep = evaluators.get(ctx.config);
    if (!rep) evaluators.set(ctx.config, (rep = new IpReputation(cfg, ctx.resolve, ctx.db, () => ctx.now().getTime())));
    const v = await rep.evaluate(msg.envelope.clientIp);
    if (v.kind === 'allowed') return [{ name: 'IP_ALLOWLISTED', detail: v.entry }];
    if (v.kind === 'blocked') return [{ name: 'IP_BLOCKLISTED', detail: v.entry }];
    const out: Emit[] = v.hits.map((h) => ({ name: 'RBL_LISTED', detail: `${h.zone} ${h.code}${h.meaning ? ` ${h.meaning}` : ''}`, weight: h.score }));
    for (const e of v.errors) out.push({ name: 'RBL_ERROR', detail: `${e.zone}: ${e.reason}` });
    return out;
  },
};
