// The public pages: domain lookup, a domain's status with its three steps and their latest
// results, and acknowledgement. They show a domain's own status and check results, nothing else
// (no contacts, no other domains).
import type { MigrationConfig } from '../config.js';
import type { CheckName, CheckResult } from '../checks/types.js';
import type { ProgrammeDomain } from '../repository.js';
import type { MigrationStatus } from '../states.js';
import { esc, page } from './html.js';

const STATUS_TEXT: Record<MigrationStatus, string> = {
  pending: 'in the programme, not yet scheduled',
  scheduled: 'scheduled',
  notified: 'scheduled, contacts notified',
  ready: 'ready: all three checks passed',
  migrated: 'migrated: mail flows through the gateway',
  paused: 'on hold',
  'rolled-back': 'rolled back',
};

export function lookupPage(message = ''): string {
  return page(
    'Mail gateway migration',
    `<h1>Mail gateway migration</h1>
<p>Look up your mail domain to see its migration date and run the three readiness checks.</p>
<form method="get" action="/migration/lookup"><label>Domain <input name="domain" id="domain" autocomplete="off" required placeholder="college.example.ac.uk"></label> <button type="submit">Look up</button></form>
${message ? `<p class="fail" id="message">${esc(message)}</p>` : ''}`,
  );
}

export function notFoundPage(name: string): string {
  return lookupPage(`${name} is not in the migration programme. Check the spelling, or ask the gateway team.`);
}

function stepInfo(config: MigrationConfig): Record<CheckName, { title: string; what: string }> {
  const g = config.gateway;
  return {
    smtp: { title: '1. Your mail server accepts mail from the gateway', what: `The gateway connects to your mail server as it will when it delivers your mail, and asks it to accept a message for ${esc(g.probe_local_part)}@your domain (nothing is sent).` },
    dns: { title: '2. DNS is ready', what: `Your SPF record includes <code>include:${esc(g.spf_include)}</code>${g.spf_ips.length ? ` (or ip4:/ip6: covering ${esc(g.spf_ips.join(', '))})` : ''}, and your MX records have a TTL of ${g.max_mx_ttl} seconds or less.` },
    cutover: { title: '3. Cutover', what: `Your MX records point at ${esc(g.mx_hosts.join(', '))}, and a test message sent to your domain through the gateway reaches your server.` },
  };
}

function resultBlock(name: CheckName, r: CheckResult | undefined): string {
  if (!r) return `<p class="muted" data-result="${name}">Not run yet.</p>`;
  const rows = r.steps.map((s) => `<tr><td>${esc(s.step)}</td><td class="${s.ok ? 'pass' : 'fail'}">${s.ok ? 'ok' : 'failed'}</td><td><pre>${esc(s.found)}</pre></td><td>${s.ms} ms</td></tr>`).join('');
  return `<div data-result="${name}" data-ok="${r.ok}"><p><strong class="${r.ok ? 'pass' : 'fail'}">${r.ok ? 'PASSED' : 'FAILED'}</strong> at ${esc(r.at.replace('T', ' ').slice(0, 19))} UTC (${r.durationMs} ms): <span class="summary">${esc(r.summary)}</span></p>
${rows ? `<table><thead><tr><th>step</th><th>result</th><th>what came back</th><th>time</th></tr></thead><tbody>${rows}</tbody></table>` : ''}</div>`;
}

export function domainPage(d: ProgrammeDomain, results: Partial<Record<CheckName, CheckResult>>, config: MigrationConfig, notice = ''): string {
  const info = stepInfo(config);
  const steps = (['smtp', 'dns', 'cutover'] as const)
    .map(
      (c) => `<section class="step" id="step-${c}"><h2>${info[c].title}</h2><p>${info[c].what}</p>
<form method="post" action="/migration/domain/${encodeURIComponent(d.name)}/check/${c}"><button type="submit" id="run-${c}">Run this check now</button></form>
${resultBlock(c, results[c])}</section>`,
    )
    .join('\n');
  return page(
    `${d.name}: mail gateway migration`,
    `<h1>${esc(d.name)}</h1>
<p>Status: <span class="status" id="status">${esc(STATUS_TEXT[d.status])}</span></p>
<p>Migration date: <strong id="date">${esc(d.date ?? 'not yet set')}</strong></p>
${notice ? `<p class="fail" id="notice">${esc(notice)}</p>` : ''}
${steps}
<p><a href="/migration">Look up another domain</a></p>`,
  );
}

export function ackConfirmPage(token: string, domain: string, date: string): string {
  return page(
    'Confirm the migration notice',
    `<h1>Confirm the migration notice</h1>
<p>Please confirm that you have received the notice that <strong>${esc(domain)}</strong> moves to the mail gateway on <strong>${esc(date)}</strong>.</p>
<form method="post" action="/migration/ack/${encodeURIComponent(token)}"><button type="submit" id="confirm">I have received the notice</button></form>`,
  );
}

export function ackDonePage(domain: string, date: string): string {
  return page('Thank you', `<h1>Thank you</h1><p id="ack-done">Your confirmation for <strong>${esc(domain)}</strong> (migration on ${esc(date)}) is recorded.</p><p><a href="/migration/domain/${encodeURIComponent(domain)}">Run the readiness checks for ${esc(domain)}</a></p>`);
}

export function ackErrorPage(reason: string): string {
  return page('Link not valid', `<h1>This link is not valid</h1><p id="ack-error">${esc(reason)}</p><p>Ask the gateway team for a new notice, or reply to the notice you received.</p>`);
}
