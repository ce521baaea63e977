// Tiny HTML helpers for the server-rendered migration pages: escaping and the page frame.

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;background:#e8eef6;font-weight:600}
.pass{color:#116329}.fail{color:#a40e26}.muted{color:#57606a}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;margin:0;font-size:.85rem}
.step{border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem 1rem;margin:.8rem 0}
button{padding:.35rem .9rem;font-size:1rem;cursor:pointer}
.cal td{height:4.5rem;width:14%;font-size:.8rem}.cal .off{background:#f3f4f6}.cal .day{font-weight:600}
.chip{display:block;margin:.1rem 0;padding:0 .2rem;border-radius:.2rem;background:#eef}
.chip.notified{background:#fff4d6}.chip.ready{background:#dafbe1}.chip.migrated{background:#c9f0d0}.chip.scheduled{background:#e8eef6}
`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}
