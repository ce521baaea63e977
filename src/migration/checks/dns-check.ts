// Check 2, "DNS ready": the domain's SPF record authorises the gateway (include: of the gateway's
// SPF name, or ip4:/ip6: covering its addresses) and its MX TTLs are low enough for a quick
// cutover. Also the MX half of check 3: does MX point at the gateway?
import ipaddr from 'ipaddr.js';
import type { MigrationConfig } from '../config.js';
import type { MigrationResolver, MxRecord } from './resolver.js';
import type { CheckStep } from './types.js';

type Gateway = MigrationConfig['gateway'];

function hostEq(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');
}

/** Whether an ip4:/ip6: mechanism value covers the gateway address or network. */
function covers(mechanism: string, gatewayIp: string): boolean {
  try {
    const [net, bits] = ipaddr.parseCIDR(mechanism.includes('/') ? mechanism : `${mechanism}/${mechanism.includes(':') ? 128 : 32}`);
    const [gnet, gbits] = ipaddr.parseCIDR(gatewayIp.includes('/') ? gatewayIp : `${gatewayIp}/${gatewayIp.includes(':') ? 128 : 32}`);
    if (net.kind() !== gnet.kind() || gbits < bits) return false;
    return gnet.match(net, bits);
  } catch {
    return false;
  }
}

/**
 * What in an SPF record authorises the gateway, or null: include: of the gateway's SPF name, or
 * ip4:/ip6: mechanisms that together cover every gateway address. Only pass (+) qualifiers count.
 */
export function spfAuthorises(record: string, gw: Gateway): string | null {
  const mechanisms = record
    .trim()
    .split(/\s+/)
    .slice(1)
    .filter((t) => !/^[-~?]/.test(t))
    .map((t) => /^\+?(include|ip4|ip6):(.+)$/i.exec(t))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ kind: m[1]!.toLowerCase(), value: m[2]!, text: m[0].replace(/^\+/, '') }));
  const include = mechanisms.find((m) => m.kind === 'include' && hostEq(m.value, gw.spf_include));
  if (include) return include.text;
  if (gw.spf_ips.length === 0) return null;
  const used: string[] = [];
  for (const ip of gw.spf_ips) {
    const m = mechanisms.find((x) => x.kind !== 'include' && covers(x.value, ip));
    if (!m) return null;
    if (!used.includes(m.text)) used.push(m.text);
  }
  return used.join(' ');
}

export async function dnsCheck(domain: string, resolver: MigrationResolver, gw: Gateway): Promise<{ ok: boolean; summary: string; steps: CheckStep[] }> {
  const steps: CheckStep[] = [];
  const problems: string[] = [];
  let t0 = Date.now();
  const txt = await resolver.txt(domain);
  const spfStep = (ok: boolean, found: string) => steps.push({ step: `SPF (TXT ${domain})`, ok, found, ms: Date.now() - t0 });
  if (!txt.ok) {
    spfStep(false, txt.error);
    problems.push(`the SPF lookup failed (${txt.error})`);
  } else {
    const spf = txt.records.filter((r) => /^v=spf1(\s|$)/i.test(r));
    if (spf.length === 0) {
      spfStep(false, txt.records.length ? `no SPF record among: ${txt.records.join(' | ')}` : 'no TXT records');
      problems.push(`${domain} has no SPF record; publish one with include:${gw.spf_include}`);
    } else if (spf.length > 1) {
      spfStep(false, spf.join(' | '));
      problems.push(`${domain} has ${spf.length} SPF records; there must be exactly one (RFC 7208 §3.2)`);
    } else {
      const by = spfAuthorises(spf[0]!, gw);
      spfStep(by !== null, by ? `${spf[0]} (authorised by ${by})` : spf[0]!);
      if (!by) problems.push(`the SPF record does not include the gateway: add include:${gw.spf_include}`);
    }
  }
  t0 = Date.now();
  const mx = await resolver.mx(domain);
  if (!mx.ok) {
    steps.push({ step: `MX TTL (MX ${domain})`, ok: false, found: mx.error, ms: Date.now() - t0 });
    problems.push(`the MX lookup failed (${mx.error})`);
  } else if (mx.records.length === 0) {
    steps.push({ step: `MX TTL (MX ${domain})`, ok: false, found: 'no MX records', ms: Date.now() - t0 });
    problems.push(`${domain} has no MX records`);
  } else {
    const high = mx.records.filter((r) => r.ttl > gw.max_mx_ttl);
    steps.push({ step: `MX TTL (MX ${domain})`, ok: high.length === 0, found: formatMx(mx.records), ms: Date.now() - t0 });
    if (high.length) problems.push(`MX TTL is ${Math.max(...high.map((r) => r.ttl))} s; lower it to ${gw.max_mx_ttl} s or less`);
  }
  return problems.length ? { ok: false, summary: problems.join('; '), steps } : { ok: true, summary: `SPF includes the gateway and MX TTLs are at most ${gw.max_mx_ttl} s`, steps };
}

export function formatMx(records: MxRecord[]): string {
  return [...records].sort((a, b) => a.priority - b.priority).map((r) => `${r.priority} ${r.exchange} (TTL ${r.ttl} s)`).join(', ');
}

/** Whether every MX of the domain is one of the gateway's hosts (a leftover old MX would bypass it). */
export async function mxPointsAtGateway(domain: string, resolver: MigrationResolver, gw: Gateway): Promise<{ ok: boolean; found: string; reason: string }> {
  const mx = await resolver.mx(domain);
  if (!mx.ok) return { ok: false, found: mx.error, reason: `the MX lookup failed (${mx.error})` };
  if (mx.records.length === 0) return { ok: false, found: 'no MX records', reason: `${domain} has no MX records` };
  const other = mx.records.filter((r) => !gw.mx_hosts.some((h) => hostEq(h, r.exchange)));
  if (other.length) return { ok: false, found: formatMx(mx.records), reason: `MX still points at ${other.map((r) => r.exchange).join(', ')}; point it at ${gw.mx_hosts.join(', ')}` };
  return { ok: true, found: formatMx(mx.records), reason: '' };
}
