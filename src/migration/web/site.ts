// The public migration site as a Fastify plugin (no login): look up a domain, see its status and
// date, run each of the three checks live (rate-limited per client IP and per domain), and
// acknowledge a notice by its signed link. The calendar and the CSV report are for operators and
// are served only when the host application passes an operator guard.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { canonicalDomain } from '../../directory/names.js';
import { latestResults, runCheck } from '../checks/run.js';
import { CHECK_NAMES, type CheckName } from '../checks/types.js';
import type { ProgrammeDeps } from '../context.js';
import { dayOf } from '../dates.js';
import { acknowledge, listNotices } from '../notices.js';
import { programmeReport, reportCsv } from '../report.js';
import { MigrationRepository } from '../repository.js';
import { calendarPage } from './calendar.js';
import { ackConfirmPage, ackDonePage, ackErrorPage, domainPage, lookupPage, notFoundPage } from './pages.js';
import { WindowLimiter } from './rate-limit.js';

export interface SiteDeps extends ProgrammeDeps {
  /** Decides whether the request comes from a signed-in operator (calendar, report). Absent: those pages answer 403. */
  operatorGuard?: (req: FastifyRequest) => boolean | Promise<boolean>;
}

const HOUR = 3_600_000;

function wantsJson(req: FastifyRequest): boolean {
  return /application\/json/.test(req.headers.accept ?? '');
}

export async function registerMigrationSite(app: FastifyInstance, deps: SiteDeps): Promise<void> {
  const repo = new MigrationRepository(deps.db);
  const perIp = new WindowLimiter(deps.config.site.checks_per_ip_per_hour, HOUR);
  const perDomain = new WindowLimiter(deps.config.site.checks_per_domain_per_hour, HOUR);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  const html = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/html; charset=utf-8').send(body);
  const findDomain = async (raw: string) => {
    const name = canonicalDomain(raw);
    return name ? repo.getDomain(name) : undefined;
  };

  app.get('/migration', async (_req, reply) => html(reply, 200, lookupPage()));

  app.get<{ Querystring: { domain?: string } }>('/migration/lookup', async (req, reply) => {
    const name = canonicalDomain(req.query.domain ?? '');
    if (!name) return html(reply, 400, lookupPage(`${JSON.stringify(req.query.domain ?? '')} is not a domain name.`));
    return reply.redirect(`/migration/domain/${encodeURIComponent(name)}`, 303);
  });

  app.get<{ Params: { name: string } }>('/migration/domain/:name', async (req, reply) => {
    const d = await findDomain(req.params.name);
    if (!d) {
      if (wantsJson(req)) return reply.code(404).send({ error: 'not_in_programme' });
      return html(reply, 404, notFoundPage(req.params.name));
    }
    const results = await latestResults(deps, d.domainId);
    if (wantsJson(req)) return { domain: d.name, status: d.status, date: d.date, checks: results };
    return html(reply, 200, domainPage(d, results, deps.config));
  });

  app.post<{ Params: { name: string; check: string } }>('/migration/domain/:name/check/:check', async (req, reply) => {
    const check = req.params.check as CheckName;
    if (!CHECK_NAMES.includes(check)) return reply.code(404).send({ error: 'unknown_check', checks: CHECK_NAMES });
    const d = await findDomain(req.params.name);
    if (!d) {
      if (wantsJson(req)) return reply.code(404).send({ error: 'not_in_programme' });
      return html(reply, 404, notFoundPage(req.params.name));
    }
    const nowMs = deps.now().getTime();
    const wait = perIp.take(req.ip, nowMs) || perDomain.take(d.name, nowMs);
    if (wait) {
      reply.header('retry-after', String(wait));
      const msg = `Too many checks: please wait ${Math.ceil(wait / 60)} minute(s) before running another check.`;
      if (wantsJson(req)) return reply.code(429).send({ error: 'rate_limited', retry_after: wait });
      return html(reply, 429, domainPage(d, await latestResults(deps, d.domainId), deps.config, msg));
    }
    const result = await runCheck(deps, d, check);
    if (wantsJson(req)) return { domain: d.name, result, status: (await repo.requireDomain(d.name)).status };
    return html(reply, 200, domainPage(await repo.requireDomain(d.name), await latestResults(deps, d.domainId), deps.config));
  });

  // GET only shows a button: mail scanners open links in mail, and must not acknowledge for the contact.
  const noticeFor = async (token: string) => {
    const v = deps.links.verify(token, deps.now());
    if (!v.ok) return { error: v.reason === 'expired' ? 'This link has expired.' : 'This link is not valid (it may have been cut or changed).' } as const;
    const notice = (await listNotices(deps, { nonce: v.nonce }))[0];
    const domain = notice && (await repo.listDomains({ domainId: notice.domainId }))[0];
    if (!notice || !domain) return { error: 'This notice no longer exists.' } as const;
    return { notice, domain } as const;
  };

  app.get<{ Params: { token: string } }>('/migration/ack/:token', async (req, reply) => {
    const r = await noticeFor(req.params.token);
    if ('error' in r) return html(reply, 400, ackErrorPage(r.error!));
    if (r.notice.ackAt) return html(reply, 200, ackDonePage(r.domain.name, r.notice.forDate));
    return html(reply, 200, ackConfirmPage(req.params.token, r.domain.name, r.notice.forDate || 'to be announced'));
  });

  app.post<{ Params: { token: string } }>('/migration/ack/:token', async (req, reply) => {
    const r = await noticeFor(req.params.token);
    if ('error' in r) return html(reply, 400, ackErrorPage(r.error!));
    await acknowledge(deps, r.notice.id, 'link');
    return html(reply, 200, ackDonePage(r.domain.name, r.notice.forDate || 'to be announced'));
  });

  const operatorOnly = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (deps.operatorGuard && (await deps.operatorGuard(req))) return true;
    html(reply, 403, lookupPage('The calendar is for operators: sign in to the console first.'));
    return false;
  };

  app.get<{ Querystring: { month?: string } }>('/migration/calendar', async (req, reply) => {
    if (!(await operatorOnly(req, reply))) return reply;
    const month = req.query.month && /^\d{4}-\d{2}$/.test(req.query.month) ? req.query.month : undefined;
    return html(reply, 200, calendarPage(await repo.listDomains(), await repo.waves(), dayOf(deps.now()), month));
  });

  app.get('/migration/report.csv', async (req, reply) => {
    if (!(await operatorOnly(req, reply))) return reply;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="migration-report.csv"').send(reportCsv(await programmeReport(deps)));
  });

  app.get('/migration/report.json', async (req, reply) => {
    if (!(await operatorOnly(req, reply))) return reply;
    return programmeReport(deps);
  });
}
