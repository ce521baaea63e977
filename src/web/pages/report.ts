// The Report screen: figures for a period and domain, each a link to the messages behind it, a
// time-series chart and a category chart, and monitor-mode "would have blocked" figures.
import { defaultPeriod } from '../api.js';
import { filterQuery, type ConnectionFilter, type MessageFilter } from '../filters.js';
import { fmt, html, type Html } from '../html.js';
import type { Figure, Report } from '../report.js';
import type { Principal } from '../scope.js';
import { categoryChart, timeSeriesChart } from './charts.js';

export function figureHref(f: Figure): string {
  if (f.connections) return `/trace/connections?${filterQuery(f.connections as ConnectionFilter as Record<string, string>)}`;
  return `/trace?${filterQuery((f.filter ?? {}) as MessageFilter as Record<string, string>)}`;
}

function link(f: Figure, testId: string): Html {
  if (!f.rolledUp) return html`<a href="${figureHref(f)}" data-figure="${testId}">${fmt(f.count)}</a>`;
  const title = `${fmt(f.rolledUp)} of these are past the trace's retention: counted, no longer listed`;
  return html`<a href="${figureHref(f)}" data-figure="${testId}" data-rolled-up="${String(f.rolledUp)}" title="${title}">${fmt(f.count)}</a>`;
}

/** Says which part of the figures has no records behind it any more, so an emptier trace is no surprise. */
function rolledUpNote(r: Report): Html | string {
  const { messages, connections } = r.rolledUp;
  if (!messages && !connections) return '';
  return html`<p class="muted" data-rolled-up-note>Includes ${fmt(messages)} messages and ${fmt(connections)} connection refusals whose records are past the trace's retention: they are counted from hourly statistics (whole hours that start in the period), and a figure's link lists only the records still kept.</p>`;
}

export function reportBody(r: Report, p: Principal, domains: string[], form: { since: string; until: string; domain?: string }): Html {
  const points = r.series.map((s) => ({
    label: s.bucket.length > 10 ? s.bucket.slice(11, 13) + 'h' : s.bucket.slice(5),
    values: [
      { key: 'scanned', count: s.scanned.count, href: figureHref(s.scanned) },
      { key: 'blocked', count: s.blocked.count, href: figureHref(s.blocked) },
      { key: 'delivered', count: s.delivered.count, href: figureHref(s.delivered) },
    ],
  }));
  return html`
<form class="filters card" method="get" action="/report" aria-label="Report period and domain">
  <div><label for="since">From</label><input id="since" name="since" type="date" value="${form.since}"></div>
  <div><label for="until">To (inclusive)</label><input id="until" name="until" type="date" value="${form.until}"></div>
  <div><label for="domain">Domain</label><select id="domain" name="domain"><option value="">${p.role === 'operator' ? 'All domains' : 'All my domains'}</option>${domains.map((d) => html`<option${d === form.domain ? html` selected` : ''}>${d}</option>`)}</select></div>
  <div><button type="submit">Show</button></div>
</form>
<section class="card" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>
${rolledUpNote(r)}
<p>Scanned ${link(r.scanned, 'scanned')} messages for ${fmt(r.addresses)} email addresses.</p>
<p>Blocked ${fmt(r.blocked.total)}: ${link(r.blocked.atData, 'blocked-data')} refused at the end of data, ${link(r.blocked.atConnection, 'blocked-connection')} refused at connection or recipient.
${r.blocked.byReason.length ? html`<br><span class="muted">By reason:</span> ${r.blocked.byReason.map((b, i) => html`${i ? ' · ' : ''}${b.reason} ${link(b.figure, `reason-${b.reason}`)}`)}` : ''}</p>
<p>Quarantined ${link(r.quarantined, 'quarantined')}.</p>
<p>Delivered ${link(r.delivered, 'delivered')}${r.wouldBlock.count ? html` <span class="would">(monitor mode: ${link(r.wouldBlock, 'would-block')} would have been blocked)</span>` : ''}:</p>
<div class="table-wrap"><table><caption class="muted">Delivered by category</caption>
<thead><tr><th scope="col">Category</th><th scope="col" class="num">Delivered</th><th scope="col" class="num">Would have blocked (monitor mode)</th></tr></thead>
<tbody>${r.delivered.byCategory.map((c) => html`<tr><th scope="row">${c.label}</th><td class="num">${link(c.figure, `cat-${c.category}`)}</td><td class="num would">${link(c.wouldBlock, `would-${c.category}`)}</td></tr>`)}</tbody></table></div>
</section>
${byDomainTable(r, form)}
<section class="card" aria-labelledby="ts-h"><h2 id="ts-h">Scanned, blocked and delivered over time</h2>
${timeSeriesChart(points, `Messages per ${r.series[0]?.bucket.length === 13 ? 'hour' : 'day'}: scanned, blocked at end of data, delivered`)}</section>
<section class="card" aria-labelledby="cat-h"><h2 id="cat-h">Delivered by category</h2>
${categoryChart(r.delivered.byCategory.map((c) => ({ label: c.label, count: c.figure.count, href: figureHref(c.figure) })), 'Delivered messages by category')}</section>`;
}

/** Without a domain filter: a row per visible domain, each figure a link like the totals'. */
function byDomainTable(r: Report, form: { since: string; until: string }): Html | string {
  if (!r.byDomain.length) return '';
  return html`<section class="card" aria-labelledby="dom-h"><h2 id="dom-h">By domain</h2>
<div class="table-wrap"><table data-by-domain><caption class="muted">Most mail first; a message to two domains counts in both</caption>
<thead><tr><th scope="col">Domain</th><th scope="col" class="num">Scanned</th><th scope="col" class="num">Blocked at end of data</th><th scope="col" class="num">Quarantined</th><th scope="col" class="num">Delivered</th></tr></thead>
<tbody>${r.byDomain.map((d) => html`<tr data-domain="${d.domain}"><th scope="row"><a href="/report?${filterQuery({ since: form.since, until: form.until, domain: d.domain })}">${d.domain}</a></th><td class="num">${link(d.scanned, `domain-scanned-${d.domain}`)}</td><td class="num">${link(d.blocked, `domain-blocked-${d.domain}`)}</td><td class="num">${link(d.quarantined, `domain-quarantined-${d.domain}`)}</td><td class="num">${link(d.delivered, `domain-delivered-${d.domain}`)}</td></tr>`)}</tbody></table></div></section>`;
}

export function reportForm(q: { since?: string; until?: string; domain?: string }, now: Date) {
  const d = defaultPeriod(now);
  return { since: q.since ?? d.since, until: q.until ?? d.until, domain: q.domain };
}
