// The Message trace screens: the search form with keyset pages, the connection-block list, and a
// message page with verdict, symbols, authentication results and delivery attempts.
import { formatDuration } from '../../config/schema.js';
import { CATEGORIES, CATEGORY_LABELS, ACTIONS } from '../../scan/types.js';
import { retentionCutoff } from '../../stats/retention.js';
import { filterQuery, STATUSES, type ConnectionFilter, type MessageFilter } from '../filters.js';
import { html, type Html } from '../html.js';
import type { ConnectionRow, Page, SymbolView, TraceRow } from '../trace.js';

export function selectField(name: string, label: string, options: readonly string[], value: string | undefined, labels: Record<string, string> = {}): Html {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${labels[o] ?? o}</option>`)}</select></div>`;
}
export function textField(name: string, label: string, value: string | undefined, type = 'text'): Html {
  return html`<div><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" type="${type}" value="${value ?? ''}"></div>`;
}

/**
 * Above a list of records: how far back the trace goes (retention.trace), so a report figure's link
 * that lists fewer records than it counts, or a search that finds nothing old, is no surprise.
 */
export function retentionNote(retentionMs: number, now: Date, what: 'Message records' | 'Refused connections'): Html {
  if (retentionMs <= 0) return html``;
  const since = retentionCutoff(now, retentionMs).toISOString();
  return html`<p class="muted" data-kept-since="${since}">${what} are kept for ${formatDuration(retentionMs)}, from ${since.slice(0, 16).replace('T', ' ')} UTC on; older ones still count in the report, as hourly statistics.</p>`;
}

export function traceForm(f: MessageFilter, action = '/trace'): Html {
  return html`<form class="filters card" method="get" action="${action}" aria-label="Search messages">
${textField('sender', 'Sender contains', f.sender)}${textField('rcpt', 'Recipient', f.rcpt)}${textField('subject', 'Subject contains', f.subject)}${textField('message_id', 'Message-ID', f.message_id)}${textField('client_ip', 'Client IP', f.client_ip)}${textField('domain', 'Domain', f.domain)}
${selectField('category', 'Category', CATEGORIES, f.category, CATEGORY_LABELS)}${selectField('action', 'Action', ACTIONS, f.action)}${action === '/trace' ? selectField('status', 'Status', STATUSES, f.status) : ''}
${action === '/trace' ? selectField('outcome', 'Outcome', ['delivered', 'quarantined', 'blocked'], f.outcome) : ''}
${textField('since', 'From (date or ISO time)', f.since)}${textField('until', 'Until (exclusive time, or date inclusive)', f.until)}
${f.would ? html`<input type="hidden" name="would" value="${f.would}">` : ''}${f.would_category ? html`<input type="hidden" name="would_category" value="${f.would_category}">` : ''}
<div><button type="submit">Search</button></div></form>`;
}

export function messageTable(page: Page<TraceRow>, opts: { selectable?: boolean; base: string; filter: Record<string, string | undefined>; detail: string }): Html {
  if (!page.items.length) return html`<p class="card" data-results="0">No messages match.</p>`;
  return html`<div class="table-wrap"><table data-results="${page.items.length}"><caption class="muted">Newest first</caption>
<thead><tr>${opts.selectable ? html`<th scope="col"><span class="muted">Select</span></th>` : ''}<th scope="col">Received (UTC)</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Category</th><th scope="col">Action</th><th scope="col">Status</th></tr></thead>
<tbody>${page.items.map((m) => html`<tr data-id="${m.id}">${opts.selectable ? html`<td><input type="checkbox" name="ids" value="${m.id}" id="sel-${m.id}" aria-label="Select message ${m.subject ?? m.id}"></td>` : ''}<td>${m.received_at.replace('T', ' ').slice(0, 19)}</td><td>${m.mail_from || '<>'}</td><td>${m.recipients.join(', ')}</td><td><a href="${opts.detail}/${m.id}">${m.subject || '(no subject)'}</a></td><td>${m.category ?? '—'}</td><td>${m.action ?? '—'}${m.would_action ? html` <span class="would">(would ${m.would_action})</span>` : ''}</td><td>${m.status}</td></tr>`)}</tbody></table></div>
${page.next ? html`<p><a rel="next" href="${opts.base}?${filterQuery({ ...opts.filter, cursor: page.next })}">Older messages →</a></p>` : ''}`;
}

export function connectionsBody(f: ConnectionFilter, page: Page<ConnectionRow>, note: Html = html``): Html {
  return html`<p><a href="/trace">← Message trace</a></p>
<p class="muted">Connections and recipients refused before any message was accepted${f.reason ? html`, reason <strong>${f.reason}</strong>` : ''}.</p>${note}
${page.items.length ? html`<div class="table-wrap"><table data-results="${page.items.length}"><thead><tr><th scope="col">At (UTC)</th><th scope="col">Client IP</th><th scope="col">HELO</th><th scope="col">Stage</th><th scope="col">Reason</th><th scope="col">Domain</th><th scope="col">Detail</th></tr></thead>
<tbody>${page.items.map((c) => html`<tr><td>${c.at.replace('T', ' ').slice(0, 19)}</td><td>${c.client_ip}</td><td>${c.helo ?? ''}</td><td>${c.stage}</td><td>${c.reason}</td><td>${c.domain ?? ''}</td><td>${c.detail ?? ''}</td></tr>`)}</tbody></table></div>
${page.next ? html`<p><a rel="next" href="/trace/connections?${filterQuery({ ...(f as Record<string, string>), cursor: page.next })}">Older →</a></p>` : ''}` : html`<p class="card" data-results="0">Nothing refused matches.</p>`}`;
}

export function symbolsTable(symbols: SymbolView[]): Html {
  if (!symbols.length) return html`<p class="muted">No symbols recorded.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Symbol</th><th scope="col" class="num">Score</th><th scope="col">Detail</th></tr></thead>
<tbody>${symbols.map((s) => html`<tr><th scope="row"><code>${s.name}</code></th><td class="num">${s.score.toFixed(2)}</td><td>${s.detail ?? ''}</td></tr>`)}</tbody></table></div>`;
}

export function messageBody(d: { message: Record<string, unknown>; symbols: SymbolView[]; recipients: { address: string; status: string; attempts: number; last_reply: string | null }[]; attempts: { recipient: string; at: string; host: string | null; outcome: string; reply: string | null }[]; copies: { id: string; status: string; category: string | null; action: string | null }[] }, auth: string[], extra: Html = html``): Html {
  const m = d.message as Record<string, string | number | null>;
  const row = (k: string, v: unknown) => html`<tr><th scope="row">${k}</th><td>${v === null || v === undefined || v === '' ? '—' : String(v)}</td></tr>`;
  return html`<section class="card" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict</h2><table>
${row('Category', m.category ? `${m.category} (${CATEGORY_LABELS[m.category as keyof typeof CATEGORY_LABELS] ?? ''})` : null)}${row('Score', m.score)}${row('Action', m.action)}${row('Status', m.status)}
${m.would_action ? row('Monitor mode: would have', `${m.would_action} (${m.would_category ?? ''})`) : ''}
</table>${d.copies.length ? html`<p>Other copies (its recipients' policies differed): ${d.copies.map((c, i) => html`${i ? ', ' : ''}<a href="/messages/${c.id}">${c.id}</a> (${c.category ?? 'unscanned'}, ${c.action ?? '—'}, ${c.status})`)}</p>` : ''}</section>
<section class="card" aria-labelledby="env-h"><h2 id="env-h">Envelope and connection</h2><table>
${row('Queue id', m.id)}${row('Received (UTC)', m.received_at)}${row('From (envelope)', m.mail_from || '<>')}${row('Subject', m.subject)}${row('Message-ID', m.message_id)}${row('Client', `${m.client_ip}${m.client_hostname ? ` (${m.client_hostname})` : ''}`)}${row('HELO', m.helo)}${row('TLS', m.tls ? 'yes' : 'no')}${row('Size', `${m.size} bytes`)}
</table></section>
<section class="card" aria-labelledby="sym-h"><h2 id="sym-h">Symbols</h2>${symbolsTable(d.symbols)}</section>
<section class="card" aria-labelledby="auth-h"><h2 id="auth-h">Authentication results</h2>${auth.length ? html`<ul>${auth.map((a) => html`<li><code>${a}</code></li>`)}</ul>` : html`<p class="muted">None recorded in the stored message.</p>`}</section>
<section class="card" aria-labelledby="rcpt-h"><h2 id="rcpt-h">Recipients and delivery</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Recipient</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last reply</th></tr></thead>
<tbody>${d.recipients.map((r) => html`<tr><td>${r.address}</td><td>${r.status}</td><td class="num">${r.attempts}</td><td>${r.last_reply ?? ''}</td></tr>`)}</tbody></table></div>
<h3>Delivery attempts</h3>
${d.attempts.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">At (UTC)</th><th scope="col">Recipient</th><th scope="col">Host</th><th scope="col">Outcome</th><th scope="col">Remote reply</th></tr></thead>
<tbody>${d.attempts.map((a) => html`<tr><td>${a.at}</td><td>${a.recipient}</td><td>${a.host ?? ''}</td><td>${a.outcome}</td><td><code>${a.reply ?? ''}</code></td></tr>`)}</tbody></table></div>` : html`<p class="muted">No delivery attempts yet.</p>`}
</section>${extra}`;
}
