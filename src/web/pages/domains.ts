// Domains and recipients screens, and the CSV import with a preview of the changes.
import { html, type Html } from '../html.js';
import type { DomainWithRoutes } from '../../directory/repository.js';
import { csrfField } from './layout.js';

export function domainsBody(domains: DomainWithRoutes[], operator: boolean): Html {
  return html`${operator ? html`<p><a href="/domains/import">Import domains or recipients from CSV</a></p>` : ''}
<div class="table-wrap"><table><thead><tr><th scope="col">Domain</th><th scope="col">Routes</th><th scope="col">Catch-all</th></tr></thead>
<tbody>${domains.map((d) => html`<tr><th scope="row"><a href="/domains/${d.name}">${d.name}</a></th><td>${d.routes.map((r) => `${r.host}:${r.port} (pref ${r.preference}, tls ${r.tls}${r.tls_verify ? ', verified' : ''})`).join('; ') || '—'}</td><td>${d.catch_all ? 'yes' : 'no'}</td></tr>`)}</tbody></table></div>`;
}

export function domainBody(d: DomainWithRoutes, recipients: { address: string; kind: string; target: string | null }[]): Html {
  return html`<p><a href="/report?domain=${d.name}">Report for ${d.name}</a> · <a href="/trace?domain=${d.name}">Message trace</a> · <a href="/quarantine?domain=${d.name}">Quarantine</a></p>
<section class="card" aria-labelledby="routes-h"><h2 id="routes-h">Routes</h2><ul>${d.routes.map((r) => html`<li>${r.host}:${r.port}, preference ${r.preference}, TLS ${r.tls}${r.tls_verify ? ' (verified)' : ''}</li>`)}</ul>${d.catch_all ? html`<p>Catch-all: every local part is accepted.</p>` : ''}</section>
<section class="card" aria-labelledby="rc-h"><h2 id="rc-h">Recipients (${recipients.length})</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Address</th><th scope="col">Kind</th><th scope="col">Target</th></tr></thead>
<tbody>${recipients.map((r) => html`<tr><td>${r.address}</td><td>${r.kind}</td><td>${r.target ?? ''}</td></tr>`)}</tbody></table></div></section>`;
}

export function importForm(csrf: string, kind: 'domains' | 'recipients', csv: string, result?: { applied: boolean; added: string[]; changed: string[]; unchanged: string[] } | { errors: string[] }): Html {
  const res = !result
    ? ''
    : 'errors' in result
      ? html`<div class="error" role="alert"><p>Nothing imported:</p><ul>${result.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
      : html`<div class="notice" role="status" data-import="${result.applied ? 'applied' : 'preview'}"><p>${result.applied ? 'Imported' : 'Preview'}: ${result.added.length} ${result.applied ? '' : 'would be '}added, ${result.changed.length} ${result.applied ? '' : 'would be '}changed, ${result.unchanged.length} unchanged.</p>
<ul>${result.added.map((a) => html`<li>+ ${a}</li>`)}${result.changed.map((c) => html`<li>~ ${c}</li>`)}</ul></div>`;
  return html`${res}<form method="post" action="/domains/import" class="card" aria-label="CSV import">${csrfField(csrf)}
<fieldset><legend>What the CSV holds</legend>
<label><input type="radio" name="kind" value="domains"${kind === 'domains' ? html` checked` : ''}> Domains and routes (domain,host,port,preference,tls,tls_verify,catch_all)</label>
<label><input type="radio" name="kind" value="recipients"${kind === 'recipients' ? html` checked` : ''}> Recipients (address,kind,target)</label></fieldset>
<label for="csv">CSV</label><textarea id="csv" name="csv" rows="10">${csv}</textarea>
<div class="actions"><button type="submit" name="apply" value="0" class="secondary">Preview changes</button><button type="submit" name="apply" value="1">Apply</button></div></form>`;
}
