// The fuzzy hashes screen and API (operators): what the console's reports and `rampart fuzzy add`
// made, who made each entry and until when it matches — and the way to take back a report made by
// mistake. Linked from the Policy screen.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { deleteFuzzy, listFuzzy, type FuzzyEntry } from '../scan/analyzers/fuzzy/store.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { requireRole } from './auth.js';
import { ApiError } from './errors.js';
import { parseOrThrow } from './filters.js';
import { html, type Html } from './html.js';
import { csrfField, page } from './pages/layout.js';

const IdParam = z.strictObject({ id: z.coerce.number().int().positive() });

const CLASS_LABELS = { spam: 'spam', phishing: 'phishing', ham: 'not spam' } as const;

function view(e: FuzzyEntry, now: string) {
  return {
    id: e.id,
    class: e.class,
    kind: e.kind,
    ...(e.kind === 'text' ? { words: e.words } : { filename: e.filename, sha256: e.sha256, bytes: e.bytes }),
    subject: e.subject,
    source: e.source,
    note: e.note,
    created_at: e.createdAt,
    expires_at: e.expiresAt,
    expired: e.expiresAt !== null && e.expiresAt <= now,
  };
}

function fuzzyPage(entries: readonly FuzzyEntry[], now: string, csrf: string, done?: string): Html {
  const what = (e: FuzzyEntry) => (e.kind === 'text' ? html`text, ${e.words} words` : html`file ${e.filename ?? '(no name)'}, ${e.bytes} bytes <code title="SHA-256">${e.sha256.slice(0, 16)}…</code>`);
  return html`${done ? html`<p class="notice" role="status">${done}</p>` : ''}
<p class="muted">Messages judged in the quarantine (report as spam or phishing, release and learn) and those added with <code>rampart fuzzy add</code>: a message whose text is a near-copy of an entry's, or that carries an entry's attachment, scores as the entry was judged (FUZZY_SPAM, FUZZY_PHISHING, FUZZY_HAM). Delete an entry to take a report back.</p>
${entries.length
  ? html`<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Judged</th><th scope="col">Fingerprint of</th><th scope="col">Subject</th><th scope="col">By</th><th scope="col">Added (UTC)</th><th scope="col">Matches until</th><th scope="col">Note</th><th scope="col">Take back</th></tr></thead>
<tbody>${entries.map((e) => html`<tr data-fuzzy="${e.id}"><td>${e.id}</td><td>${CLASS_LABELS[e.class]}</td><td>${what(e)}</td><td>${e.subject}</td><td>${e.source}</td><td>${e.createdAt.slice(0, 16).replace('T', ' ')}</td><td>${e.expiresAt === null ? 'deleted by hand' : e.expiresAt <= now ? 'expired' : e.expiresAt.slice(0, 10)}</td><td>${e.note ?? ''}</td><td><form method="post" action="/fuzzy/${e.id}/delete" aria-label="Delete entry ${e.id}">${csrfField(csrf)}<button type="submit" class="secondary">Delete</button></form></td></tr>`)}</tbody></table></div>`
  : html`<p class="muted">No entries.</p>`}`;
}

async function remove(ctx: WebContext, id: number, actor: string, ip: string): Promise<void> {
  if (!(await deleteFuzzy(ctx.store.db, [id])).length) throw new ApiError('not_found', `no fuzzy hash #${id}`);
  await audit(ctx.store.db, { actor, action: 'fuzzy.delete', target: String(id), ip }, ctx.now());
}

export function registerFuzzy(app: FastifyInstance, ctx: WebContext): void {
  const now = () => ctx.now().toISOString();
  ctx.api.add(app, {
    method: 'GET', url: '/api/fuzzy', tag: 'policy', access: 'operator', summary: 'The fuzzy hashes of judged messages',
    handler: async () => (await listFuzzy(ctx.store.db)).map((e) => view(e, now())),
  });
  ctx.api.add(app, {
    method: 'POST', url: '/api/fuzzy/:id/delete', tag: 'policy', access: 'operator', summary: 'Delete a fuzzy hash (take a report back)',
    params: IdParam,
    handler: async ({ params, principal, req }) => {
      await remove(ctx, params.id, principal!.username, req.ip);
      return { deleted: params.id };
    },
  });
  const send = (reply: FastifyReply, h: Html) => reply.type('text/html; charset=utf-8').send(h.value);
  app.get('/fuzzy', async (req, reply) => {
    const p = requireRole(req, 'operator');
    const done = (req.query as { done?: string }).done;
    return send(reply, page('Fuzzy hashes', p, fuzzyPage(await listFuzzy(ctx.store.db), now(), req.session?.csrf ?? '', done?.slice(0, 200)), { csrf: req.session?.csrf, current: '/policy' }));
  });
  app.post('/fuzzy/:id/delete', async (req, reply) => {
    const p = requireRole(req, 'operator');
    const { id } = parseOrThrow(IdParam, req.params);
    await remove(ctx, id, p.username, req.ip);
    return reply.redirect(`/fuzzy?done=${encodeURIComponent(`Entry #${id} deleted.`)}`, 303);
  });
}
