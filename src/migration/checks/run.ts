// Runs one readiness check for a programme domain, keeps the result with its time, and moves the
// domain to `ready` once the latest result of each of the three checks is a pass.
import { nowIso } from '../../store/dialect.js';
import type { ProgrammeDeps } from '../context.js';
import { MigrationRepository, type ProgrammeDomain } from '../repository.js';
import { canTransition } from '../states.js';
import { cutoverCheck } from './cutover.js';
import { dnsCheck } from './dns-check.js';
import { smtpProbe } from './smtp-probe.js';
import { CHECK_NAMES, type CheckName, type CheckResult } from './types.js';

export type CheckDeps = Pick<ProgrammeDeps, 'db' | 'config' | 'submit' | 'resolver' | 'now'>;

export async function runCheck(deps: CheckDeps, domain: ProgrammeDomain, check: CheckName): Promise<CheckResult> {
  const started = Date.now();
  const at = deps.now();
  const gw = deps.config.gateway;
  let r: { ok: boolean; summary: string; steps: CheckResult['steps'] };
  if (check === 'smtp') {
    const routes = await deps.db.selectFrom('routes').selectAll().where('domain_id', '=', domain.domainId).orderBy('preference').orderBy('id').execute();
    const route = routes[0];
    if (!route) r = { ok: false, summary: `no delivery route is configured for ${domain.name}; the gateway does not know your mail server yet (ask the gateway team)`, steps: [] };
    else
      r = await smtpProbe(
        { host: route.host, port: route.port, tls: route.tls, tlsVerify: route.tls_verify === 1 },
        { helo: gw.probe_helo, mailFrom: gw.probe_from, rcptTo: `${gw.probe_local_part}@${domain.name}`, timeoutMs: gw.probe_timeout * 1000 },
      );
  } else if (check === 'dns') {
    r = await dnsCheck(domain.name, deps.resolver, gw);
  } else {
    r = await cutoverCheck(domain.name, deps);
  }
  const result: CheckResult = { check, ok: r.ok, summary: r.summary, steps: r.steps, at: nowIso(at), durationMs: Date.now() - started };
  await deps.db
    .insertInto('mig_checks')
    .values({ domain_id: domain.domainId, check_name: check, ok: r.ok ? 1 : 0, at: result.at, duration_ms: result.durationMs, summary: r.summary, detail: JSON.stringify(r.steps) })
    .execute();
  await promoteWhenReady(deps, domain);
  return result;
}

/** The latest result of each check for a domain (absent when never run). */
export async function latestResults(deps: Pick<ProgrammeDeps, 'db'>, domainId: number): Promise<Partial<Record<CheckName, CheckResult>>> {
  const rows = await deps.db.selectFrom('mig_checks').selectAll().where('domain_id', '=', domainId).orderBy('id', 'desc').limit(200).execute();
  const out: Partial<Record<CheckName, CheckResult>> = {};
  for (const row of rows) {
    if (out[row.check_name]) continue;
    out[row.check_name] = { check: row.check_name, ok: row.ok === 1, summary: row.summary, steps: JSON.parse(row.detail), at: row.at, durationMs: row.duration_ms };
  }
  return out;
}

async function promoteWhenReady(deps: CheckDeps, domain: ProgrammeDomain): Promise<void> {
  const latest = await latestResults(deps, domain.domainId);
  if (!CHECK_NAMES.every((c) => latest[c]?.ok)) return;
  const current = await new MigrationRepository(deps.db).requireDomain(domain.name);
  if (!canTransition(current.status, 'ready')) return;
  await new MigrationRepository(deps.db).transition(current.domainId, 'ready', { actor: 'readiness checks', reason: 'all three readiness checks passed', at: deps.now() });
}
