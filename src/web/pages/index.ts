// Server-rendered console routes. Pages use the same query layer as the API, so scoping and
// validation are identical; forms post with the session's CSRF token and redirect after success.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { importDomains, importRecipients, parseDomainsCsv, parseRecipientsCsv } from '../../directory/csv.js';
import { Directory } from '../../directory/repository.js';
import { visibleDomain } from '../api.js';
import type { WebContext } from '../app.js';
import { audit } from '../audit.js';
import { LOGIN_CSRF_COOKIE, requireRole, requireUser } from '../auth.js';
import { ApiError } from '../errors.js';
import { compact, ConnectionFilterSchema, MessageFilterSchema, PageSchema, parseOrThrow, filterQuery } from '../filters.js';
import { html, type Html } from '../html.js';
import { logIn, logOut } from '../login.js';
import { askForRelease, releaseDeps, requestRelease } from '../release-request.js';
import { actionsFor, allowSender, QUARANTINE_ACTIONS, quarantineAction, recipientMayRelease, releaseHeldRecipients, safeView } from '../quarantine.js';
import { buildReport } from '../report.js';
import { domainVisible } from '../scope.js';
import { getMessage, searchConnections, searchMessages } from '../trace.js';
import { CONSOLE_CSS } from './css.js';
import { domainBody, domainsBody, importForm } from './domains.js';
import { csrfField, page } from './layout.js';
import { actionForms, bulkForm, heldUntilNote, lifetimeNote, safeViewBody } from './quarantine.js';
import { reportBody, reportForm } from './report.js';
import { connectionsBody, messageBody, messageTable, retentionNote, traceForm } from './trace.js';

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);

function send(reply: FastifyReply, body: Html, status = 200) {
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

function notice(req: FastifyRequest): Html {
  const n = (req.query as { done?: string }).done;
  return n ? html`<p class="notice" role="status">${n}</p>` : html``;
}

export function registerPages(app: FastifyInstance, ctx: WebContext): void {
  const db = ctx.store.db;
  const csrf = (req: FastifyRequest) => req.session?.csrf ?? '';

  app.get('/static/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_CSS));
  app.get('/', async (_req, reply) => reply.redirect('/report', 303));

  // Login: a double-submit token guards the form before any session exists.
  const loginPage = (reply: FastifyReply, next: string, error?: string) => {
    const token = randomBytes(18).toString('base64url');
    reply.setCookie(LOGIN_CSRF_COOKIE, token, { path: '/login', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies });
    return send(
      reply,
      page('Log in', null, html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}<form method="post" action="/login" class="card" aria-label="Log in">
<input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
<label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Log in</button></div></form>`),
      error ? 401 : 200,
    );
  };
  const safeNext = (n: unknown) => (typeof n === 'string' && /^\/(?!\/)[^\s\\]*$/.test(n) ? n : '/report');
  app.get('/login', async (req, reply) => loginPage(reply, safeNext((req.query as { next?: string }).next)));
  app.post('/login', async (req, reply) => {
    const b = parseOrThrow(z.object({ username: z.string().max(100), password: z.string().max(1000), next: z.string().max(2000).optional(), _csrf: z.string() }), req.body);
    try {
      await logIn(ctx, req, reply, b.username, b.password);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'bad_credentials' || err.code === 'throttled')) return loginPage(reply, safeNext(b.next), err.message);
      throw err;
    }
    return reply.redirect(safeNext(b.next), 303);
  });
  app.post('/logout', async (req, reply) => {
    await logOut(ctx, req, reply);
    return reply.redirect('/login', 303);
  });

  app.get('/report', async (req, reply) => {
    const p = requireUser(req);
    const q = parseOrThrow(z.strictObject({ since: MessageFilterSchema.shape.since, until: MessageFilterSchema.shape.until, domain: z.string().max(253).optional() }), compact(req.query));
    const form = reportForm(q, ctx.now());
    const r = await buildReport(db, p, form);
    const domains = (await new Directory(db).listDomains()).map((d) => d.name).filter((n) => domainVisible(p, n));
    return send(reply, page(`Report${r.domain ? ` for ${r.domain}` : ''}`, p, reportBody(r, p, domains, form), { csrf: csrf(req), current: '/report' }));
  });

  app.get('/trace', async (req, reply) => {
    const p = requireUser(req);
    const q = parseOrThrow(MessageFilterSchema.extend(PageSchema.shape), compact(req.query));
    const { cursor, limit, ...f } = q;
    const result = await searchMessages(db, p, f, { cursor, limit });
    return send(reply, page('Message trace', p, html`${retentionNote(ctx.config.retention.trace, ctx.now(), 'Message records')}${traceForm(f)}<p><a href="/api/export/messages.csv?${filterQuery(f as Record<string, string>)}">Export these messages as CSV</a> · <a href="/trace/connections">Refused connections</a></p>${messageTable(result, { base: '/trace', filter: f as Record<string, string>, detail: '/messages' })}`, { csrf: csrf(req), current: '/trace' }));
  });
  app.get('/trace/connections', async (req, reply) => {
    const p = requireUser(req);
    const { cursor, limit, ...f } = parseOrThrow(ConnectionFilterSchema.extend(PageSchema.shape), compact(req.query));
    return send(reply, page('Refused connections', p, connectionsBody(f, await searchConnections(db, p, f, { cursor, limit }), retentionNote(ctx.config.retention.trace, ctx.now(), 'Refused connections')), { csrf: csrf(req), current: '/trace' }));
  });
  app.get('/messages/:id', async (req, reply) => {
    const p = requireUser(req);
    const id = parseOrThrow(Id, (req.params as { id: string }).id);
    const d = await getMessage(db, p, id);
    const auth = await authResults(d.message.spool_path);
    const extra = d.message.status === 'quarantined' ? html`<p><a href="/quarantine/${id}">Open in quarantine</a></p>` : html``;
    return send(reply, page(d.message.subject || '(no subject)', p, html`${extra}${messageBody(d, auth)}`, { csrf: csrf(req), current: '/trace' }));
  });

  app.get('/quarantine', async (req, reply) => {
    const p = requireUser(req);
    const { cursor, limit, ...f } = parseOrThrow(MessageFilterSchema.omit({ status: true, outcome: true }).extend(PageSchema.shape), compact(req.query));
    const result = await searchMessages(db, p, { ...f, status: 'quarantined' }, { cursor, limit });
    return send(reply, page('Quarantine', p, html`${notice(req)}${lifetimeNote(ctx.config.quarantine.lifetime)}${traceForm(f, '/quarantine')}${bulkForm(csrf(req), messageTable(result, { selectable: true, base: '/quarantine', filter: f as Record<string, string>, detail: '/quarantine' }), actionsFor(p))}`, { csrf: csrf(req), current: '/quarantine' }));
  });
  app.get('/quarantine/:id', async (req, reply) => {
    const p = requireUser(req);
    const id = parseOrThrow(Id, (req.params as { id: string }).id);
    const d = await getMessage(db, p, id);
    const offered = actionsFor(p, d.message.category);
    const ask = p.role === 'mailbox_owner' ? html`<form method="post" action="/quarantine/${id}/request">${csrfField(csrf(req))}<button type="submit">Ask IT to release it</button></form>` : html``;
    const byIt = offered.some((a) => a.startsWith('release')) ? html`` : html`<p class="notice">Held as ${d.message.category ?? 'unscanned'}: only your IT contact can release it. Ask them if you expected this message.</p>${ask}`;
    const actions = d.message.status === 'quarantined' ? html`${heldUntilNote(d.message.received_at, ctx.config.quarantine.lifetime)}${byIt}${actionForms(id, csrf(req), offered)}` : html`<p class="notice" role="status">This message is ${d.message.status}.</p>`;
    // After delivery or deletion the body is gone from the spool; the page still says what happened.
    const v = await safeView(db, p, id).catch((err) => {
      if (err instanceof ApiError && err.code === 'not_found') return null;
      throw err;
    });
    const body = v ? safeViewBody(v, actions) : html`${actions}<p class="muted">The message body is no longer stored.</p>`;
    return send(reply, page(d.message.subject || '(no subject)', p, html`${notice(req)}<p><a href="/messages/${id}">Verdict and delivery details</a></p>${body}`, { csrf: csrf(req), current: '/quarantine' }));
  });
  app.post('/quarantine/:id/action', async (req, reply) => {
    const p = requireUser(req);
    const id = parseOrThrow(Id, (req.params as { id: string }).id);
    const { action } = parseOrThrow(z.object({ action: z.enum(QUARANTINE_ACTIONS), _csrf: z.string() }), req.body);
    const r = await quarantineAction(db, p, id, action, { learn: ctx.learn, ip: req.ip, now: ctx.now() });
    const done = `${action.startsWith('release') ? (r.released.length ? `Released to ${r.released.join(', ')}.` : 'Already released.') : 'Removed from quarantine.'}${r.allowed ? ` ${r.allowed} added to your allowed senders.` : ''}`;
    return reply.redirect(`/quarantine/${id}?done=${encodeURIComponent(done)}`, 303);
  });
  app.post('/quarantine/:id/request', async (req, reply) => {
    const p = requireUser(req);
    const id = parseOrThrow(Id, (req.params as { id: string }).id);
    const r = await requestRelease(releaseDeps(ctx, req.ip), p, id);
    return reply.redirect(`/quarantine/${id}?done=${encodeURIComponent(`Asked ${r.sentTo.join(', ')} to release it.`)}`, 303);
  });
  app.post('/quarantine/bulk', async (req, reply) => {
    const p = requireUser(req);
    const b = parseOrThrow(z.object({ action: z.enum(QUARANTINE_ACTIONS), ids: z.union([Id, z.array(Id).max(500)]).optional(), _csrf: z.string() }), req.body);
    const ids = b.ids === undefined ? [] : Array.isArray(b.ids) ? b.ids : [b.ids];
    let ok = 0;
    for (const id of ids) {
      try {
        await quarantineAction(db, p, id, b.action, { learn: ctx.learn, ip: req.ip, now: ctx.now() });
        ok++;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
      }
    }
    return reply.redirect(`/quarantine?done=${encodeURIComponent(`${b.action}: ${ok} of ${ids.length} message(s).`)}`, 303);
  });

  app.get('/domains', async (req, reply) => {
    const p = requireUser(req);
    const domains = (await new Directory(db).listDomains()).filter((d) => domainVisible(p, d.name));
    return send(reply, page('Domains', p, domainsBody(domains, p.role === 'operator'), { csrf: csrf(req), current: '/domains' }));
  });
  app.get('/domains/import', async (req, reply) => {
    const p = requireRole(req, 'operator');
    return send(reply, page('Import from CSV', p, importForm(csrf(req), 'domains', ''), { csrf: csrf(req), current: '/domains' }));
  });
  app.post('/domains/import', async (req, reply) => {
    const p = requireRole(req, 'operator');
    const b = parseOrThrow(z.object({ kind: z.enum(['domains', 'recipients']), csv: z.string().max(4_000_000), apply: z.enum(['0', '1']), _csrf: z.string() }), req.body);
    const apply = b.apply === '1';
    let result: Parameters<typeof importForm>[3];
    if (b.kind === 'domains') {
      const plan = parseDomainsCsv(b.csv);
      result = plan.errors.length ? { errors: plan.errors } : { applied: apply, ...(await importDomains(db, plan.rows, apply)) };
    } else {
      const plan = parseRecipientsCsv(b.csv);
      const s = plan.errors.length ? null : await importRecipients(db, plan.rows, apply);
      result = plan.errors.length ? { errors: plan.errors } : s!.errors.length ? { errors: s!.errors } : { applied: apply, added: s!.added, changed: s!.changed, unchanged: s!.unchanged };
    }
    if (apply && !('errors' in result)) await audit(db, { actor: p.username, action: `${b.kind}.import`, detail: { added: result.added, changed: result.changed }, ip: req.ip }, ctx.now());
    return send(reply, page('Import from CSV', p, importForm(csrf(req), b.kind, b.csv, result), { csrf: csrf(req), current: '/domains' }), 'errors' in result ? 400 : 200);
  });
  app.get('/domains/:name', async (req, reply) => {
    const p = requireUser(req);
    const d = await visibleDomain(ctx, p, (req.params as { name: string }).name);
    return send(reply, page(d.name, p, domainBody(d, await new Directory(db).listRecipients(d.name)), { csrf: csrf(req), current: '/domains' }));
  });

  app.get('/audit', async (req, reply) => {
    const p = requireRole(req, 'operator');
    const rows = await db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(200).execute();
    return send(reply, page('Audit log', p, html`<div class="table-wrap"><table><thead><tr><th scope="col">At (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Detail</th><th scope="col">From</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r.at}</td><td>${r.actor}</td><td>${r.action}</td><td>${r.target ?? ''}</td><td><code>${r.detail ?? ''}</code></td><td>${r.ip ?? ''}</td></tr>`)}</tbody></table></div>`, { csrf: csrf(req), current: '/audit' }));
  });

  // Signed digest links. GET only shows the message and a button: link scanners that fetch every
  // URL in a mail must not release anything; the one click is the POST.
  const claimsOf = (req: FastifyRequest) => {
    const token = String((req.params as { token: string }).token);
    const c = ctx.signer.verify(token, ctx.now());
    if (!c) throw new ApiError('bad_link');
    return { token, c };
  };
  /** The message a link names and the state of its recipient's copy; either may be gone. */
  const linked = async (c: { id: string; rcpt: string }) => ({
    m: await db.selectFrom('messages').select(['id', 'subject', 'mail_from', 'spool_path', 'category']).where('id', '=', c.id).executeTakeFirst(),
    held: await db.selectFrom('message_recipients').select('status').where('message_id', '=', c.id).where('address', '=', c.rcpt).executeTakeFirst(),
  });
  /** What a digest link's page says of a message only the recipient's IT contacts may release. */
  const heldForIt = (category: string | null) => html`<p class="notice" role="status">This message is held as ${category ?? 'unscanned'}: only your IT contact can release it.</p>`;
  app.get('/r/:token', async (req, reply) => {
    const { token, c } = claimsOf(req);
    const { m, held } = await linked(c);
    if (!m || !held) throw new ApiError('bad_link');
    let body: Html;
    if (held.status !== 'held') body = html`<p class="notice" role="status">This message has already been released or removed.</p>`;
    // A threat: its recipient may only ask the domain's IT contacts to release it.
    else if (!recipientMayRelease(m.category)) body = html`${heldForIt(m.category)}<form method="post" action="/r/${token}"><input type="hidden" name="ask" value="1"><button type="submit">Ask IT to release it</button></form>`;
    else body = html`<p>Release <strong>${m.subject || '(no subject)'}</strong> from ${m.mail_from || '<>'} to ${c.rcpt}?</p><div class="actions"><form method="post" action="/r/${token}"><button type="submit">Release this message</button></form><form method="post" action="/r/${token}"><input type="hidden" name="allow" value="1"><button type="submit" class="secondary">Release and always allow the sender</button></form></div>`;
    return send(reply, page('Quarantined message', null, body));
  });
  app.post('/r/:token', async (req, reply) => {
    const { c } = claimsOf(req);
    // "Always allow": the link is the recipient's, so is the personal list the sender joins — only
    // while the message is still held for them (a used link adds nothing).
    const form = req.body as { allow?: string; ask?: string } | undefined;
    const wantsAllow = form?.allow === '1';
    const { m, held } = await linked(c);
    if (m && !recipientMayRelease(m.category)) {
      if (form?.ask !== '1') return send(reply, page('Quarantined message', null, heldForIt(m.category)), 403);
      const r = await askForRelease(releaseDeps(ctx, req.ip), { actor: `link:${c.rcpt}`, mailbox: c.rcpt }, c.id);
      return send(reply, page('Quarantined message', null, html`<p class="notice" role="status">Asked ${r.sentTo.join(', ')} to release it.</p>`));
    }
    const allowed = wantsAllow && m && held?.status === 'held' ? await allowSender(db, c.rcpt, m) : undefined;
    const released = await releaseHeldRecipients(db, c.id, { address: c.rcpt }, ctx.now());
    await audit(db, { actor: `link:${c.rcpt}`, action: 'quarantine.release_link', target: c.id, detail: { released, ...(allowed ? { allowed } : {}) }, ip: req.ip }, ctx.now());
    const said = released.length ? `Released to ${c.rcpt}; it is on its way to your mailbox.${allowed ? ` Mail from ${allowed} will reach you from now on, unless it is a threat.` : ''}` : 'This message had already been released or removed.';
    return send(reply, page('Quarantined message', null, html`<p class="notice" role="status">${said}</p>`));
  });
}

/** Authentication-Results header fields of the stored message, if its file is still there. */
async function authResults(file: string): Promise<string[]> {
  try {
    const buf = await readFile(file);
    const end = buf.indexOf('\r\n\r\n');
    const head = buf.subarray(0, end < 0 ? Math.min(buf.length, 65536) : end).toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
    return head.split(/\r?\n/).filter((l) => /^authentication-results:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());
  } catch {
    return [];
  }
}
