// The JSON API under /api: every route declared with its zod schemas (validated, and documented in
// /api/openapi.json). Scoping to the caller's domains happens in the query layer (scope.ts).
import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { importDomains, importRecipients, parseDomainsCsv, parseRecipientsCsv } from '../directory/csv.js';
import { Directory } from '../directory/repository.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { sendDigests } from './digest.js';
import { ApiError } from './errors.js';
import { ConnectionFilterSchema, MessageFilterSchema, PageSchema, type MessageFilter } from './filters.js';
import { logIn, logOut } from './login.js';
import { QUARANTINE_ACTIONS, quarantineAction, safeView } from './quarantine.js';
import { releaseDeps, requestRelease } from './release-request.js';
import { buildReport } from './report.js';
import { domainVisible, type Principal } from './scope.js';
import { getMessage, searchConnections, searchMessages } from './trace.js';

const Id = z.strictObject({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/) });
const ReportQuery = z.strictObject({ since: MessageFilterSchema.shape.since, until: MessageFilterSchema.shape.until, domain: z.string().max(253).optional() });

export function defaultPeriod(now: Date): { since: string; until: string } {
  const until = now.toISOString().slice(0, 10);
  return { since: new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10), until };
}

/** A domain page for a principal: another domain is not found, whatever its existence. */
export async function visibleDomain(ctx: WebContext, p: Principal, name: string) {
  const d = await new Directory(ctx.store.db).getDomain(name);
  if (!d || !domainVisible(p, d.name)) throw new ApiError('not_found', `no such domain: ${name}`);
  return d;
}

export function registerApi(app: FastifyInstance, ctx: WebContext): void {
  const api = ctx.api;
  const db = ctx.store.db;
  const me = (p: Principal | null) => p!;

  api.add(app, {
    method: 'POST', url: '/api/login', tag: 'session', access: 'public', summary: 'Log in; sets the session cookie and returns the CSRF token',
    body: z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(1000) }),
    handler: async ({ body, req, reply }) => logIn(ctx, req, reply, body.username, body.password),
  });
  api.add(app, {
    method: 'POST', url: '/api/logout', tag: 'session', access: 'user', summary: 'End the session',
    handler: async ({ req, reply }) => (await logOut(ctx, req, reply), { ok: true }),
  });
  api.add(app, {
    method: 'GET', url: '/api/me', tag: 'session', access: 'user', summary: 'The logged-in account, its role and domains, and the CSRF token',
    handler: async ({ principal, req }) => ({ username: me(principal).username, role: me(principal).role, domains: me(principal).domainNames, mailbox: me(principal).mailbox, csrf: req.session!.csrf }),
  });

  api.add(app, {
    method: 'GET', url: '/api/report', tag: 'report', access: 'user', summary: 'Report for a period and domain; every figure carries the trace filter behind it',
    query: ReportQuery,
    handler: async ({ query, principal }) => buildReport(db, me(principal), { ...defaultPeriod(ctx.now()), ...query }),
  });

  api.add(app, {
    method: 'GET', url: '/api/messages', tag: 'trace', access: 'user', summary: 'Message trace search, newest first, keyset-paginated (pass `next` as `cursor`)',
    query: MessageFilterSchema.extend(PageSchema.shape),
    handler: async ({ query, principal }) => {
      const { cursor, limit, ...filter } = query;
      return searchMessages(db, me(principal), filter, { cursor, limit });
    },
  });
  api.add(app, {
    method: 'GET', url: '/api/messages/:id', tag: 'trace', access: 'user', summary: 'One message: verdict, symbols, recipients, delivery attempts',
    params: Id,
    handler: async ({ params, principal }) => getMessage(db, me(principal), params.id),
  });
  api.add(app, {
    method: 'GET', url: '/api/export/messages.csv', tag: 'trace', access: 'user', summary: 'Export the matching messages as CSV (at most 100,000 rows)', produces: 'text/csv',
    query: MessageFilterSchema,
    handler: async ({ query, principal, reply }) => {
      const rows: unknown[][] = [];
      let cursor: string | undefined;
      do {
        const page = await searchMessages(db, me(principal), query as MessageFilter, { cursor, limit: 500 });
        for (const m of page.items) rows.push([m.id, m.received_at, m.mail_from, m.recipients.join(' '), m.subject ?? '', m.client_ip, m.status, m.category ?? '', m.action ?? '', m.score ?? '']);
        cursor = page.next ?? undefined;
      } while (cursor && rows.length < 100_000);
      await audit(db, { actor: me(principal).username, action: 'export.messages', detail: { filter: query, rows: rows.length }, ip: reply.request.ip }, ctx.now());
      return reply.type('text/csv; charset=utf-8').send(stringify(rows, { header: true, columns: ['id', 'received_at', 'mail_from', 'recipients', 'subject', 'client_ip', 'status', 'category', 'action', 'score'] }));
    },
  });
  api.add(app, {
    method: 'GET', url: '/api/connections', tag: 'trace', access: 'user', summary: 'Connections and recipients refused before DATA, newest first',
    query: ConnectionFilterSchema.extend(PageSchema.shape),
    handler: async ({ query, principal }) => {
      const { cursor, limit, ...filter } = query;
      return searchConnections(db, me(principal), filter, { cursor, limit });
    },
  });

  api.add(app, {
    method: 'GET', url: '/api/quarantine', tag: 'quarantine', access: 'user', summary: 'Quarantined messages (same filters as the trace)',
    query: MessageFilterSchema.omit({ status: true, outcome: true }).extend(PageSchema.shape),
    handler: async ({ query, principal }) => {
      const { cursor, limit, ...filter } = query;
      return searchMessages(db, me(principal), { ...filter, status: 'quarantined' }, { cursor, limit });
    },
  });
  api.add(app, {
    method: 'GET', url: '/api/quarantine/:id', tag: 'quarantine', access: 'user', summary: 'Safe view: headers, text, sanitised HTML (srcdoc for a sandboxed iframe), attachments',
    params: Id,
    handler: async ({ params, principal }) => safeView(db, me(principal), params.id),
  });
  api.add(app, {
    method: 'POST', url: '/api/quarantine/:id/:action', tag: 'quarantine', access: 'user', summary: 'release | release_learn | release_allow | delete | report_spam | report_phishing (a mailbox owner releases only spam, graymail and clean mail: 403 otherwise)',
    params: Id.extend({ action: z.enum(QUARANTINE_ACTIONS) }),
    handler: async ({ params, principal, req }) => quarantineAction(db, me(principal), params.id, params.action, { learn: ctx.learn, ip: req.ip, now: ctx.now() }),
  });
  api.add(app, {
    method: 'POST', url: '/api/quarantine/:id/request_release', tag: 'quarantine', access: 'user', summary: "A mailbox owner asks the domain's IT contacts to release a message only they may release (mailed once; 409 when asked before or when no contact is recorded)",
    params: Id,
    handler: async ({ params, principal, req }) => requestRelease(releaseDeps(ctx, req.ip), me(principal), params.id),
  });
  api.add(app, {
    method: 'POST', url: '/api/quarantine/bulk', tag: 'quarantine', access: 'user', summary: 'Apply one action to several messages; each id succeeds or reports its error',
    body: z.strictObject({ action: z.enum(QUARANTINE_ACTIONS), ids: z.array(Id.shape.id).min(1).max(500) }),
    handler: async ({ body, principal, req }) => {
      const results = [];
      for (const id of body.ids) {
        try {
          results.push({ ok: true, ...(await quarantineAction(db, me(principal), id, body.action, { learn: ctx.learn, ip: req.ip, now: ctx.now() })) });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          results.push({ ok: false, id, error: err.code });
        }
      }
      return { results };
    },
  });

  api.add(app, {
    method: 'GET', url: '/api/domains', tag: 'directory', access: 'user', summary: 'Protected domains the caller may see, with routes and recipient counts',
    handler: async ({ principal }) => {
      const all = await new Directory(db).listDomains();
      return all.filter((d) => domainVisible(me(principal), d.name)).map((d) => ({ name: d.name, catch_all: Boolean(d.catch_all), routes: d.routes.map(({ host, port, preference, tls, tls_verify }) => ({ host, port, preference, tls, tls_verify: Boolean(tls_verify) })) }));
    },
  });
  api.add(app, {
    method: 'GET', url: '/api/domains/:name', tag: 'directory', access: 'user', summary: 'One domain with routes and recipients',
    params: z.strictObject({ name: z.string().min(1).max(253) }),
    handler: async ({ params, principal }) => {
      const d = await visibleDomain(ctx, me(principal), params.name);
      const recipients = await new Directory(db).listRecipients(d.name);
      return { name: d.name, catch_all: Boolean(d.catch_all), routes: d.routes.map(({ host, port, preference, tls, tls_verify }) => ({ host, port, preference, tls, tls_verify: Boolean(tls_verify) })), recipients: recipients.map((r) => ({ address: r.address, kind: r.kind, target: r.target })) };
    },
  });
  api.add(app, {
    method: 'POST', url: '/api/domains/import', tag: 'directory', access: 'operator', summary: 'Import domains and routes from CSV; apply=false previews the changes',
    body: z.strictObject({ csv: z.string().max(4_000_000), apply: z.boolean().default(false) }),
    handler: async ({ body, principal, req }) => {
      const plan = parseDomainsCsv(body.csv);
      if (plan.errors.length) throw new ApiError('validation_failed', 'nothing imported', plan.errors);
      const summary = await importDomains(db, plan.rows, body.apply);
      if (body.apply) await audit(db, { actor: me(principal).username, action: 'domains.import', detail: summary, ip: req.ip }, ctx.now());
      return { applied: body.apply, ...summary };
    },
  });
  api.add(app, {
    method: 'POST', url: '/api/recipients/import', tag: 'directory', access: 'operator', summary: 'Import recipients from CSV; apply=false previews the changes',
    body: z.strictObject({ csv: z.string().max(4_000_000), apply: z.boolean().default(false) }),
    handler: async ({ body, principal, req }) => {
      const plan = parseRecipientsCsv(body.csv);
      if (plan.errors.length) throw new ApiError('validation_failed', 'nothing imported', plan.errors);
      const s = await importRecipients(db, plan.rows, body.apply);
      if (s.errors.length) throw new ApiError('validation_failed', 'nothing imported', s.errors);
      if (body.apply) await audit(db, { actor: me(principal).username, action: 'recipients.import', detail: { added: s.added, changed: s.changed }, ip: req.ip }, ctx.now());
      return { applied: body.apply, added: s.added, changed: s.changed, unchanged: s.unchanged };
    },
  });

  api.add(app, {
    method: 'GET', url: '/api/audit', tag: 'admin', access: 'operator', summary: 'The audit log, newest first',
    query: PageSchema,
    handler: async ({ query }) => {
      let qb = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(query.limit ?? 100);
      if (query.cursor) qb = qb.where('id', '<', Number(Buffer.from(query.cursor, 'base64url').toString()) || 0);
      const items = await qb.execute();
      const last = items[items.length - 1];
      return { items, next: last && items.length === (query.limit ?? 100) ? Buffer.from(String(last.id)).toString('base64url') : null };
    },
  });
  api.add(app, {
    method: 'POST', url: '/api/digests/send', tag: 'quarantine', access: 'operator', summary: 'Send the due quarantine digests now',
    handler: async ({ principal, req }) => {
      if (!ctx.submit) throw new ApiError('unavailable', 'no mail submission is configured for digests');
      const sent = await runDigests(ctx);
      await audit(db, { actor: me(principal).username, action: 'digests.send', detail: { addresses: sent.size }, ip: req.ip }, ctx.now());
      return { addresses: [...sent.keys()], messages: [...sent.values()].reduce((s, v) => s + v.length, 0) };
    },
  });
}

export function runDigests(ctx: WebContext) {
  return sendDigests(ctx.store.db, { signer: ctx.signer, submit: ctx.submit!, publicUrl: ctx.config.web.public_url, from: ctx.config.delivery.postmaster, now: ctx.now(), linkTtlMs: ctx.config.web.digest_link_ttl, lifetimeMs: ctx.config.quarantine.lifetime });
}
