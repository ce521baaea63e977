// Active content in PDF files: /JavaScript, /OpenAction, /AA, /Launch, /EmbeddedFile, /XFA. Names
// are normalised (#xx escapes) and Flate streams (object streams hide dictionaries) are inflated
// within a budget before the keys are looked for.
import { inflateSync } from 'node:zlib';

export interface PdfReport {
  javascript: boolean;
  openAction: boolean;
  launch: boolean;
  embeddedFiles: boolean;
  xfa: boolean;
  /** Number of /URI actions (links), for phishing-lure PDFs. */
  uris: string[];
}

const MAX_INFLATE = 8 * 1024 * 1024;

function normaliseNames(s: string): string {
  return s.replace(/\/([A-Za-z0-9#]+)/g, (_m, name: string) => '/' + name.replace(/#([0-9a-fA-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))));
}

export function inspectPdf(content: Uint8Array): PdfReport {
  const raw = Buffer.from(content).toString('latin1');
  const texts = [raw];
  let budget = MAX_INFLATE;
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  let count = 0;
  // The "endstream" found for an earlier start serves every later start before it (there is none
  // in between): searching again from each read to the same far end 500 times (4 s for 20 MB).
  let end = -1;
  while ((m = re.exec(raw)) && budget > 0 && count++ < 500) {
    const start = m.index + m[0].length;
    if (start > end) end = raw.indexOf('endstream', start);
    if (end < 0) break;
    const dict = raw.slice(Math.max(0, m.index - 300), m.index);
    if (!/FlateDecode/.test(dict.slice(dict.lastIndexOf('<<')))) continue;
    try {
      const out = inflateSync(content.subarray(start, end), { maxOutputLength: budget });
      budget -= out.byteLength;
      texts.push(out.toString('latin1'));
    } catch { /* truncated or not Flate: the raw text still counts */ }
    re.lastIndex = end;
  }
  const all = normaliseNames(texts.join('\n'));
  const uris = [...all.matchAll(/\/URI\s*\(([^)]{4,500})\)/g)].map((x) => x[1]!).slice(0, 50);
  return {
    javascript: /\/(JavaScript|JS)\b/.test(all),
    openAction: /\/OpenAction\b/.test(all) || /\/AA\s*<</.test(all),
    launch: /\/Launch\b/.test(all),
    embeddedFiles: /\/EmbeddedFiles?\b/.test(all),
    xfa: /\/XFA\b/.test(all),
    uris,
  };
}
