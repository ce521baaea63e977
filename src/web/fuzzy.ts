// The fuzzy hashes screen and API (operators): what the console's reports and `rampart fuzzy add`
// made, who made each entry and until when it matches; adding a message pasted as source (a
// phishing mail reported to the help desk); and taking back a report made by mistake. Linked from
// the Policy screen.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { analyzerConfig } from '../files/config.js';
import { parseMessage } from '../message/parse.js';
import { FuzzyConfig } from '../scan/analyzers/fuzzy/index.js';
import { addFuzzy, attachedMessages, isAttachedMessage, deleteFuzzy, describeAdded, describeScope, entriesOf, entryRecord, FUZZY_CLASSES, listFuzzy, namedScope, type AddResult, type FuzzyEntry } from '../scan/analyzers/fuzzy/store.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { requireRole } from './auth.js';
import { ApiError } from './errors.js';
import { parseOrThrow } from './filters.js';
import { html, type Html } from './html.js';
import { csrfField, page } from './pages/layout.js';

const IdParam = z.strictObject({ id: z.coerce.number().int().positive() });
const AddBody = z.strictObject({
  /** The message's source, as saved from a mail program (an .eml file's text). */
  raw: z.string().min(1).max(4_000_000),
  class: z.enum(FUZZY_CLASSES),
  note: z.string().max(200).optional(),
  /** Add the messages attached to it (message/rfc822) instead: a report forwarded as an attachment. */
  attached: z.boolean().default(false),
  /** The protected domains whose mail the entries act on; none: every domain's. */
  domains: z.array(z.string().max(253)).max(500).default([]),
});
type AddBody = z.infer<typeof AddBody>;

const CLASS_LABELS = { spam: 'spam', phishing: 'phishing', ham: 'not spam' } as const;

/** Adds what a pasted message holds; nothing to fingerprint is a validation error naming why. */
async function add(ctx: WebContext, b: AddBody, actor: string, ip: string): Promise<{ message: string; result: AddResult; text: string }[]> {
  const cfg = analyzerConfig(FuzzyConfig, 'fuzzy', ctx.config.scan.analyzers.fuzzy);
  const named = await namedScope(ctx.store.db, b.domains);
  if ('unknown' in named) {
    const why = `${named.unknown.join(', ')}: not a protected domain`;
    throw new ApiError('validation_failed', `domains: ${why}`, [`domains: ${why}`]);
  }
  const msg = await parseMessage(Buffer.from(b.raw, 'utf8'));
  const carries = msg.attachments.some(isAttachedMessage);
  const targets = b.attached ? await attachedMessages(msg) : [{ name: msg.subject || '(no subject)', msg }];
  if (!targets.length) throw new ApiError('validation_failed', 'no attached message (message/rfc822) to add', ['attached: the message carries no attached message']);
  const out: { message: string; result: AddResult; text: string }[] = [];
  for (const t of targets) {
    const result = await addFuzzy(ctx.store.db, t.msg, { class: b.class, scope: named.scope, source: `console:${actor}`, note: b.note || null, lifetimeDays: cfg.lifetime_days, minWords: cfg.min_words, now: ctx.now() });
    out.push({ message: t.name, result, text: describeAdded(result, cfg.min_words) });
  }
  const ids = out.flatMap((o) => entriesOf(o.result).map((e) => e.id));
  if (!ids.length) {
    const why = `nothing to fingerprint: ${out.map((o) => o.text).join('; ')}, and no attachment but images${!b.attached && carries ? ' — it carries an attached message: tick "attached" to add that one' : ''}`;
    throw new ApiError('validation_failed', why, [why]);
  }
  await audit(ctx.store.db, { actor, action: 'fuzzy.add', target: ids.join(','), detail: { class: b.class, attached: b.attached, scope: describeScope(named.scope) }, ip }, ctx.now());
  return out;
}

function addForm(csrf: string): Html {
  return html`<form method="post" action="/fuzzy/add" class="card" aria-label="Add a message">${csrfField(csrf)}
<h2>Add a message</h2>
<p class="muted">Paste the source of a message (in most mail programs: "Show original" or "View source"; or open a saved .eml file as text). Its text and its attachments, images excepted, become entries.</p>
<label for="raw">Message source</label><textarea id="raw" name="raw" rows="8" required></textarea>
<div class="filters"><div><label for="fz-class">Judged as</label><select id="fz-class" name="class">${FUZZY_CLASSES.map((c) => html`<option value="${c}">${CLASS_LABELS[c]}</option>`)}</select></div>
<div><label for="fz-note">Note</label><input id="fz-note" name="note" type="text" maxlength="200"></div>
<div><label for="fz-domains">For the mail of</label><input id="fz-domains" name="domains" type="text" placeholder="all domains" aria-describedby="fz-domains-help"><small id="fz-domains-help" class="muted">protected domains, comma-separated; empty: all domains</small></div>
<div><label><input type="checkbox" name="attached" value="1"> Add the messages attached to it (a report forwarded as an attachment)</label></div></div>
<div class="actions"><button type="submit">Add</button></div></form>`;
}

function fuzzyPage(entries: readonly FuzzyEntry[], now: string, csrf: string, done?: string, error?: string): Html {
  const what = (e: FuzzyEntry) => (e.kind === 'text' ? html`text, ${e.words} words` : html`file ${e.filename ?? '(no name)'}, ${e.bytes} bytes <code title="SHA-256">${e.sha256.slice(0, 16)}…</code>`);
  return html`${done ? html`<p class="notice" role="status">${done}</p>` : ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p class="muted">Messages judged in the quarantine (report as spam or phishing, release and learn) and those added with <code>rampart fuzzy add</code>: a message whose text is a near-copy of an entry's, or that carries an entry's attachment, scores as the entry was judged (FUZZY_SPAM, FUZZY_PHISHING, FUZZY_HAM) — for every domain's mail when an operator judged it, for their domains' mail when a domain admin did. Delete an entry to take a report back.</p>
${entries.length
  ? html`<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Judged</th><th scope="col">For the mail of</th><th scope="col">Fingerprint of</th><th scope="col">Subject</th><th scope="col">By</th><th scope="col">Added (UTC)</th><th scope="col">Matches until</th><th scope="col">Note</th><th scope="col">Take back</th></tr></thead>
<tbody>${entries.map((e) => html`<tr data-fuzzy="${e.id}"><td>${e.id}</td><td>${CLASS_LABELS[e.class]}</td><td>${describeScope(e.scope)}</td><td>${what(e)}</td><td>${e.subject}</td><td>${e.source}</td><td>${e.createdAt.slice(0, 16).replace('T', ' ')}</td><td>${e.expiresAt === null ? 'deleted by hand' : e.expiresAt <= now ? 'expired' : e.expiresAt.slice(0, 10)}</td><td>${e.note ?? ''}</td><td><form method="post" action="/fuzzy/${e.id}/delete" aria-label="Delete entry ${e.id}">${csrfField(csrf)}<button type="submit" class="secondary">Delete</button></form></td></tr>`)}</tbody></table></div>`
  : html`<p class="muted">No entries.</p>`}
${addForm(csrf)}`;
}

async function remove(ctx: WebContext, id: number, actor: string, ip: string): Promise<void> {
  if (!(await deleteFuzzy(ctx.store.db, [id])).length) throw new ApiError('not_found', `no fuzzy hash #${id}`);
  await audit(ctx.store.db, { actor, action: 'fuzzy.delete', target: String(id), ip }, ctx.now());
}

export function registerFuzzy(app: FastifyInstance, ctx: WebContext): void {
  const now = () => ctx.now().toISOString();
  ctx.api.add(app, {
    method: 'GET', url: '/api/fuzzy', tag: 'policy', access: 'operator', summary: 'The fuzzy hashes of judged messages',
    handler: async () => (await listFuzzy(ctx.store.db)).map((e) => entryRecord(e, now())),
  });
  ctx.api.add(app, {
    method: 'POST', url: '/api/fuzzy', tag: 'policy', access: 'operator', summary: "Add a message's fuzzy hashes (raw: its source; attached: the messages attached to it instead)",
    body: AddBody,
    handler: async ({ body, principal, req }) => ({ results: (await add(ctx, body, principal!.username, req.ip)).map((o) => ({ message: o.message, ...o.result })) }),
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
  app.post('/fuzzy/add', async (req, reply) => {
    const p = requireRole(req, 'operator');
    const f = (req.body ?? {}) as Record<string, string>;
    const domains = (f.domains ?? '').split(/[\s,]+/).filter(Boolean);
    const body = parseOrThrow(AddBody, { raw: f.raw, class: f.class, note: f.note || undefined, attached: f.attached === '1', domains });
    try {
      const out = await add(ctx, body, p.username, req.ip);
      return reply.redirect(`/fuzzy?done=${encodeURIComponent(`Added: ${out.map((o) => o.text).join('; ')}.`)}`, 303);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'validation_failed') throw err;
      return send(reply.status(400), page('Fuzzy hashes', p, fuzzyPage(await listFuzzy(ctx.store.db), now(), req.session?.csrf ?? '', undefined, err.message), { csrf: req.session?.csrf, current: '/policy' }));
    }
  });
  app.post('/fuzzy/:id/delete', async (req, reply) => {
    const p = requireRole(req, 'operator');
    const { id } = parseOrThrow(IdParam, req.params);
    await remove(ctx, id, p.username, req.ip);
    return reply.redirect(`/fuzzy?done=${encodeURIComponent(`Entry #${id} deleted.`)}`, 303);
  });
}
