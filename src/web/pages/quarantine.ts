// Quarantine screens: the held list with bulk actions, and the safe view of one message (headers,
// text, sanitised HTML in a sandboxed iframe, attachment list) with its actions.
import { formatDuration } from '../../config/schema.js';
import { heldUntil } from '../../spool/quarantine-expiry.js';
import { html, type Html } from '../html.js';
import type { QuarantineAction, SafeView } from '../quarantine.js';
import { csrfField } from './layout.js';

export const ACTION_LABELS: Record<QuarantineAction, string> = {
  release: 'Release',
  release_learn: 'Release and learn as not spam',
  release_allow: 'Release and always allow the sender',
  delete: 'Delete',
  report_spam: 'Report as spam',
  report_phishing: 'Report as phishing',
};

/** Above the list: how long mail is held (quarantine.lifetime; 0 = until someone acts). */
export function lifetimeNote(lifetimeMs: number): Html {
  return lifetimeMs > 0 ? html`<p class="muted">Messages are held for ${formatDuration(lifetimeMs)} after they arrive, then deleted unless released.</p>` : html``;
}

/** On a held message: until when it is kept. */
export function heldUntilNote(receivedAt: string, lifetimeMs: number): Html {
  const until = heldUntil(receivedAt, lifetimeMs);
  if (!until) return html``;
  return html`<p class="muted" data-held-until="${until}">Held until ${until.slice(0, 16).replace('T', ' ')} UTC, then deleted unless released.</p>`;
}

export function bulkForm(csrf: string, table: Html, actions: readonly QuarantineAction[]): Html {
  return html`<form method="post" action="/quarantine/bulk" aria-label="Quarantined messages">${csrfField(csrf)}
${table}
<div class="actions"><label for="bulk-action">With the selected messages:</label>
<select id="bulk-action" name="action">${actions.map((k) => html`<option value="${k}">${ACTION_LABELS[k]}</option>`)}</select>
<button type="submit">Apply</button></div></form>`;
}

export function actionForms(id: string, csrf: string, actions: readonly QuarantineAction[]): Html {
  return html`<div class="actions" role="group" aria-label="Actions">${actions.map(
    (k) => html`<form method="post" action="/quarantine/${id}/action">${csrfField(csrf)}<input type="hidden" name="action" value="${k}"><button type="submit" class="${k === 'delete' || k.startsWith('report') ? 'danger' : ''}" data-action="${k}">${ACTION_LABELS[k]}</button></form>`,
  )}</div>`;
}

export function safeViewBody(v: SafeView, actions: Html): Html {
  return html`${actions}
<section class="card" aria-labelledby="prev-h"><h2 id="prev-h">Preview</h2>
${v.previewSrcdoc ? html`<p class="muted">Sanitised HTML: scripts removed, nothing remote is loaded${v.removedRemote ? ` (${v.removedRemote} remote links or images neutralised)` : ''}.</p>
<iframe class="preview" title="Sanitised HTML preview of the message" sandbox="" referrerpolicy="no-referrer" srcdoc="${v.previewSrcdoc}"></iframe>` : ''}
<h3>Text</h3><pre>${v.text || '(no text part)'}</pre></section>
<section class="card" aria-labelledby="att-h"><h2 id="att-h">Attachments</h2>
${v.attachments.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Declared type</th><th scope="col">Real type</th><th scope="col" class="num">Size</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${v.attachments.map((a) => html`<tr><td>${a.filename ?? '(unnamed)'}</td><td>${a.declaredType}</td><td>${a.sniffedType ?? 'unknown'}</td><td class="num">${a.size}</td><td><code>${a.sha256.slice(0, 16)}…</code></td></tr>`)}</tbody></table></div>` : html`<p class="muted">No attachments.</p>`}</section>
<section class="card" aria-labelledby="hdr-h"><h2 id="hdr-h">Headers</h2>
<details><summary>Show all ${v.headers.length} header fields</summary><pre>${v.headers.map((h) => `${h.key}: ${h.value}\n`).join('')}</pre></details></section>`;
}
