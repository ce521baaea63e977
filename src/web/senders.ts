// A mailbox owner's own allowed and blocked senders (a personal list: scan_lists with the mailbox
// as its scope, see policy/decide.ts): an allowed sender's spam and newsletters reach them
// untouched, a blocked sender's mail is refused. Only the owner of the mailbox manages it here;
// operators use `rampart lists --mailbox`.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PolicyError, PolicyRepository } from '../policy/repository.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { requireRole } from './auth.js';
import { ApiError } from './errors.js';
import { parseOrThrow } from './filters.js';
import { html, type Html } from './html.js';
import { csrfField, page } from './pages/layout.js';
import type { Principal } from './scope.js';

const Change = z.strictObject({ list: z.enum(['allow', 'block']), value: z.string().trim().min(1).max(320), remove: z.boolean().default(false) });
type Change = z.infer<typeof Change>;

const LABEL = { allow: 'Allowed senders', block: 'Blocked senders' } as const;

function mailboxOf(p: Principal): string {
  if (!p.mailbox) throw new ApiError('not_found', 'no mailbox for this account');
  return p.mailbox.toLowerCase();
}

async function view(ctx: WebContext, mailbox: string) {
  const entries = await new PolicyRepository(ctx.store.db).listEntries({ domain: mailbox });
  const of = (list: 'allow' | 'block') => entries.filter((e) => e.list === list).map((e) => ({ kind: e.kind, value: e.value }));
  return { mailbox, allow: of('allow'), block: of('block') };
}

async function apply(ctx: WebContext, p: Principal, c: Change, ip: string): Promise<void> {
  const repo = new PolicyRepository(ctx.store.db);
  const mailbox = mailboxOf(p);
  try {
    if (c.remove) {
      if (!(await repo.removeListEntry(mailbox, c.list, c.value))) throw new ApiError('validation_failed', `value: ${c.value} is not among your ${LABEL[c.list].toLowerCase()}`, [`value: ${c.value}`]);
    } else await repo.addListEntry(mailbox, c.list, c.value, { now: ctx.now() });
  } catch (err) {
    if (err instanceof PolicyError) throw new ApiError('validation_failed', err.message, [err.message]);
    throw err;
  }
  await audit(ctx.store.db, { actor: p.username, action: c.remove ? 'senders.remove' : 'senders.add', target: mailbox, detail: { list: c.list, value: c.value }, ip }, ctx.now());
}

function sendersPage(v: Awaited<ReturnType<typeof view>>, csrf: string, done?: string, error?: string): Html {
  const section = (list: 'allow' | 'block', help: string) =>
    html`<section class="card" aria-labelledby="${list}-h"><h2 id="${list}-h">${LABEL[list]}</h2><p class="muted">${help}</p>
${v[list].length
  ? html`<ul data-list="${list}">${v[list].map((e) => html`<li>${e.value} <span class="muted">(${e.kind === 'domain' ? 'the domain and its subdomains' : 'address'})</span> <form method="post" action="/senders" aria-label="Remove ${e.value}">${csrfField(csrf)}<input type="hidden" name="list" value="${list}"><input type="hidden" name="value" value="${e.value}"><input type="hidden" name="remove" value="1"><button type="submit" class="secondary">Remove</button></form></li>`)}</ul>`
  : html`<p class="muted" data-list="${list}">None.</p>`}</section>`;
  return html`${done ? html`<p class="notice" role="status">${done}</p>` : ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p class="muted">Senders you choose for ${v.mailbox}, by address (news@shop.example) or by domain (shop.example, its subdomains too). They apply to mail for you alone; a message also sent to others is judged by their lists too.</p>
${section('allow', 'Their messages reach you even when Rampart takes them for spam or a newsletter you would otherwise find tagged or held. Never for a virus, phishing or another threat.')}
${section('block', 'Their messages are refused before Rampart accepts them; the sender gets an error.')}
<form class="filters card" method="post" action="/senders" aria-label="Add a sender">${csrfField(csrf)}<div><label for="s-list">List</label><select id="s-list" name="list"><option value="allow">Allowed senders</option><option value="block">Blocked senders</option></select></div><div><label for="s-value">Sender address or domain</label><input id="s-value" name="value" type="text" required maxlength="320"></div><div><button type="submit">Add</button></div></form>`;
}

export function registerSenders(app: FastifyInstance, ctx: WebContext): void {
  ctx.api.add(app, {
    method: 'GET', url: '/api/senders', tag: 'policy', access: 'user', summary: "A mailbox owner's allowed and blocked senders",
    handler: async ({ principal }) => view(ctx, mailboxOf(requireMailboxOwner(principal!))),
  });
  ctx.api.add(app, {
    method: 'POST', url: '/api/senders', tag: 'policy', access: 'user', summary: "Add (or with remove: true remove) one of a mailbox owner's allowed or blocked senders",
    body: Change,
    handler: async ({ body, principal, req }) => {
      const p = requireMailboxOwner(principal!);
      await apply(ctx, p, body, req.ip);
      return view(ctx, mailboxOf(p));
    },
  });
  const send = (reply: FastifyReply, h: Html) => reply.type('text/html; charset=utf-8').send(h.value);
  app.get('/senders', async (req, reply) => {
    const p = requireRole(req, 'mailbox_owner');
    const { done } = req.query as { done?: string };
    const csrf = req.session?.csrf ?? '';
    return send(reply, page('My senders', p, sendersPage(await view(ctx, mailboxOf(p)), csrf, done?.slice(0, 200)), { csrf, current: '/policy' }));
  });
  app.post('/senders', async (req, reply) => {
    const p = requireRole(req, 'mailbox_owner');
    const f = (req.body ?? {}) as Record<string, string>;
    const c = parseOrThrow(Change, { list: f.list, value: f.value, remove: f.remove === '1' });
    try {
      await apply(ctx, p, c, req.ip);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'validation_failed') throw err;
      const csrf = req.session?.csrf ?? '';
      return send(reply.status(400), page('My senders', p, sendersPage(await view(ctx, mailboxOf(p)), csrf, undefined, err.message), { csrf, current: '/policy' }));
    }
    const what = `${c.value} ${c.remove ? 'removed from' : 'added to'} your ${LABEL[c.list].toLowerCase()}.`;
    return reply.redirect(`/senders?done=${encodeURIComponent(what)}`, 303);
  });
}

/** Only a mailbox owner has a personal list here. */
function requireMailboxOwner(p: Principal): Principal {
  if (p.role !== 'mailbox_owner') throw new ApiError('forbidden', 'only a mailbox owner has allowed and blocked senders (operators: rampart lists --mailbox)');
  return p;
}
