// The ingress ConnectionCheck for IP reputation: local block list and DNSBL score over the
// threshold are refused at the configured stage (554 5.7.1 at connect, 550 5.7.1 per recipient).
import type { Kysely } from 'kysely';
import type { ConnectionCheck } from '../ingress/connection-check.js';
import type { DnsResolve } from '../scan/types.js';
import type { Database } from '../store/schema.js';
import type { ReputationConfig } from './config.js';
import { IpReputation } from './evaluate.js';

export function createReputationCheck(cfg: ReputationConfig, deps: { resolve: DnsResolve; db: Kysely<Database> | null; now?: () => number }): ConnectionCheck {
  const rep = new IpReputation(cfg, deps.resolve, deps.db, deps.now);
  const [code, enhanced] = cfg.stage === 'connect' ? [554, '5.7.1'] : [550, '5.7.1'];
  return async (ctx) => {
    if (ctx.stage !== cfg.stage) return null;
    const v = await rep.evaluate(ctx.ip);
    if (v.kind === 'blocked') {
      return { code, enhanced, message: `Access denied: ${ctx.ip} is on the local block list (${v.entry})`, reason: 'blocklist', detail: `local:${v.entry}` };
    }
    if (v.kind !== 'scored' || cfg.reject_threshold === null || v.hits.length === 0 || v.total < cfg.reject_threshold) return null;
    const names = v.hits.map((h) => `${h.zone} (${h.code}${h.meaning ? ` ${h.meaning}` : ''})`).join(', ');
    return {
      code,
      enhanced,
      message: `Access denied: ${ctx.ip} is listed in ${names}`,
      reason: 'dnsbl',
      detail: v.hits.map((h) => `${h.zone}=${h.code}`).join(' '),
    };
  };
}
