// Check 3, "cutover": MX points at the gateway, and a test message submitted to the domain through
// the gateway's spool is delivered to the domain's own server, followed by its queue id, with the
// time each stage took.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { MigrationConfig } from '../config.js';
import type { MailSubmitter } from '../mail.js';
import { composeMail } from '../mail.js';
import { mxPointsAtGateway } from './dns-check.js';
import type { MigrationResolver } from './resolver.js';
import type { CheckStep } from './types.js';

export interface CutoverDeps {
  db: Kysely<Database>;
  config: MigrationConfig;
  submit: MailSubmitter;
  resolver: MigrationResolver;
  now: () => Date;
  /** How often the delivery state is looked at while waiting. */
  pollMs?: number;
}

export async function cutoverCheck(domain: string, deps: CutoverDeps): Promise<{ ok: boolean; summary: string; steps: CheckStep[] }> {
  const gw = deps.config.gateway;
  const steps: CheckStep[] = [];
  let t0 = Date.now();
  const mx = await mxPointsAtGateway(domain, deps.resolver, gw);
  steps.push({ step: `MX ${domain} points at the gateway`, ok: mx.ok, found: mx.found, ms: Date.now() - t0 });
  if (!mx.ok) return { ok: false, summary: mx.reason, steps };

  const to = `${gw.probe_local_part}@${domain}`;
  t0 = Date.now();
  const raw = await composeMail({
    from: gw.probe_from,
    to: { name: `${domain} postmaster`, address: to },
    rendered: { subject: `Rampart migration round-trip test for ${domain}`, text: `This message tests that mail for ${domain} passes through the Rampart gateway to your mail server.\nIt needs no action; you may delete it.\n` },
    date: deps.now(),
    headers: { 'X-Rampart-Migration': `round-trip; domain=${domain}` },
  });
  let queueId: string;
  try {
    queueId = await deps.submit({ from: gw.probe_from, to: [to], raw });
  } catch (err) {
    steps.push({ step: `submit test message to ${to}`, ok: false, found: (err as Error).message, ms: Date.now() - t0 });
    return { ok: false, summary: `the gateway could not queue the test message: ${(err as Error).message}`, steps };
  }
  steps.push({ step: `submit test message to ${to}`, ok: true, found: `queued as ${queueId}`, ms: Date.now() - t0 });

  t0 = Date.now();
  const deadline = t0 + gw.round_trip_timeout * 1000;
  for (;;) {
    const row = await deps.db.selectFrom('message_recipients').select(['status', 'last_reply', 'attempts']).where('message_id', '=', queueId).where('address', '=', to).executeTakeFirst();
    const status = row?.status ?? 'missing';
    if (status === 'delivered') {
      steps.push({ step: `delivery of ${queueId}`, ok: true, found: `delivered after ${row!.attempts} attempt(s): ${row!.last_reply ?? ''}`.trim(), ms: Date.now() - t0 });
      return { ok: true, summary: `MX points at the gateway and test message ${queueId} was delivered to your server in ${((Date.now() - t0) / 1000).toFixed(1)} s`, steps };
    }
    if (status === 'bounced' || status === 'expired' || status === 'missing') {
      steps.push({ step: `delivery of ${queueId}`, ok: false, found: `${status}: ${row?.last_reply ?? ''}`, ms: Date.now() - t0 });
      return { ok: false, summary: `test message ${queueId} was not delivered (${status}): ${row?.last_reply ?? 'no reply recorded'}`, steps };
    }
    if (Date.now() >= deadline) {
      steps.push({ step: `delivery of ${queueId}`, ok: false, found: `still ${status} after ${gw.round_trip_timeout} s${row?.last_reply ? `; last reply: ${row.last_reply}` : ''}`, ms: Date.now() - t0 });
      return { ok: false, summary: `test message ${queueId} was not delivered within ${gw.round_trip_timeout} s (${status}${row?.last_reply ? `: ${row.last_reply}` : ''})`, steps };
    }
    await sleep(deps.pollMs ?? 250);
  }
}
