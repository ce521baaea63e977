// The fuzzy hashes screen and API: what the console's reports and `rampart fuzzy add` made, for
// whose mail, who made each entry and until when it matches; adding a message pasted as source (a
// phishing mail reported to the help desk); and taking back a report made by mistake. Operators
// see and manage every entry; a domain admin, the entries for their domains' mail (their own
// reports, scoped so) — they add for their domains only, and taking an entry back removes their
// domains from it. Linked from the Policy screen.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { analyzerConfig } from '../files/config.js';
import { parseMessage } from '../message/parse.js';
import { FuzzyConfig } from '../scan/analyzers/fuzzy/index.js';
import { addFuzzy, attachedMessages, deleteFuzzy, describeAdded, entriesOf, entryRecord, FUZZY_CLASSES, FuzzyLimitError, isAttachedMessage, MAX_ENTRIES_PER_ADMIN, NO_FILE_OR_PICTURE, pageFuzzy, takeBackFuzzy, type AddResult, type FuzzyEntry } from '../scan/analyzers/fuzzy/store.js';
import { canonicalNames, describeScope, domainsScope, namedScope, scopeRecord, type FuzzyScope } from '../scan/analyzers/fuzzy/scope.js';
import type { WebContext } from './app.js';
import { audit } from './audit.js';
import { requireUser } from './auth.js';
import { ApiError } from './errors.js';
import { compact, filterQuery, parseOrThrow } from './filters.js';
import { html, type Html } from './html.js';
import { csrfField, page } from './pages/layout.js';
import { selectField, textField } from './pages/trace.js';
import type { Principal } from './scope.js';

const IdParam = z.strictObject({ id: z.coerce.number().int().positive() });
const ListQuery = z.strictObject({
  class: z.enum(FUZZY_CLASSES).optional(),
  /** Subject contains. */
  subject: z.string().max(200).optional(),
  /** Entries older than this id: the previous page's `next`. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
type ListQuery = z.infer<typeof ListQuery>;
const AddBody = z.strictObject({
  /** The message's source, as saved from a mail program (an .eml file's text). */
  raw: z.string().min(1).max(4_000_000),
  class: z.enum(FUZZY_CLASSES),
  note: z.string().max(200).optional(),
  /** Add the messages attached to it (message/rfc822) instead: a report forwarded as an attachment. */
  attached: z.boolean().default(false),
  /** The protected domains whose mail the entries act on; none: every domain's (a domain admin's: all their domains). */
  domains: z.array(z.string().max(253)).max(500).default([]),
});
type AddBody = z.infer<typeof AddBody>;

const CLASS_LABELS = { spam: 'spam', phishing: 'phishing', ham: 'not spam' } as const;

/** Who manages which entries: an operator every entry; a domain admin those for their domains' mail. */
type Manager = { kind: 'operator' } | { kind: 'domain_admin'; domains: readonly string[] };

function managerOf(p: Principal): Manager {
  if (p.role === 'operator') return { kind: 'operator' };
  if (p.role === 'domain_admin' && p.domainNames.length) return { kind: 'domain_admin', domains: p.domainNames };
  throw new ApiError('forbidden');
}

const invalid = (field: string, why: string) => new ApiError('validation_failed', `${field}: ${why}`, [`${field}: ${why}`]);

/** The scope asked for: any protected domains for an operator (none: all), a domain admin's own (none: all of them). */
async function scopeAsked(ctx: WebContext, m: Manager, names: readonly string[]): Promise<FuzzyScope> {
  if (m.kind === 'domain_admin') {
    const { wanted, bad } = canonicalNames(names);
    const foreign = [...bad, ...wanted.filter((n) => !m.domains.includes(n))];
    if (foreign.length) throw invalid('domains', `${foreign.join(', ')}: not one of your domains`);
    return domainsScope(wanted.length ? wanted : m.domains);
  }
  const named = await namedScope(ctx.store.db, names);
  if ('unknown' in named) throw invalid('domains', `${named.unknown.join(', ')}: not a protected domain`);
  return named.scope;
}

/** Adds what a pasted message holds; nothing to fingerprint is a validation error naming why. */
async function add(ctx: WebContext, m: Manager, b: AddBody, actor: string, ip: string): Promise<{ message: string; result: AddResult; text: string }[]> {
  const cfg = analyzerConfig(FuzzyConfig, 'fuzzy', ctx.config.scan.analyzers.fuzzy);
  const scope = await scopeAsked(ctx, m, b.domains);
  const msg = await parseMessage(Buffer.from(b.raw, 'utf8'));
  const carries = msg.attachments.some(isAttachedMessage);
  const targets = b.attached ? await attachedMessages(msg) : [{ name: msg.subject || '(no subject)', msg }];
  if (!targets.length) throw new ApiError('validation_failed', 'no attached message (message/rfc822) to add', ['attached: the message carries no attached message']);
  const out: { message: string; result: AddResult; text: string }[] = [];
  const limit = m.kind === 'domain_admin' ? { limit: MAX_ENTRIES_PER_ADMIN } : {};
  const recordAdded = async () => {
    const ids = out.flatMap((o) => entriesOf(o.result).map((e) => e.id));
    if (ids.length) await audit(ctx.store.db, { actor, action: 'fuzzy.add', target: ids.join(','), detail: { class: b.class, attached: b.attached, scope: describeScope(scope) }, ip }, ctx.now());
    return ids;
  };
  for (const t of targets) {
    let result: AddResult;
    try {
      result = await addFuzzy(ctx.store.db, t.msg, { class: b.class, scope, source: `console:${actor}`, note: b.note || null, lifetimeDays: cfg.lifetime_days, minWords: cfg.min_words, now: ctx.now(), ...limit });
    } catch (err) {
      if (!(err instanceof FuzzyLimitError)) throw err;
      // Each message is added whole or not at all: the ones before this one stay, recorded, and named.
      const before = (await recordAdded()).length ? ` (added before it: ${out.map((o) => o.message).join(', ')})` : '';
      throw new ApiError('conflict', `${t.name}: not added: ${err.message}${before}`);
    }
    out.push({ message: t.name, result, text: describeAdded(result, cfg.min_words) });
  }
  if (!(await recordAdded()).length) {
    const why = `nothing to fingerprint: ${out.map((o) => o.text).join('; ')}, and ${NO_FILE_OR_PICTURE}${!b.attached && carries ? ' — it carries an attached message: tick "attached" to add that one' : ''}`;
    throw new ApiError('validation_failed', why, [why]);
  }
  return out;
}

/**
 * An operator deletes the entry; a domain admin takes back their domains' part of it (the entry is
 * deleted when no domain is left). Not found when it is not the caller's to manage.
 */
async function remove(ctx: WebContext, m: Manager, id: number, actor: string, ip: string): Promise<{ deleted: true } | { deleted: false; left: FuzzyScope }> {
  if (m.kind === 'operator') {
    if (!(await deleteFuzzy(ctx.store.db, [id])).length) throw new ApiError('not_found', `no fuzzy hash #${id}`);
    await audit(ctx.store.db, { actor, action: 'fuzzy.delete', target: String(id), ip }, ctx.now());
    return { deleted: true };
  }
  const r = await takeBackFuzzy(ctx.store.db, id, m.domains);
  if (!r) throw new ApiError('not_found', `no fuzzy hash #${id} for your domains`);
  await audit(ctx.store.db, { actor, action: 'fuzzy.take_back', target: String(id), detail: { domains: [...m.domains], deleted: r.deleted }, ip }, ctx.now());
  return r.deleted ? { deleted: true } : { deleted: false, left: r.scope };
}

const list = (ctx: WebContext, m: Manager, q: ListQuery) =>
  pageFuzzy(ctx.store.db, { ...q, ...(m.kind === 'domain_admin' ? { domains: m.domains } : {}) });

function addForm(csrf: string, m: Manager): Html {
  const forWhom = m.kind === 'operator' ? 'all domains' : `all my domains (${m.domains.join(', ')})`;
  return html`<form method="post" action="/fuzzy/add" class="card" aria-label="Add a message">${csrfField(csrf)}
<h2>Add a message</h2>
<p class="muted">Paste the source of a message (in most mail programs: "Show original" or "View source"; or open a saved .eml file as text). Its text and its attachments, images excepted, become entries.</p>
<label for="raw">Message source</label><textarea id="raw" name="raw" rows="8" required></textarea>
<div class="filters"><div><label for="fz-class">Judged as</label><select id="fz-class" name="class">${FUZZY_CLASSES.map((c) => html`<option value="${c}">${CLASS_LABELS[c]}</option>`)}</select></div>
<div><label for="fz-note">Note</label><input id="fz-note" name="note" type="text" maxlength="200"></div>
<div><label for="fz-domains">For the mail of</label><input id="fz-domains" name="domains" type="text" placeholder="${forWhom}" aria-describedby="fz-domains-help"><small id="fz-domains-help" class="muted">${m.kind === 'operator' ? 'protected domains' : 'some of your domains'}, comma-separated; empty: ${forWhom}</small></div>
<div><label><input type="checkbox" name="attached" value="1"> Add the messages attached to it (a report forwarded as an attachment)</label></div></div>
<div class="actions"><button type="submit">Add</button></div></form>`;
}

const stamp = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

function fuzzyPage(m: Manager, q: ListQuery, entries: { items: readonly FuzzyEntry[]; next: number | null }, now: string, csrf: string, done?: string, error?: string): Html {
  const what = (e: FuzzyEntry) =>
    e.kind === 'text'
      ? html`text, ${e.words} words`
      : e.kind === 'file'
        ? html`file ${e.filename ?? '(no name)'}, ${e.bytes} bytes <code title="SHA-256">${e.sha256.slice(0, 16)}…</code>`
        : html`picture ${e.filename ?? '(no name)'}, ${e.bytes} bytes <code title="perceptual hash">${e.phash}</code>`;
  const op = m.kind === 'operator';
  const intro = op
    ? html`Messages judged in the quarantine (report as spam or phishing, release and learn) and those added with <code>rampart fuzzy add</code>: a message whose text is a near-copy of an entry's, or that carries an entry's attachment, scores as the entry was judged (FUZZY_SPAM, FUZZY_PHISHING, FUZZY_HAM) — for every domain's mail when an operator judged it, for their domains' mail when a domain admin did. Delete an entry to take a report back.`
    : html`The messages you and the other admins of your domains judged in the quarantine (report as spam or phishing, release and learn), or added here: a message to your domains whose text is a near-copy of an entry's, or that carries an entry's attachment, scores as the entry was judged (FUZZY_SPAM, FUZZY_PHISHING, FUZZY_HAM). Take an entry back to stop it acting on your domains' mail. Entries an operator made for every domain are managed by the operators; a judgement made later counts, so releasing one of their copies as not spam lets the next ones through to your domains.`;
  const filters = { class: q.class, subject: q.subject };
  return html`${done ? html`<p class="notice" role="status">${done}</p>` : ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p class="muted">${intro}</p>
<form class="filters card" method="get" action="/fuzzy" aria-label="Search entries">${selectField('class', 'Judged', FUZZY_CLASSES, q.class, CLASS_LABELS)}${textField('subject', 'Subject contains', q.subject)}<div><button type="submit">Search</button></div></form>
${entries.items.length
  ? html`<div class="table-wrap"><table data-results="${entries.items.length}"><caption class="muted">Newest first</caption><thead><tr><th scope="col">#</th><th scope="col">Judged</th><th scope="col">For the mail of</th><th scope="col">Fingerprint of</th><th scope="col">Subject</th><th scope="col">By</th><th scope="col">Added (UTC)</th><th scope="col">Matches until</th><th scope="col">Note</th><th scope="col">Take back</th></tr></thead>
<tbody>${entries.items.map((e) => html`<tr data-fuzzy="${e.id}"><td>${e.id}</td><td>${CLASS_LABELS[e.class]}</td><td>${describeScope(e.scope)}</td><td>${what(e)}</td><td>${e.subject}</td><td>${e.source}</td><td>${stamp(e.createdAt)}${e.judgedAt > e.createdAt ? html`<br><span class="muted">last judged ${stamp(e.judgedAt)}</span>` : ''}</td><td>${e.expiresAt === null ? 'deleted by hand' : e.expiresAt <= now ? 'expired' : e.expiresAt.slice(0, 10)}</td><td>${e.note ?? ''}</td><td><form method="post" action="/fuzzy/${e.id}/delete" aria-label="${op ? 'Delete' : 'Take back'} entry ${e.id}">${csrfField(csrf)}<button type="submit" class="secondary">${op ? 'Delete' : 'Take back'}</button></form></td></tr>`)}</tbody></table></div>
${entries.next ? html`<p><a rel="next" href="/fuzzy?${filterQuery({ ...filters, before: String(entries.next) })}">Older entries →</a></p>` : ''}`
  : html`<p class="muted" data-results="0">No entries${q.class || q.subject ? ' match' : ''}.</p>`}
${addForm(csrf, m)}`;
}

export function registerFuzzy(app: FastifyInstance, ctx: WebContext): void {
  const now = () => ctx.now().toISOString();
  ctx.api.add(app, {
    method: 'GET', url: '/api/fuzzy', tag: 'policy', access: 'user', summary: "The fuzzy hashes of judged messages, newest first (a domain admin: those for their domains' mail); next: the following page's before",
    query: ListQuery,
    handler: async ({ query, principal }) => {
      const r = await list(ctx, managerOf(principal!), query);
      return { items: r.items.map((e) => entryRecord(e, now())), next: r.next };
    },
  });
  ctx.api.add(app, {
    method: 'POST', url: '/api/fuzzy', tag: 'policy', access: 'user', summary: "Add a message's fuzzy hashes (raw: its source; attached: the messages attached to it instead; domains: whose mail they act on)",
    body: AddBody,
    handler: async ({ body, principal, req }) => ({ results: (await add(ctx, managerOf(principal!), body, principal!.username, req.ip)).map((o) => ({ message: o.message, ...o.result })) }),
  });
  ctx.api.add(app, {
    method: 'POST', url: '/api/fuzzy/:id/delete', tag: 'policy', access: 'user', summary: "Take a report back: an operator deletes the entry, a domain admin removes their domains from it",
    params: IdParam,
    handler: async ({ params, principal, req }) => {
      const r = await remove(ctx, managerOf(principal!), params.id, principal!.username, req.ip);
      return { id: params.id, deleted: r.deleted, scope: r.deleted ? null : scopeRecord(r.left) };
    },
  });
  const send = (reply: FastifyReply, h: Html) => reply.type('text/html; charset=utf-8').send(h.value);
  const render = async (p: Principal, m: Manager, q: ListQuery, csrf: string, done?: string, error?: string) =>
    page('Fuzzy hashes', p, fuzzyPage(m, q, await list(ctx, m, q), now(), csrf, done, error), { csrf, current: '/policy' });
  app.get('/fuzzy', async (req, reply) => {
    const p = requireUser(req);
    const m = managerOf(p);
    const { done, ...rest } = req.query as Record<string, string | undefined>;
    const q = parseOrThrow(ListQuery, compact(rest));
    return send(reply, await render(p, m, q, req.session?.csrf ?? '', done?.slice(0, 200)));
  });
  app.post('/fuzzy/add', async (req, reply) => {
    const p = requireUser(req);
    const m = managerOf(p);
    const f = (req.body ?? {}) as Record<string, string>;
    const domains = (f.domains ?? '').split(/[\s,]+/).filter(Boolean);
    const body = parseOrThrow(AddBody, { raw: f.raw, class: f.class, note: f.note || undefined, attached: f.attached === '1', domains });
    try {
      const out = await add(ctx, m, body, p.username, req.ip);
      return reply.redirect(`/fuzzy?done=${encodeURIComponent(`Added: ${out.map((o) => o.text).join('; ')}.`)}`, 303);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'validation_failed') throw err;
      return send(reply.status(400), await render(p, m, ListQuery.parse({}), req.session?.csrf ?? '', undefined, err.message));
    }
  });
  app.post('/fuzzy/:id/delete', async (req, reply) => {
    const p = requireUser(req);
    const { id } = parseOrThrow(IdParam, req.params);
    const r = await remove(ctx, managerOf(p), id, p.username, req.ip);
    const said = r.deleted ? `Entry #${id} deleted.` : `Entry #${id} taken back for your domains; it still acts on the mail of ${describeScope(r.left)}.`;
    return reply.redirect(`/fuzzy?done=${encodeURIComponent(said)}`, 303);
  });
}
