// Personal lists in the console: a mailbox's allowed and blocked senders (scan_lists with the
// mailbox as its scope, see policy/decide.ts): an allowed sender's spam and newsletters reach the
// mailbox untouched, a blocked sender's mail is refused. The owner manages their own ("My
// senders"); an operator any mailbox of a protected domain, and a domain admin those of their
// domains — the help desk answering "why did this newsletter reach me?".
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isMailbox, PolicyError, PolicyRepository } from '../policy/repository.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { requireUser } from './auth.js';
import { ApiError } from './errors.js';
import { parseOrThrow } from './filters.js';
import { html, type Html } from './html.js';
import { csrfField, page } from './pages/layout.js';
import { domainVisible, type Principal } from './scope.js';

const Change = z.strictObject({ mailbox: z.string().max(320).optional(), list: z.enum(['allow', 'block']), value: z.string().trim().min(1).max(320), remove: z.boolean().default(false) });
type Change = z.infer<typeof Change>;
const Which = z.strictObject({ mailbox: z.string().max(320).optional(), done: z.string().optional() });

const LABEL = { allow: 'Allowed senders', block: 'Blocked senders' } as const;

/**
 * The mailbox whose list the principal asks for: a mailbox owner's own (no other); for an
 * operator or a domain admin the one named, which must be of a protected domain they may see —
 * another is not found, as any object of a domain not theirs.
 */
async function mailboxFor(ctx: WebContext, p: Principal, requested: string | undefined): Promise<string> {
  const want = requested?.trim().toLowerCase();
  if (p.role === 'mailbox_owner') {
    const own = p.mailbox?.toLowerCase();
    if (!own || (want && want !== own)) throw new ApiError('not_found', `no such mailbox: ${requested ?? ''}`);
    return own;
  }
  if (!want) throw new ApiError('validation_failed', 'mailbox: which mailbox (an address)', ['mailbox: required']);
  if (!isMailbox(want)) throw new ApiError('validation_failed', `mailbox: ${requested} is not a mailbox address`, [`mailbox: ${requested}`]);
  const domain = want.slice(want.lastIndexOf('@') + 1);
  const known = await ctx.store.db.selectFrom('domains').select('name').where('name', '=', domain).executeTakeFirst();
  if (!known || !domainVisible(p, domain)) throw new ApiError('not_found', `no such mailbox: ${requested}`);
  return want;
}

async function view(ctx: WebContext, mailbox: string) {
  const entries = await new PolicyRepository(ctx.store.db).listEntries({ domain: mailbox });
  const of = (list: 'allow' | 'block') => entries.filter((e) => e.list === list).map((e) => ({ kind: e.kind, value: e.value }));
  return { mailbox, allow: of('allow'), block: of('block') };
}

async function apply(ctx: WebContext, p: Principal, mailbox: string, c: Change, ip: string): Promise<void> {
  const repo = new PolicyRepository(ctx.store.db);
  try {
    if (c.remove) {
      if (!(await repo.removeListEntry(mailbox, c.list, c.value))) throw new ApiError('validation_failed', `value: ${c.value} is not among the ${LABEL[c.list].toLowerCase()}`, [`value: ${c.value}`]);
    } else await repo.addListEntry(mailbox, c.list, c.value, { now: ctx.now() });
  } catch (err) {
    if (err instanceof PolicyError) throw new ApiError('validation_failed', err.message, [err.message]);
    throw err;
  }
  await audit(ctx.store.db, { actor: p.username, action: c.remove ? 'senders.remove' : 'senders.add', target: mailbox, detail: { list: c.list, value: c.value }, ip }, ctx.now());
}

function sendersPage(v: Awaited<ReturnType<typeof view>>, own: boolean, csrf: string, done?: string, error?: string): Html {
  const target = html`<input type="hidden" name="mailbox" value="${v.mailbox}">`;
  const section = (list: 'allow' | 'block', help: string) =>
    html`<section class="card" aria-labelledby="${list}-h"><h2 id="${list}-h">${LABEL[list]}</h2><p class="muted">${help}</p>
${v[list].length
  ? html`<ul data-list="${list}">${v[list].map((e) => html`<li>${e.value} <span class="muted">(${e.kind === 'domain' ? 'the domain and its subdomains' : 'address'})</span> <form method="post" action="/senders" aria-label="Remove ${e.value}">${csrfField(csrf)}${target}<input type="hidden" name="list" value="${list}"><input type="hidden" name="value" value="${e.value}"><input type="hidden" name="remove" value="1"><button type="submit" class="secondary">Remove</button></form></li>`)}</ul>`
  : html`<p class="muted" data-list="${list}">None.</p>`}</section>`;
  const whose = own ? html`you alone` : html`${v.mailbox} alone`;
  return html`${done ? html`<p class="notice" role="status">${done}</p>` : ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p class="muted">Senders chosen for ${v.mailbox}, by address (news@shop.example) or by domain (shop.example, its subdomains too). They apply to mail for ${whose}; a message also sent to others is judged by their lists too.</p>
${section('allow', 'Their messages arrive even when Rampart takes them for spam or a newsletter that would otherwise be tagged or held. Never for a virus, phishing or another threat.')}
${section('block', 'Their messages are refused before Rampart accepts them; the sender gets an error.')}
<form class="filters card" method="post" action="/senders" aria-label="Add a sender">${csrfField(csrf)}${target}<div><label for="s-list">List</label><select id="s-list" name="list"><option value="allow">Allowed senders</option><option value="block">Blocked senders</option></select></div><div><label for="s-value">Sender address or domain</label><input id="s-value" name="value" type="text" required maxlength="320"></div><div><button type="submit">Add</button></div></form>`;
}

export function registerSenders(app: FastifyInstance, ctx: WebContext): void {
  ctx.api.add(app, {
    method: 'GET', url: '/api/senders', tag: 'policy', access: 'user', summary: "A mailbox's allowed and blocked senders (mailbox: the address; a mailbox owner's own without it)",
    query: Which.omit({ done: true }),
    handler: async ({ query, principal }) => view(ctx, await mailboxFor(ctx, principal!, query.mailbox)),
  });
  ctx.api.add(app, {
    method: 'POST', url: '/api/senders', tag: 'policy', access: 'user', summary: "Add (or with remove: true remove) one of a mailbox's allowed or blocked senders",
    body: Change,
    handler: async ({ body, principal, req }) => {
      const mailbox = await mailboxFor(ctx, principal!, body.mailbox);
      await apply(ctx, principal!, mailbox, body, req.ip);
      return view(ctx, mailbox);
    },
  });
  const send = (reply: FastifyReply, h: Html) => reply.type('text/html; charset=utf-8').send(h.value);
  const render = async (req: FastifyRequest, p: Principal, mailbox: string, done?: string, error?: string) => {
    const csrf = req.session?.csrf ?? '';
    const own = p.role === 'mailbox_owner';
    return page(own ? 'My senders' : `Senders of ${mailbox}`, p, sendersPage(await view(ctx, mailbox), own, csrf, done, error), { csrf, current: '/policy' });
  };
  app.get('/senders', async (req, reply) => {
    const p = requireUser(req);
    const q = parseOrThrow(Which, req.query ?? {});
    return send(reply, await render(req, p, await mailboxFor(ctx, p, q.mailbox), q.done?.slice(0, 200)));
  });
  app.post('/senders', async (req, reply) => {
    const p = requireUser(req);
    const f = (req.body ?? {}) as Record<string, string>;
    const c = parseOrThrow(Change, { mailbox: f.mailbox || undefined, list: f.list, value: f.value, remove: f.remove === '1' });
    const mailbox = await mailboxFor(ctx, p, c.mailbox);
    try {
      await apply(ctx, p, mailbox, c, req.ip);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'validation_failed') throw err;
      return send(reply.status(400), await render(req, p, mailbox, undefined, err.message));
    }
    const what = `${c.value} ${c.remove ? 'removed from' : 'added to'} the ${LABEL[c.list].toLowerCase()}${p.role === 'mailbox_owner' ? '' : ` of ${mailbox}`}.`;
    const back = p.role === 'mailbox_owner' ? '' : `mailbox=${encodeURIComponent(mailbox)}&`;
    return reply.redirect(`/senders?${back}done=${encodeURIComponent(what)}`, 303);
  });
}
