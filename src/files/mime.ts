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

const MAX_SCAN = 30 * 1024 * 1024;

function headerBlocks(raw: string): { start: number; text: string }[] {
  // The message header plus every part header (the lines after a "--" delimiter up to a blank line).
  const blocks: { start: number; text: string }[] = [];
  const first = raw.search(/\r?\n\r?\n/);
  blocks.push({ start: 0, text: first < 0 ? raw : raw.slice(0, first) });
  for (const m of raw.matchAll(/^--[^\r\n]+\r?\n((?:[^\r\n]+\r?\n)+?)\r?\n/gm)) blocks.push({ start: m.index!, text: m[1]! });
  return blocks;
}

function fields(block: string, name: string): string[] {
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  return [...unfolded.matchAll(new RegExp(`^${name}:[ \\t]*(.*)$`, 'gim'))].map((m) => m[1]!.trim());
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

/** Examines the raw message; knownHashes are the sha256 of attachments the parser already found. */
export function inspectMime(rawBytes: Uint8Array, knownHashes: ReadonlySet<string>): MimeFindings {
  const raw = Buffer.from(rawBytes.subarray(0, MAX_SCAN)).toString('latin1');
  const anomalies: MimeFindings['anomalies'] = [];
  const salvaged: MimeFindings['salvaged'] = [];
  const add = (name: string, content: Buffer) => {
    if (content.length < 16) return;
    const h = createHash('sha256').update(content).digest('hex');
    if (knownHashes.has(h) || salvaged.some((s) => s.content.equals(content))) return;
    salvaged.push({ name, content });
  };
  const boundaries: string[] = [];
  for (const [index, b] of headerBlocks(raw).entries()) {
    const ct = fields(b.text, 'content-type');
    if (ct.length > 1 && new Set(ct.map((c) => c.toLowerCase())).size > 1) anomalies.push({ kind: 'double_content_type', detail: ct.join(' | ').slice(0, 200) });
    const cte = fields(b.text, 'content-transfer-encoding');
    if (cte.length > 1 && new Set(cte.map((c) => c.toLowerCase())).size > 1) anomalies.push({ kind: 'double_cte', detail: cte.join(' | ') });
    // Only the message's own boundary is checked for use: a part header quoted in a body
    // ("the report is placed inside of the mime boundary: …") declares nothing.
    for (const c of index === 0 ? ct : []) {
      const m = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(c);
      if (m) boundaries.push((m[1] ?? m[2])!);
    }
    for (const line of b.text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const words = line.match(/=\?[^?]+\?[bq]\?[^?]*\?=/gi) ?? [];
      if (words.length && line.length > 2000) anomalies.push({ kind: 'long_encoded_header', detail: `${line.slice(0, line.indexOf(':'))}: ${line.length} characters of encoded words` });
    }
  }
  for (const b of new Set(boundaries)) {
    const esc = b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const delim = new RegExp(`^--${esc}[ \\t]*\\r?$`, 'm');
    const close = new RegExp(`^--${esc}--`, 'm');
    if (!delim.test(raw) && !close.test(raw)) anomalies.push({ kind: 'boundary_mismatch', detail: `boundary ${JSON.stringify(b).slice(0, 80)} never used` });
    else if (!close.test(raw)) anomalies.push({ kind: 'unclosed_boundary', detail: `no closing --${b.slice(0, 60)}--` });
  }
  // Base64 bodies, decoded leniently the way forgiving clients do.
  for (const m of raw.matchAll(/content-transfer-encoding:[ \t]*base64[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([\s\S]*?)(?=^--|^content-|(?![\s\S]))/gim)) {
    const body = m[1]!;
    const lines = body.split(/\r?\n/).filter((l) => l.trim().length);
    if (lines.length === 0) continue;
    // Prose after a quoted "Content-Transfer-Encoding: base64" is not a base64 body.
    const clean = lines.filter((l) => {
      const t = l.trim();
      return t.length >= 16 && !/\s/.test(t) && (t.match(/[A-Za-z0-9+/=]/g)?.length ?? 0) / t.length >= 0.85;
    }).length;
    if (clean < Math.max(1, lines.length / 2)) continue;
    const garbage = lines.filter((l) => /[^A-Za-z0-9+/=\s]/.test(l)).length;
    if (garbage > 0) anomalies.push({ kind: 'bad_base64', detail: `${garbage} line(s) with characters outside base64` });
    add(`salvaged-base64-${salvaged.length + 1}`, Buffer.from(lines.join('').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  }
  // Long base64 runs outside any declared part (boundary broken so the parser never reached them).
  for (const m of raw.matchAll(/(?:^[A-Za-z0-9+/]{40,}={0,2}\r?\n){4,}(?:^[A-Za-z0-9+/=]{1,}\r?\n?)?/gm)) add(`salvaged-run-${salvaged.length + 1}`, Buffer.from(m[0].replace(/\s/g, ''), 'base64'));
  for (const m of raw.matchAll(/^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end\s*$/gm)) {
    anomalies.push({ kind: 'uuencode', detail: `uuencoded ${m[1]!.trim().slice(0, 80)} in the body` });
    add(m[1]!.trim(), uudecode(m[2]!.split(/\r?\n/)));
  }
  return { anomalies, salvaged };
}
