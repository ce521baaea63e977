// The Policy screen and API per domain ('global' = the '*' defaults): category → action, allow and
// block lists, monitor mode go-live per analyzer family. Storage is the scan engine's
// PolicyRepository; operators change it, a domain admin reads their own domains' policy.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PolicyError, PolicyRepository } from '../policy/repository.js';
import { GLOBAL, PolicySnapshot } from '../policy/snapshot.js';
import { ACTIONS, CATEGORIES, CATEGORY_LABELS, FAMILIES } from '../scan/types.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { requireRole, requireUser } from './auth.js';
import { ApiError } from './errors.js';
import { parseOrThrow } from './filters.js';
import { html, type Html } from './html.js';
import { csrfField, page } from './pages/layout.js';
import { domainVisible, type Principal } from './scope.js';

const DomainParam = z.strictObject({ domain: z.string().min(1).max(253) });

/** 'global' → '*'; another domain than the principal's is not found. */
async function policyDomainFor(ctx: WebContext, p: Principal, raw: string): Promise<string> {
  if (raw === 'global') {
    if (p.role !== 'operator') throw new ApiError('not_found', 'no such domain: global');
    return GLOBAL;
  }
  const name = raw.toLowerCase();
  const d = await ctx.store.db.selectFrom('domains').select('name').where('name', '=', name).executeTakeFirst();
  if (!d || !domainVisible(p, d.name)) throw new ApiError('not_found', `no such domain: ${raw}`);
  return d.name;
}

async function view(ctx: WebContext, domain: string) {
  const repo = new PolicyRepository(ctx.store.db);
  const snap: PolicySnapshot = await repo.snapshot();
  const entries = await repo.listEntries({ domain });
  return {
    domain,
    actions: CATEGORIES.map((c) => ({ category: c, ...snap.actionFor(domain, c) })),
    monitors: FAMILIES.map((f) => ({ family: f, until: snap.monitorFor(domain, f)?.until ?? null, source: snap.monitorFor(domain, f)?.domain ?? null })),
    lists: entries.map((e) => ({ list: e.list, kind: e.kind, value: e.value, comment: e.comment })),
    personal: domain === GLOBAL ? [] : await repo.personalLists(domain),
  };
}

const ActionBody = z.strictObject({ category: z.enum(CATEGORIES), action: z.enum(ACTIONS).nullable() });
const ListBody = z.strictObject({ list: z.enum(['allow', 'block']), value: z.string().min(1).max(320), remove: z.boolean().default(false) });
const MonitorBody = z.strictObject({ family: z.enum(FAMILIES), until: z.string().max(40).nullable() });

async function apply(ctx: WebContext, p: Principal, domain: string, change: { kind: 'action'; v: z.infer<typeof ActionBody> } | { kind: 'list'; v: z.infer<typeof ListBody> } | { kind: 'monitor'; v: z.infer<typeof MonitorBody> }, ip: string): Promise<void> {
  const repo = new PolicyRepository(ctx.store.db);
  try {
    if (change.kind === 'action') {
      if (change.v.action) await repo.setAction(domain, change.v.category, change.v.action, { now: ctx.now() });
      else await repo.clearAction(domain, change.v.category);
    } else if (change.kind === 'list') {
      if (change.v.remove) await repo.removeListEntry(domain, change.v.list, change.v.value);
      else await repo.addListEntry(domain, change.v.list, change.v.value, { now: ctx.now() });
    } else if (change.v.until) await repo.setMonitor(domain, change.v.family, change.v.until.length === 16 ? `${change.v.until}:00Z` : change.v.until, ctx.now());
    else await repo.clearMonitor(domain, change.v.family);
  } catch (err) {
    if (err instanceof PolicyError) throw new ApiError('validation_failed', err.message, [err.message]);
    throw err;
  }
  await audit(ctx.store.db, { actor: p.username, action: `policy.${change.kind}`, target: domain, detail: change.v, ip }, ctx.now());
}

function policyPage(v: Awaited<ReturnType<typeof view>>, p: Principal, csrf: string, error?: string): Html {
  const edit = p.role === 'operator';
  const dparam = v.domain === GLOBAL ? 'global' : v.domain;
  const form = (kind: string, inner: Html, label: string) => html`<form method="post" action="/policy/${dparam}/${kind}" aria-label="${label}">${csrfField(csrf)}${inner}</form>`;
  return html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p class="muted">${v.domain === GLOBAL ? 'Global defaults: every domain without its own setting uses these.' : `A setting marked "inherited" comes from the global defaults or the built-in policy.`}</p>
<section class="card" aria-labelledby="act-h"><h2 id="act-h">Action per category</h2><div class="table-wrap"><table>
<thead><tr><th scope="col">Category</th><th scope="col">Action</th><th scope="col">Set by</th>${edit ? html`<th scope="col">Change</th>` : ''}</tr></thead>
<tbody>${v.actions.map((a) => html`<tr><th scope="row">${CATEGORY_LABELS[a.category]}</th><td data-action="${a.category}">${a.action}</td><td>${a.source === v.domain ? 'this domain' : a.source === GLOBAL ? 'inherited (global)' : 'inherited (built-in)'}</td>${edit ? html`<td>${form('action', html`<input type="hidden" name="category" value="${a.category}"><label class="muted" for="act-${a.category}">Action for ${a.category}</label><select id="act-${a.category}" name="action"><option value="">inherit</option>${ACTIONS.map((x) => html`<option${a.source === v.domain && a.action === x ? html` selected` : ''}>${x}</option>`)}</select> <button type="submit">Save</button>`, `Action for ${a.category}`)}</td>` : ''}</tr>`)}</tbody></table></div></section>
<section class="card" aria-labelledby="mon-h"><h2 id="mon-h">Monitor mode (go-live per analyzer family)</h2><p class="muted">Until its go-live time a family only records what it would have done.</p><div class="table-wrap"><table>
<thead><tr><th scope="col">Family</th><th scope="col">Monitor until (UTC)</th>${edit ? html`<th scope="col">Change</th>` : ''}</tr></thead>
<tbody>${v.monitors.map((m) => html`<tr><th scope="row">${m.family}</th><td>${m.until ?? 'enforced'}${m.until && m.source === GLOBAL && v.domain !== GLOBAL ? ' (global)' : ''}</td>${edit ? html`<td>${form('monitor', html`<input type="hidden" name="family" value="${m.family}"><label class="muted" for="mon-${m.family}">Go-live for ${m.family}</label><input id="mon-${m.family}" type="datetime-local" name="until" value="${m.until && m.source === v.domain ? m.until.slice(0, 16) : ''}"> <button type="submit">Save</button>`, `Monitor mode for ${m.family}`)}</td>` : ''}</tr>`)}</tbody></table></div></section>
<section class="card" aria-labelledby="lists-h"><h2 id="lists-h">Allow and block lists</h2>
${v.lists.length ? html`<ul>${v.lists.map((e) => html`<li>${e.list}: ${e.value} <span class="muted">(${e.kind})</span>${edit ? form('list', html`<input type="hidden" name="list" value="${e.list}"><input type="hidden" name="value" value="${e.value}"><input type="hidden" name="remove" value="1"><button type="submit" class="secondary">Remove</button>`, `Remove ${e.value}`) : ''}</li>`)}</ul>` : html`<p class="muted">No entries.</p>`}
${edit ? form('list', html`<div class="filters"><div><label for="list-name">List</label><select id="list-name" name="list"><option>allow</option><option>block</option></select></div><div><label for="list-value">Sender address, domain, IP or CIDR</label><input id="list-value" name="value" type="text" required></div><div><button type="submit">Add</button></div></div>`, 'Add a list entry') : ''}</section>
${v.domain === GLOBAL ? '' : html`<section class="card" aria-labelledby="personal-h"><h2 id="personal-h">Personal lists</h2><p class="muted">Senders that mailboxes of ${v.domain} allow or block for themselves.</p>
${v.personal.length ? html`<ul data-personal>${v.personal.map((m) => html`<li><a href="/senders?mailbox=${encodeURIComponent(m.mailbox)}">${m.mailbox}</a> <span class="muted">(${m.allow} allowed, ${m.block} blocked)</span></li>`)}</ul>` : html`<p class="muted" data-personal>None.</p>`}
<form class="filters" method="get" action="/senders" aria-label="Open a mailbox's senders"><div><label for="personal-mailbox">Mailbox</label><input id="personal-mailbox" name="mailbox" type="email" required placeholder="someone@${v.domain}"></div><div><button type="submit">Open</button></div></form></section>`}`;
}

export function registerPolicy(app: FastifyInstance, ctx: WebContext): void {
  const api = ctx.api;
  api.add(app, {
    method: 'GET', url: '/api/policy/:domain', tag: 'policy', access: 'user', summary: "A domain's effective policy ('global' for the defaults)",
    params: DomainParam,
    handler: async ({ params, principal }) => view(ctx, await policyDomainFor(ctx, principal!, params.domain)),
  });
  api.add(app, {
    method: 'POST', url: '/api/policy/:domain/action', tag: 'policy', access: 'operator', summary: 'Set (or with null clear) the action for a category',
    params: DomainParam, body: ActionBody,
    handler: async ({ params, body, principal, req }) => {
      const d = await policyDomainFor(ctx, principal!, params.domain);
      await apply(ctx, principal!, d, { kind: 'action', v: body }, req.ip);
      return view(ctx, d);
    },
  });
  api.add(app, {
    method: 'POST', url: '/api/policy/:domain/list', tag: 'policy', access: 'operator', summary: 'Add (or remove) an allow/block list entry',
    params: DomainParam, body: ListBody,
    handler: async ({ params, body, principal, req }) => {
      const d = await policyDomainFor(ctx, principal!, params.domain);
      await apply(ctx, principal!, d, { kind: 'list', v: body }, req.ip);
      return view(ctx, d);
    },
  });
  api.add(app, {
    method: 'POST', url: '/api/policy/:domain/monitor', tag: 'policy', access: 'operator', summary: 'Set (or with null end) monitor mode for an analyzer family until a go-live time',
    params: DomainParam, body: MonitorBody,
    handler: async ({ params, body, principal, req }) => {
      const d = await policyDomainFor(ctx, principal!, params.domain);
      await apply(ctx, principal!, d, { kind: 'monitor', v: body }, req.ip);
      return view(ctx, d);
    },
  });

  const send = (reply: FastifyReply, h: Html, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(h.value);
  app.get('/policy', async (req, reply) => {
    const p = requireUser(req);
    const domains = (await ctx.store.db.selectFrom('domains').select('name').orderBy('name').execute()).map((d) => d.name).filter((n) => domainVisible(p, n));
    return send(reply, page('Policy', p, html`<ul>${p.role === 'operator' ? html`<li><a href="/policy/global">Global defaults</a></li>` : ''}${p.role !== 'mailbox_owner' ? html`<li><a href="/fuzzy">Fuzzy hashes of judged messages</a></li>` : html`<li><a href="/senders">My allowed and blocked senders</a></li>`}${domains.map((d) => html`<li><a href="/policy/${d}">${d}</a></li>`)}</ul>`, { csrf: req.session?.csrf, current: '/policy' }));
  });
  app.get('/policy/:domain', async (req, reply) => {
    const p = requireUser(req);
    const d = await policyDomainFor(ctx, p, parseOrThrow(DomainParam, req.params).domain);
    return send(reply, page(`Policy: ${d === GLOBAL ? 'global defaults' : d}`, p, policyPage(await view(ctx, d), p, req.session?.csrf ?? ''), { csrf: req.session?.csrf, current: '/policy' }));
  });
  const formPost = (kind: 'action' | 'list' | 'monitor') => async (req: FastifyRequest, reply: FastifyReply) => {
    const p = requireRole(req, 'operator');
    const d = await policyDomainFor(ctx, p, parseOrThrow(DomainParam, req.params).domain);
    const b = (req.body ?? {}) as Record<string, string>;
    const change =
      kind === 'action' ? { kind, v: parseOrThrow(ActionBody, { category: b.category, action: b.action || null }) }
      : kind === 'list' ? { kind, v: parseOrThrow(ListBody, { list: b.list, value: b.value, remove: b.remove === '1' }) }
      : { kind, v: parseOrThrow(MonitorBody, { family: b.family, until: b.until || null }) };
    try {
      await apply(ctx, p, d, change as Parameters<typeof apply>[3], req.ip);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') return send(reply, page(`Policy: ${d}`, p, policyPage(await view(ctx, d), p, req.session?.csrf ?? '', err.message), { csrf: req.session?.csrf, current: '/policy' }), 400);
      throw err;
    }
    return reply.redirect(`/policy/${d === GLOBAL ? 'global' : d}`, 303);
  };
  app.post('/policy/:domain/action', formPost('action'));
  app.post('/policy/:domain/list', formPost('list'));
  app.post('/policy/:domain/monitor', formPost('monitor'));
}
