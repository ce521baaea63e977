// MIME that hides content from scanners: broken or mismatched boundaries, duplicate Content-Type,
// base64 with garbage, uuencode in the body, oversized encoded headers. Besides naming the evasion,
// it salvages what a lenient mail client would still show the reader, so those bytes get scanned.
import { createHash } from 'node:crypto';

export interface MimeFindings {
  anomalies: { kind: MimeAnomaly; detail: string }[];
  /** Content decoded leniently that the parser did not deliver as an attachment. */
  salvaged: { name: string; content: Buffer }[];
}

export type MimeAnomaly = 'double_content_type' | 'unclosed_boundary' | 'boundary_mismatch' | 'bad_base64' | 'uuencode' | 'long_encoded_header' | 'double_cte';

/** Only the first 30 MiB of a message are examined. */
export const MAX_SCAN = 30 * 1024 * 1024;

function headerBlocks(raw: string): string[] {
  // The message header plus every part header (the lines after a "--" delimiter up to a blank line).
  const first = raw.search(/\r?\n\r?\n/);
  const blocks = [first < 0 ? raw : raw.slice(0, first)];
  for (const m of raw.matchAll(/^--[^\r\n]+\r?\n((?:[^\r\n]+\r?\n)+?)\r?\n/gm)) blocks.push(m[1]!);
  return blocks;
}

const unfold = (block: string): string => block.replace(/\r?\n[ \t]+/g, ' ');
const CONTENT_TYPE = /^content-type:[ \t]*(.*)$/gim;
const CTE = /^content-transfer-encoding:[ \t]*(.*)$/gim;

/** The values of one header field in an unfolded block. */
function fields(unfolded: string, field: RegExp): string[] {
  return Array.from(unfolded.matchAll(field), (m) => m[1]!.trim());
}

function uudecode(lines: string[]): Buffer {
  const out: number[] = [];
  for (const line of lines) {
    const n = (line.charCodeAt(0) - 32) & 63;
    if (n === 0) break;
    const bytes: number[] = [];
    for (let i = 1; i + 3 < line.length + 1; i += 4) {
      const c = [0, 1, 2, 3].map((k) => ((line.charCodeAt(i + k) || 32) - 32) & 63);
      bytes.push((c[0]! << 2) | (c[1]! >> 4), ((c[1]! & 15) << 4) | (c[2]! >> 2), ((c[2]! & 3) << 6) | c[3]!);
    }
    out.push(...bytes.slice(0, n));
  }
  return Buffer.from(out);
}

/**
 * A base64 run: four or more lines of 40+ base64 characters (then at most one shorter line) — what
 * `/(?:^[A-Za-z0-9+/]{40,}={0,2}\r?\n){4,}(?:^[A-Za-z0-9+/=]{1,}\r?\n?)?/gm` matches. That
 * expression is not used: V8 keeps a backtracking entry per repetition, so on a run longer than
 * ~6 MB (any large attachment) it threw "Maximum call stack size exceeded" and failed the
 * analyzers that read the findings; the scanner below decides the same lines, in constant space.
 */
const BASE64_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;

/** The end (after its \n) of a run line starting at i — 40+ base64 characters, up to two '=', \r?\n — or -1. */
function runLineEnd(raw: string, i: number): number {
  let j = i;
  while (BASE64_CHAR[raw.charCodeAt(j)] === 1) j++;
  if (j - i < 40) return -1;
  if (raw.charCodeAt(j) === 61) j++;
  if (raw.charCodeAt(j) === 61) j++;
  if (raw.charCodeAt(j) === 13) j++;
  return raw.charCodeAt(j) === 10 ? j + 1 : -1;
}

/** The end of the run starting at line start p, or -1 when fewer than four run lines start there. */
function runEnd(raw: string, p: number): number {
  let q = p;
  let lines = 0;
  for (let e = runLineEnd(raw, q); e >= 0; e = runLineEnd(raw, q)) {
    q = e;
    lines++;
  }
  if (lines < 4) return -1;
  // The optional shorter last line: base64 characters or '=', then \r and \n if they follow.
  let t = q;
  while (BASE64_CHAR[raw.charCodeAt(t)] === 1 || raw.charCodeAt(t) === 61) t++;
  if (t === q) return q;
  if (raw.charCodeAt(t) === 13) t++;
  if (raw.charCodeAt(t) === 10) t++;
  return t;
}

/**
 * The base64 runs of the text, in order, tried only where one can start: at a line start (after
 * \n or \r, as the `m` flag's ^) with 40 base64 characters.
 */
export function base64Runs(raw: string): string[] {
  const runs: string[] = [];
  const n = raw.length;
  let p = 0;
  // The next \r at or after p (-1: none), kept: searched again only once p has passed it, since
  // most messages have none and a search per line would read the rest of the text each time.
  let cr = raw.indexOf('\r');
  while (p < n) {
    let ok = p + 40 <= n;
    for (let i = p; ok && i < p + 40; i++) ok = BASE64_CHAR[raw.charCodeAt(i)] === 1;
    if (ok) {
      const end = runEnd(raw, p);
      if (end >= 0) {
        runs.push(raw.slice(p, end));
        p = end;
        if (raw.charCodeAt(p - 1) === 10 || raw.charCodeAt(p - 1) === 13) continue;
      }
    }
    // On to the next line start.
    const lf = raw.indexOf('\n', p);
    if (cr >= 0 && cr < p) cr = raw.indexOf('\r', p);
    const brk = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
    if (brk < 0) break;
    p = brk + 1;
  }
  return runs;
}

/**
 * The bodies declared base64: after a "Content-Transfer-Encoding: base64" line and the header lines
 * that follow it up to an empty line, everything up to the next line that starts with "--" or
 * "content-" — what
 * `/content-transfer-encoding:[ \t]*base64[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([\s\S]*?)(?=^--|^content-|(?![\s\S]))/gim`
 * matches. That expression looked for the empty line to the end of the text from every such
 * header when none followed (50,000 of them, 1.7 MB, held a scan past its time-out); here each
 * line is read once.
 */
export function base64Bodies(raw: string): string[] {
  const out: string[] = [];
  const cte = /content-transfer-encoding:[ \t]*base64[^\r\n]*\r?\n/gi;
  const end = /^(?:--|content-)/gim;
  const at = (i: number) => raw.charCodeAt(i);
  for (let m = cte.exec(raw); m; m = cte.exec(raw)) {
    // The header lines, each non-empty and ending in \n (after an optional \r), up to an empty one.
    let p = m.index + m[0].length;
    let bodyStart = -1;
    for (;;) {
      if (at(p) === 10 || (at(p) === 13 && at(p + 1) === 10)) {
        bodyStart = p + (at(p) === 10 ? 1 : 2);
        break;
      }
      let q = p;
      while (q < raw.length && at(q) !== 13 && at(q) !== 10) q++;
      if (q === p) break;
      if (at(q) === 13) q++;
      if (at(q) !== 10) {
        p = q;
        break;
      }
      p = q + 1;
    }
    if (bodyStart < 0) {
      // Every later header before p stops at the same place: go on after it.
      if (p >= raw.length) break;
      cte.lastIndex = p;
      continue;
    }
    end.lastIndex = bodyStart;
    const e = end.exec(raw);
    const stop = e ? e.index : raw.length;
    out.push(raw.slice(bodyStart, stop));
    cte.lastIndex = stop;
  }
  return out;
}

const BEGIN_LINE = /^begin [0-7]{3,4} ([^\r\n]+)\r?\n/gm;
const END_LINE = /^end[^\S\r\n]*$/gm;

/**
 * The uuencoded blocks of the text: a "begin 644 name" line, then everything up to the next line
 * that is "end" — what `/^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end\s*$/gm` matches. That
 * expression searched from every begin line to the end of the text when no end line followed, so
 * 60,000 begin lines (1 MB) took 9 s; here the begin and end lines are found once each.
 */
export function uuencodedBlocks(raw: string): { name: string; body: string }[] {
  const ends: number[] = [];
  for (const m of raw.matchAll(END_LINE)) ends.push(m.index);
  const blocks: { name: string; body: string }[] = [];
  let e = 0;
  let from = 0;
  for (const m of raw.matchAll(BEGIN_LINE)) {
    // A begin line inside the previous block belongs to it.
    if (m.index < from) continue;
    const bodyStart = m.index + m[0].length;
    while (e < ends.length && ends[e]! < bodyStart) e++;
    if (e === ends.length) break;
    blocks.push({ name: m[1]!, body: raw.slice(bodyStart, ends[e]) });
    from = ends[e]! + 3;
  }
  return blocks;
}

/** The share of a line's characters that are base64's (padding included). */
function base64Share(line: string): number {
  let k = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 61 || BASE64_CHAR[c] === 1) k++;
  }
  return k / line.length;
}

/** Examines the raw message; knownHashes are the sha256 of attachments the parser already found. */
export function inspectMime(rawBytes: Uint8Array, knownHashes: ReadonlySet<string>): MimeFindings {
  const raw = Buffer.from(rawBytes.buffer, rawBytes.byteOffset, Math.min(rawBytes.byteLength, MAX_SCAN)).toString('latin1');
  const anomalies: MimeFindings['anomalies'] = [];
  const salvaged: MimeFindings['salvaged'] = [];
  const add = (name: string, content: Buffer) => {
    if (content.length < 16) return;
    const h = createHash('sha256').update(content).digest('hex');
    if (knownHashes.has(h) || salvaged.some((s) => s.content.equals(content))) return;
    salvaged.push({ name, content });
  };
  const boundaries: string[] = [];
  for (const [index, block] of headerBlocks(raw).entries()) {
    const unfolded = unfold(block);
    const ct = fields(unfolded, CONTENT_TYPE);
    if (ct.length > 1 && new Set(ct.map((c) => c.toLowerCase())).size > 1) anomalies.push({ kind: 'double_content_type', detail: ct.join(' | ').slice(0, 200) });
    const cte = fields(unfolded, CTE);
    if (cte.length > 1 && new Set(cte.map((c) => c.toLowerCase())).size > 1) anomalies.push({ kind: 'double_cte', detail: cte.join(' | ') });
    // Only the message's own boundary is checked for use: a part header quoted in a body
    // ("the report is placed inside of the mime boundary: …") declares nothing.
    for (const c of index === 0 ? ct : []) {
      const m = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(c);
      if (m) boundaries.push((m[1] ?? m[2])!);
    }
    // Only a header line past 2,000 characters can be the evasion: the rest need no look.
    if (unfolded.length > 2000) {
      for (const line of unfolded.split(/\r?\n/)) {
        if (line.length > 2000 && /=\?[^?]+\?[bq]\?[^?]*\?=/i.test(line)) anomalies.push({ kind: 'long_encoded_header', detail: `${line.slice(0, line.indexOf(':'))}: ${line.length} characters of encoded words` });
      }
    }
  }
  // Whether a boundary is used or closed can only be told from the whole message: in a longer one
  // the closing line is past the examined part (every message over 30 MiB was "unclosed").
  for (const b of rawBytes.byteLength <= MAX_SCAN ? new Set(boundaries) : []) {
    const esc = b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const delim = new RegExp(`^--${esc}[ \\t]*\\r?$`, 'm');
    const close = new RegExp(`^--${esc}--`, 'm');
    if (!delim.test(raw) && !close.test(raw)) anomalies.push({ kind: 'boundary_mismatch', detail: `boundary ${JSON.stringify(b).slice(0, 80)} never used` });
    else if (!close.test(raw)) anomalies.push({ kind: 'unclosed_boundary', detail: `no closing --${b.slice(0, 60)}--` });
  }
  // Base64 bodies, decoded leniently the way forgiving clients do.
  for (const body of base64Bodies(raw)) {
    const lines = body.split(/\r?\n/).filter((l) => l.trim().length);
    if (lines.length === 0) continue;
    // Prose after a quoted "Content-Transfer-Encoding: base64" is not a base64 body.
    const clean = lines.filter((l) => {
      const t = l.trim();
      return t.length >= 16 && !/\s/.test(t) && base64Share(t) >= 0.85;
    }).length;
    if (clean < Math.max(1, lines.length / 2)) continue;
    const garbage = lines.filter((l) => /[^A-Za-z0-9+/=\s]/.test(l)).length;
    if (garbage > 0) anomalies.push({ kind: 'bad_base64', detail: `${garbage} line(s) with characters outside base64` });
    add(`salvaged-base64-${salvaged.length + 1}`, Buffer.from(lines.join('').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  }
  // Long base64 runs outside any declared part (boundary broken so the parser never reached them).
  for (const run of base64Runs(raw)) add(`salvaged-run-${salvaged.length + 1}`, Buffer.from(run.replace(/\s/g, ''), 'base64'));
  // The literal first: the expression, tried at every line start, costs more than the search.
  for (const { name, body } of raw.includes('begin ') ? uuencodedBlocks(raw) : []) {
    anomalies.push({ kind: 'uuencode', detail: `uuencoded ${name.trim().slice(0, 80)} in the body` });
    add(name.trim(), uudecode(body.split(/\r?\n/)));
  }
  return { anomalies, salvaged };
}
