// The ingress ConnectionCheck for IP reputation, from the one list model and the DNSBLs:
//  - a global block entry refuses at the configured stage (default connect: 554 5.7.1 in place of
//    the greeting; stage rcpt: 550 5.7.1 per recipient), reason blocklist;
//  - a protected domain's own block entry refuses that domain's recipients at RCPT (550 5.7.1),
//    reason blocklist, while other domains' recipients are accepted;
//  - a block entry beats an allow entry; an allow-listed client is not looked up in the DNSBLs
//    (global allow: never; a domain's allow: not for that domain's recipients);
//  - a DNSBL score over the threshold refuses at the configured stage, reason dnsbl.
import type { Kysely } from 'kysely';
import type { ConnectionCheck, ConnectionRefusal } from '../ingress/connection-check.js';
import type { ListEntry } from '../policy/lists.js';
import { GLOBAL } from '../policy/snapshot.js';
import type { DnsResolve } from '../scan/types.js';
import type { Database } from '../store/schema.js';
import type { ReputationConfig } from './config.js';
import { IpReputation, type DnsblVerdict, type IpListsOptions } from './evaluate.js';

export interface ReputationCheckDeps {
  resolve: DnsResolve;
  db: Kysely<Database> | null;
  now?: () => number;
  /** Cache of the list table (refreshMs: smtp.directory_refresh in the gateway). */
  lists?: IpListsOptions;
}

export function createReputationCheck(cfg: ReputationConfig, deps: ReputationCheckDeps): ConnectionCheck & { reputation: IpReputation } {
  const rep = new IpReputation(cfg, deps.resolve, deps.db, deps.now, deps.lists);
  const [code, enhanced] = cfg.stage === 'connect' ? [554, '5.7.1'] : [550, '5.7.1'];
  const useDnsbl = cfg.reject_threshold !== null && cfg.dnsbl.length > 0;

  const blocked = (ip: string, e: ListEntry, c: number): ConnectionRefusal =>
    e.domain === GLOBAL
      ? { code: c, enhanced: '5.7.1', message: `Access denied: ${ip} is on the global block list (${e.value})`, reason: 'blocklist', detail: `global:${e.value}` }
      : { code: 550, enhanced: '5.7.1', message: `Access denied: ${ip} is on the block list of ${e.domain} (${e.value})`, reason: 'blocklist', detail: `${e.domain}:${e.value}` };

  const dnsblRefusal = (ip: string, v: DnsblVerdict, c: number): ConnectionRefusal | null => {
    if (cfg.reject_threshold === null || v.hits.length === 0 || v.total < cfg.reject_threshold) return null;
    const names = v.hits.map((h) => `${h.zone} (${h.code}${h.meaning ? ` ${h.meaning}` : ''})`).join(', ');
    return { code: c, enhanced: '5.7.1', message: `Access denied: ${ip} is listed in ${names}`, reason: 'dnsbl', detail: v.hits.map((h) => `${h.zone}=${h.code}`).join(' ') };
  };

  const check: ConnectionCheck = async (ctx) => {
    if (ctx.stage !== 'connect' && ctx.stage !== 'rcpt') return null;
    const atStage = ctx.stage === cfg.stage;
    // A global block refuses at the configured stage (with stage rcpt, for every recipient).
    const global = await rep.lists.classify(ctx.ip, GLOBAL);
    if (atStage && global?.list === 'block') return blocked(ctx.ip, global.entry, code);
    // A domain's own lists, at RCPT, for that domain's recipients only.
    const domain = ctx.stage === 'rcpt' && ctx.domain ? ctx.domain : null;
    const own = domain ? await rep.lists.classify(ctx.ip, domain) : null;
    if (own?.list === 'block') return blocked(ctx.ip, own.entry, 550);
    if (!useDnsbl || global?.list === 'allow' || own?.list === 'allow') return null;
    if (atStage) {
      // At connect the recipients are not known yet: a client some domain allow-lists is not
      // refused for its DNSBL listings here, but at RCPT for the domains that do not allow it.
      if (ctx.stage === 'connect' && (await rep.lists.allowedByAnyDomain(ctx.ip))) return null;
      return dnsblRefusal(ctx.ip, await rep.dnsbl(ctx.ip), code);
    }
    if (ctx.stage === 'rcpt' && cfg.stage === 'connect' && (await rep.lists.allowedByAnyDomain(ctx.ip))) return dnsblRefusal(ctx.ip, await rep.dnsbl(ctx.ip), 550);
    return null;
  };
  return Object.assign(check, { reputation: rep });
}
