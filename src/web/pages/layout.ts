// The page shell: landmarks, a skip link, the navigation for the user's role, and the error page.
import type { ApiError } from '../errors.js';
import { html, type Html } from '../html.js';
import type { Principal } from '../scope.js';

export function page(title: string, p: Principal | null, body: Html, opts: { csrf?: string; current?: string } = {}): Html {
  const nav: [string, string][] = p
    ? [
        ['/report', 'Report'],
        ['/trace', 'Message trace'],
        ['/quarantine', 'Quarantine'],
        ['/domains', 'Domains'],
        ['/policy', 'Policy'],
        ...(p.role === 'operator' ? ([['/audit', 'Audit log']] as [string, string][]) : []),
      ]
    : [];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Rampart</title><link rel="stylesheet" href="/static/console.css"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">Rampart</span>
${p ? html`<nav aria-label="Main"><ul>${nav.map(([href, label]) => html`<li><a href="${href}"${opts.current === href ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
<form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${opts.csrf ?? ''}"><span class="who">${p.username} (${p.role.replace('_', ' ')})</span> <button type="submit">Log out</button></form>` : ''}
</header>
<main id="main" tabindex="-1"><h1>${title}</h1>
${body}
</main></body></html>`;
}

export function errorPage(e: ApiError, p: Principal | null, csrf?: string): Html {
  return page(e.status === 404 ? 'Not found' : 'Error', p, html`<p role="alert">${e.message}</p>${e.issues ? html`<ul>${e.issues.map((i) => html`<li>${i}</li>`)}</ul>` : ''}<p><a href="/report">Back to the report</a></p>`, { csrf });
}

export function csrfField(csrf: string | undefined): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf ?? ''}">`;
}
