// The console stylesheet, served as /static/console.css (no inline style, so the CSP can forbid it).
export const CONSOLE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b57d0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,main:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5em}
.skip:focus{left:.5em}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5em 1.5em;padding:.5em 1em;background:#102a43;color:#fff}
.top a{color:#fff}
.top nav ul{display:flex;flex-wrap:wrap;gap:.25em 1em;list-style:none;margin:0;padding:0}
.top a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.brand{font-weight:700;font-size:1.2em}
.logout{margin-left:auto;display:flex;align-items:center;gap:.5em}
.who{font-size:.9em}
main{max-width:72em;margin:0 auto;padding:1em}
h1{margin-top:.2em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid #dde1e6;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:1em;margin:1em 0}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(12em,1fr));gap:1em}
.figure .n{font-size:1.8em;font-weight:700}
.would{color:#8a4b00;font-size:.9em}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(11em,1fr));gap:.5em 1em;align-items:end}
label{display:block;font-size:.9em;font-weight:600}
input,select,textarea,button{font:inherit;padding:.3em .4em;max-width:100%}
input[type=text],input[type=password],input[type=date],select,textarea{width:100%}
button{cursor:pointer;background:#0b57d0;color:#fff;border:0;border-radius:4px;padding:.4em .9em}
button.secondary{background:#5f6b7a}
button.danger{background:#b42318}
.actions{display:flex;flex-wrap:wrap;gap:.5em;margin:.5em 0}
.muted{color:#5f6b7a}
.notice{background:#ecfdf3;border:1px solid #abefc6;padding:.5em 1em}
.error{background:#fef3f2;border:1px solid #fecdca;padding:.5em 1em}
iframe.preview{width:100%;height:28em;border:1px solid #dde1e6;background:#fff}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #dde1e6;padding:.5em}
svg.chart{width:100%;height:auto;max-width:52em;background:#fff}
.legend{display:flex;flex-wrap:wrap;gap:1em;list-style:none;padding:0}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
.sw-scanned{background:#4c6ef5}.sw-blocked{background:#e03131}.sw-delivered{background:#2f9e44}
@media (max-width:40em){body{font-size:15px}.top{padding:.5em}.logout{margin-left:0}th,td{padding:.3em}}
`;
