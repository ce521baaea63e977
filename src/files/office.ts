// VBA macros in Office files: OLE compound files (the VBA storage, read with cfb) and OOXML
// containers (word/vbaProject.bin). Module source is decompressed per MS-OVBA so that auto-run
// entry points and shell/download calls can be named.
import CFB from 'cfb';
import yauzl from 'yauzl';
import { tagSpans } from '../message/html-tags.js';

/** An OLE container holding an encrypted OOXML package or an encrypted legacy document (MS-OFFCRYPTO). */
export function isEncryptedOffice(content: Uint8Array, sniffedType: string | null): boolean {
  if (sniffedType !== 'application/x-ole-storage') return false;
  try {
    const cfb = CFB.read(Buffer.from(content), { type: 'buffer' });
    return cfb.FullPaths.some((p) => /\/(EncryptedPackage|EncryptionInfo)$/i.test(p));
  } catch {
    return false;
  }
}

export interface MacroReport {
  /** The file carries a VBA project. */
  hasMacros: boolean;
  modules: string[];
  autoExec: string[];
  suspicious: string[];
}

const AUTO_EXEC = /\b(Auto_?Open|AutoExec|AutoNew|AutoClose|Document_Open|Document_Close|Document_New|DocumentOpen|Workbook_Open|Workbook_Activate|Workbook_BeforeClose|Auto_Close|Presentation_Open|\w+_(?:Layout|Painted|Resize|GotFocus|Change))\b/gi;
const SUSPICIOUS = /\b(Shell(?:Execute)?|WScript\.Shell|CreateObject|GetObject|URLDownloadToFileA?|XMLHTTP|WinHttp|Adodb\.Stream|SaveToFile|powershell|cmd(?:\.exe)? ?\/c|Environ|CallByName|Run|Kill|Open .* For (?:Binary|Output)|Chr[BW]?\$?\(|StrReverse|Base64|VirtualAlloc|RtlMoveMemory|CreateThread|MacScript|Lib "kernel32")\b/gi;

/** MS-OVBA 2.4.1 decompression of a CompressedContainer. */
export function ovbaDecompress(data: Uint8Array, start = 0): Buffer {
  if (data[start] !== 1) throw new Error('not a compressed container');
  const out: number[] = [];
  let pos = start + 1;
  while (pos + 2 <= data.length) {
    const header = data[pos]! | (data[pos + 1]! << 8);
    const size = (header & 0x0fff) + 3;
    const compressed = (header & 0x8000) !== 0;
    const end = Math.min(pos + size, data.length);
    pos += 2;
    const chunkStart = out.length;
    if (!compressed) {
      for (let i = 0; i < 4096 && pos < end; i++) out.push(data[pos++]!);
      continue;
    }
    while (pos < end) {
      const flags = data[pos++]!;
      for (let bit = 0; bit < 8 && pos < end; bit++) {
        if ((flags & (1 << bit)) === 0) {
          out.push(data[pos++]!);
        } else {
          if (pos + 1 >= end + 1) break;
          const token = data[pos]! | (data[pos + 1]! << 8);
          pos += 2;
          const decompressed = out.length - chunkStart;
          let bitCount = 4;
          while ((1 << bitCount) < decompressed) bitCount++;
          bitCount = Math.max(bitCount, 4);
          const lengthMask = 0xffff >> bitCount;
          const offset = (token >> (16 - bitCount)) + 1;
          const length = (token & lengthMask) + 3;
          for (let i = 0; i < length; i++) out.push(out[out.length - offset] ?? 0);
        }
      }
    }
  }
  return Buffer.from(out);
}

/** Module stream names and source offsets from the decompressed `dir` stream (MS-OVBA 2.3.4.2). */
function parseDir(dir: Buffer): { stream: string; offset: number }[] {
  const mods: { stream: string; offset: number }[] = [];
  let pos = 0;
  let current: { stream: string; offset: number } | null = null;
  while (pos + 6 <= dir.length) {
    const id = dir.readUInt16LE(pos);
    let size = dir.readUInt32LE(pos + 2);
    if (id === 0x0009) size = 6; // PROJECTVERSION: its Size field says 4 but 6 bytes follow
    const body = dir.subarray(pos + 6, pos + 6 + size);
    if (id === 0x0019) current = { stream: '', offset: 0 };
    else if (id === 0x001a && current) current.stream = body.toString('latin1');
    else if (id === 0x0031 && current && body.length >= 4) current.offset = body.readUInt32LE(0);
    else if (id === 0x002b && current) { mods.push(current); current = null; }
    pos += 6 + size;
  }
  return mods;
}

function reportFromCfb(buf: Uint8Array): MacroReport {
  const empty: MacroReport = { hasMacros: false, modules: [], autoExec: [], suspicious: [] };
  let cfb: CFB.CFB$Container;
  try {
    cfb = CFB.read(Buffer.from(buf), { type: 'buffer' });
  } catch {
    return empty;
  }
  const paths = cfb.FullPaths;
  const dirIdx = paths.findIndex((p) => /\/VBA\/dir$/i.test(p));
  const hasVba = dirIdx >= 0 || paths.some((p) => /\/_VBA_PROJECT(_CUR)?\/|\/VBA\/_VBA_PROJECT$/i.test(p));
  if (!hasVba) return empty;
  const sources: string[] = [];
  const modules: string[] = [];
  if (dirIdx >= 0) {
    const base = paths[dirIdx]!.replace(/dir$/i, '');
    try {
      const dir = ovbaDecompress(cfb.FileIndex[dirIdx]!.content as Uint8Array);
      for (const m of parseDir(dir)) {
        modules.push(m.stream);
        const i = paths.findIndex((p) => p.toLowerCase() === (base + m.stream).toLowerCase());
        const content = i >= 0 ? (cfb.FileIndex[i]!.content as Uint8Array) : null;
        if (content && m.offset < content.length) {
          try { sources.push(ovbaDecompress(content, m.offset).toString('latin1')); } catch { /* keep going: raw strings below */ }
        }
      }
    } catch { /* a damaged dir stream still leaves the raw strings */ }
  }
  // Identifiers also appear uncompressed in the p-code streams: a backstop when source is stripped.
  for (let i = 0; i < paths.length; i++) if (/\/VBA\//i.test(paths[i]!) && cfb.FileIndex[i]!.content) sources.push(Buffer.from(cfb.FileIndex[i]!.content as Uint8Array).toString('latin1'));
  const all = sources.join('\n');
  const uniq = (re: RegExp) => [...new Set([...all.matchAll(re)].map((m) => m[1]!))].slice(0, 20);
  return { hasMacros: true, modules, autoExec: uniq(AUTO_EXEC), suspicious: uniq(SUSPICIOUS) };
}

function zipMembers(buf: Uint8Array, want: (name: string) => boolean, maxBytes = 20 * 1024 * 1024): Promise<{ name: string; content: Buffer }[]> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(Buffer.from(buf), { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return resolve([]);
      const out: { name: string; content: Buffer }[] = [];
      zip.on('error', () => resolve(out));
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (!want(e.fileName) || e.uncompressedSize > maxBytes || (e.generalPurposeBitFlag & 1)) return zip.readEntry();
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return zip.readEntry();
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('error', () => zip.readEntry());
          s.on('end', () => { out.push({ name: e.fileName, content: Buffer.concat(chunks) }); zip.readEntry(); });
        });
      });
      zip.readEntry();
    });
  });
}

const EVENT_NAME = /script:event-name="((?:office|dom):(?:load|new|open|focus))"/;
const SCRIPT_HREF = /xlink:href="vnd\.sun\.star\.script:([^"?]+)/y;

/**
 * The document events bound to macros in content.xml: per <script:event-listener> tag, its event
 * name and, after it, its script — looked at one tag at a time (html-tags.ts), since an expression
 * tried from every tag start reads to the end of a text of unclosed tags each time.
 */
export function boundEvents(xml: string): string[] {
  const out: string[] = [];
  for (const tag of tagSpans(xml, /<script:event-listener\b/g)) {
    const ev = EVENT_NAME.exec(tag.text);
    if (!ev) continue;
    const i = tag.text.indexOf('xlink:href="vnd.sun.star.script:', ev.index + ev[0].length);
    if (i < 0) continue;
    // The script's name may run past the tag's '>', as it did for the expression.
    SCRIPT_HREF.lastIndex = tag.start + i;
    const href = SCRIPT_HREF.exec(xml);
    if (href) out.push(`${ev[1]} → ${href[1]}`);
  }
  return out;
}

/** Macros in an OLE compound file or an OOXML/ODF document; null when the file is neither. */
export async function inspectMacros(content: Uint8Array, sniffedType: string | null): Promise<MacroReport | null> {
  if (sniffedType === 'application/x-ole-storage') return reportFromCfb(content);
  if (sniffedType?.startsWith('application/vnd.openxmlformats') || sniffedType === 'application/vnd.oasis.opendocument' || sniffedType === 'application/zip') {
    const parts = await zipMembers(content, (n) => /vbaProject\.bin$/i.test(n) || /^Basic\/.+\.xml$/i.test(n) || /activeX\d*\.bin$/i.test(n) || n === 'content.xml');
    const events = parts.find((p) => p.name === 'content.xml');
    const code = parts.filter((p) => p.name !== 'content.xml');
    if (code.length === 0) return null;
    const reports = code.map((p) => (/\.bin$/i.test(p.name) ? reportFromCfb(p.content) : basicReport(p.content.toString('utf8'))));
    // OpenDocument binds macros to document events (office:load, dom:load …) in content.xml.
    if (events) {
      const bound = boundEvents(events.content.toString('utf8'));
      if (bound.length) reports.push({ hasMacros: true, modules: [], autoExec: bound, suspicious: [] });
    }
    return {
      hasMacros: reports.some((r) => r.hasMacros),
      modules: reports.flatMap((r) => r.modules),
      autoExec: [...new Set(reports.flatMap((r) => r.autoExec))],
      suspicious: [...new Set(reports.flatMap((r) => r.suspicious))],
    };
  }
  return null;
}

/** OpenDocument Basic modules (Basic/<lib>/<module>.xml) are plain XML-escaped source. */
function basicReport(xml: string): MacroReport {
  if (!/<script:module\b/.test(xml)) return { hasMacros: false, modules: [], autoExec: [], suspicious: [] };
  const src = xml.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const uniq = (re: RegExp) => [...new Set([...src.matchAll(re)].map((m) => m[1]!))].slice(0, 20);
  return { hasMacros: true, modules: [/script:name="([^"]+)"/.exec(xml)?.[1] ?? 'module'], autoExec: uniq(AUTO_EXEC), suspicious: uniq(SUSPICIOUS) };
}
