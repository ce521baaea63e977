// Charts drawn server-side as inline SVG: a grouped bar time series and a horizontal category bar
// chart. Each bar is a link to the trace behind it and carries an accessible title.
import { html, type Html } from '../html.js';

export interface SeriesPoint {
  label: string;
  values: { key: string; count: number; href: string }[];
}

const COLORS: Record<string, string> = { scanned: '#4c6ef5', blocked: '#e03131', delivered: '#2f9e44' };

export function timeSeriesChart(points: SeriesPoint[], title: string): Html {
  const W = 800;
  const H = 260;
  const pad = { l: 48, r: 8, t: 10, b: 40 };
  const max = Math.max(1, ...points.flatMap((p) => p.values.map((v) => v.count)));
  const groupW = (W - pad.l - pad.r) / Math.max(1, points.length);
  const keys = points[0]?.values.map((v) => v.key) ?? [];
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, keys.length));
  const y = (n: number) => pad.t + (H - pad.t - pad.b) * (1 - n / max);
  const every = Math.ceil(points.length / 12);
  return html`<svg class="chart" role="img" aria-labelledby="ts-title" viewBox="0 0 ${W} ${H}" data-chart="timeseries">
<title id="ts-title">${title}</title>
<line x1="${pad.l}" y1="${y(0)}" x2="${W - pad.r}" y2="${y(0)}" stroke="#888"/>
<text x="${pad.l - 6}" y="${y(max) + 4}" text-anchor="end" font-size="11">${max}</text>
<text x="${pad.l - 6}" y="${y(0) + 4}" text-anchor="end" font-size="11">0</text>
${points.map((p, i) => {
  const x0 = pad.l + i * groupW + groupW * 0.1;
  return html`<g>${p.values.map((v, j) => html`<a href="${v.href}"><rect class="bar" data-key="${v.key}" data-count="${v.count}" x="${(x0 + j * barW).toFixed(1)}" y="${y(v.count).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(0) - y(v.count)).toFixed(1)}" fill="${COLORS[v.key] ?? '#666'}"><title>${p.label} ${v.key}: ${v.count}</title></rect></a>`)}
${i % every === 0 ? html`<text x="${(x0 + groupW * 0.4).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle" font-size="11">${p.label}</text>` : ''}</g>`;
})}
</svg>
<ul class="legend">${keys.map((k) => html`<li><span class="swatch sw-${k}"></span>${k}</li>`)}</ul>`;
}

export function categoryChart(rows: { label: string; count: number; href: string }[], title: string): Html {
  const W = 800;
  const rowH = 24;
  const labelW = 300;
  const H = rows.length * rowH + 10;
  const max = Math.max(1, ...rows.map((r) => r.count));
  return html`<svg class="chart" role="img" aria-labelledby="cat-title" viewBox="0 0 ${W} ${H}" data-chart="categories">
<title id="cat-title">${title}</title>
${rows.map((r, i) => {
  const w = ((W - labelW - 80) * r.count) / max;
  const yy = 5 + i * rowH;
  return html`<a href="${r.href}"><text x="${labelW - 8}" y="${yy + 16}" text-anchor="end" font-size="13">${r.label}</text><rect class="bar" data-count="${r.count}" x="${labelW}" y="${yy + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#2f9e44"><title>${r.label}: ${r.count}</title></rect><text x="${(labelW + w + 6).toFixed(1)}" y="${yy + 16}" font-size="13">${r.count}</text></a>`;
})}
</svg>`;
}
