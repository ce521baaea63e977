// Other threats: evidence of something wrong without a sure verdict: declared and real types that
// disagree, dangerous file types by policy, names with bidi overrides, evasive MIME, oversized
// encoded headers, encrypted archives nobody could open, archive limits (parser limits are the
// pipeline's MIME_LIMITS_HIT).
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import { analyseFiles, ArchiveLimitsConfig, toLimits } from '../../../files/analysis.js';
import { DEFAULT_DANGEROUS_EXTENSIONS, extensionOf, hasBidiOverride } from '../../../files/names.js';
import type { Analyzer, AnalyzerContext, Emit, ParsedMessage, SymbolDef } from '../../types.js';

export const OtherThreatsConfig = z
  .object({
    dangerous_extensions: z.array(z.string().regex(/^[a-z0-9-]+$/i, 'an extension without the dot')).default([...DEFAULT_DANGEROUS_EXTENSIONS]),
    archive: ArchiveLimitsConfig.default(ArchiveLimitsConfig.parse({})),
  })
  .strict();

const SYMBOLS: SymbolDef[] = [
  { name: 'DANGEROUS_FILE_TYPE', description: 'Attachment or archive member of a type blocked by policy (exe, js, lnk, iso, one…)', group: 'other', score: 6, category: 'other_threat' },
  { name: 'TYPE_MISMATCH', description: 'Declared Content-Type or extension disagrees with the real type', group: 'other', score: 3, category: 'other_threat' },
  { name: 'FILENAME_BIDI_OVERRIDE', description: 'File name contains a right-to-left override or other bidi control that hides its extension', group: 'other', score: 8, category: 'other_threat' },
  { name: 'MIME_EVASION', description: 'MIME structure that hides content from scanners (broken boundaries, duplicate headers, garbage base64, uuencode)', group: 'other', score: 5, category: 'other_threat' },
  { name: 'MIME_UNCLOSED_BOUNDARY', description: 'A multipart body without its closing delimiter (old mailers do this too)', group: 'other', score: 1 },
  { name: 'LONG_ENCODED_HEADER', description: 'Oversized header made of encoded words', group: 'other', score: 3, category: 'other_threat' },
  { name: 'ENCRYPTED_ARCHIVE', description: 'Encrypted archive or document that no password from the message opened', group: 'other', score: 4, category: 'other_threat' },
  { name: 'ARCHIVE_UNSCANNABLE', description: 'Archive too deep, too large or corrupt to be fully scanned', group: 'other', score: 3, category: 'other_threat' },
];

/** Coarse families so that e.g. image/jpg vs image/jpeg, or docx declared as zip, are not mismatches. */
function family(type: string): string {
  const t = type.toLowerCase();
  if (/msdownload|x-dosexec|x-executable|x-msdos-program|x-elf|mach-binary|java-vm/.test(t)) return 'program';
  if (t === 'application/pdf' || t === 'application/x-pdf') return 'pdf';
  if (t.startsWith('image/') && t !== 'image/svg+xml') return 'image';
  if (/zip|openxmlformats|opendocument|java-archive|x-zip|\.ms-.*\.12|macroenabled/.test(t)) return 'zip';
  if (/msword|ms-excel|ms-powerpoint|x-ole-storage|vnd\.ms-outlook|ms-office|vnd\.visio/.test(t)) return 'ole';
  if (/rtf/.test(t)) return 'rtf';
  if (t === 'text/html') return 'html';
  if (/gzip|x-gzip|x-tar|x-7z|rar|bzip|x-xz|cab|iso9660|x-cd-image/.test(t)) return 'archive';
  if (t.startsWith('audio/') || t.startsWith('video/')) return 'media';
  if (t.startsWith('text/')) return 'text';
  return 'other';
}

const EXT_FAMILY: Record<string, string> = { pdf: 'pdf', jpg: 'image', jpeg: 'image', png: 'image', gif: 'image', doc: 'ole', xls: 'ole', ppt: 'ole', docx: 'zip', xlsx: 'zip', pptx: 'zip', zip: 'zip', rtf: 'rtf', txt: 'text', csv: 'text' };

async function analyze(msg: ParsedMessage, ctx: AnalyzerContext): Promise<Emit[]> {
  const cfg = analyzerConfig(OtherThreatsConfig, 'other-threats', ctx.config);
  const dangerous = new Set(cfg.dangerous_extensions.map((e) => e.toLowerCase()));
  const files = await analyseFiles(msg, toLimits(cfg.archive), ctx.signal);
  const out: Emit[] = [];
  for (const r of files.reports) {
    if (r.salvaged) continue;
    const f = r.file;
    const ext = extensionOf(f.name);
    if (dangerous.has(ext)) out.push({ name: 'DANGEROUS_FILE_TYPE', detail: `${f.path} (.${ext})` });
    if (r.encryptedDocument) out.push({ name: 'ENCRYPTED_ARCHIVE', detail: `${f.path}: password-protected Office document (contents not scanned)` });
    if (hasBidiOverride(f.name)) out.push({ name: 'FILENAME_BIDI_OVERRIDE', detail: JSON.stringify(f.path) });
    // An encrypted OOXML document is an OLE container by design: not a mismatch.
    if (f.sniffedType && !r.encryptedDocument) {
      const real = family(f.sniffedType);
      const declared = r.declaredType && r.declaredType !== 'application/octet-stream' ? family(r.declaredType) : null;
      const byExt = EXT_FAMILY[ext] ?? null;
      const strong = new Set(['program', 'pdf', 'image', 'ole', 'rtf', 'zip', 'archive']);
      if (strong.has(real) && ((declared && declared !== 'other' && declared !== 'text' && declared !== real) || (byExt && byExt !== real && !(byExt === 'text' && real === 'html'))))
        out.push({ name: 'TYPE_MISMATCH', detail: `${f.path}: real ${f.sniffedType}, declared ${r.declaredType ?? '-'}, named .${ext || '(none)'}` });
    }
  }
  for (const a of msg.attachments) if (a.filename && hasBidiOverride(a.filename) && !out.some((e) => e.name === 'FILENAME_BIDI_OVERRIDE')) out.push({ name: 'FILENAME_BIDI_OVERRIDE', detail: JSON.stringify(a.filename) });
  const evasive = files.mime.anomalies.filter((a) => a.kind !== 'long_encoded_header' && a.kind !== 'unclosed_boundary');
  const unclosed = files.mime.anomalies.find((a) => a.kind === 'unclosed_boundary');
  if (unclosed) out.push({ name: 'MIME_UNCLOSED_BOUNDARY', detail: unclosed.detail });
  if (evasive.length) out.push({ name: 'MIME_EVASION', detail: evasive.map((a) => `${a.kind}: ${a.detail}`).join('; ').slice(0, 500) });
  const longHdr = files.mime.anomalies.find((a) => a.kind === 'long_encoded_header');
  if (longHdr) out.push({ name: 'LONG_ENCODED_HEADER', detail: longHdr.detail });
  for (const i of files.issues) {
    if (i.kind === 'encrypted') out.push({ name: 'ENCRYPTED_ARCHIVE', detail: `${i.path}: ${i.detail}` });
    else if (i.kind !== 'bomb') out.push({ name: 'ARCHIVE_UNSCANNABLE', detail: `${i.path}: ${i.kind}: ${i.detail}` });
  }
  return out;
}

export const otherThreatsAnalyzer: Analyzer = { name: 'other-threats', family: 'other', stage: 'normal', symbols: SYMBOLS, config: OtherThreatsConfig, analyze };
