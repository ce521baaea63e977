// The file analysis of one message, done once and shared by the malware, APT and other-threat
// analyzers: every reachable file (archives opened, passwords tried, MIME salvaged) with its
// document report. Cached per ParsedMessage (which is read-only) and limits.
import type { ParsedMessage } from '../scan/types.js';
import { fileHtmlReport, type HtmlReport } from './html.js';
import { inspectMime, type MimeFindings } from './mime.js';
import { inspectMacros, isEncryptedOffice, type MacroReport } from './office.js';
import { candidatePasswords } from './passwords.js';
import { inspectPdf, type PdfReport } from './pdf.js';
import { inspectRtf, type RtfReport } from './rtf.js';
import { DEFAULT_ARCHIVE_LIMITS, node, walkFiles, type ArchiveLimits, type FileNode, type WalkResult } from './walk.js';
import { z } from 'zod';

export interface FileReport {
  file: FileNode;
  /** Declared Content-Type, for attachments (depth 0) only. */
  declaredType: string | null;
  /** Came from lenient MIME salvage, not from the parser. */
  salvaged: boolean;
  macros: MacroReport | null;
  /** A password-protected Office document (contents unreadable to every check). */
  encryptedDocument: boolean;
  pdf: PdfReport | null;
  rtf: RtfReport | null;
  html: HtmlReport | null;
}

export interface MessageFiles {
  reports: FileReport[];
  issues: WalkResult['issues'];
  mime: MimeFindings;
}

export const ArchiveLimitsConfig = z
  .object({
    max_depth: z.number().int().min(0).max(20).default(DEFAULT_ARCHIVE_LIMITS.maxDepth),
    max_members: z.number().int().positive().default(DEFAULT_ARCHIVE_LIMITS.maxMembers),
    max_total_bytes: z.number().int().positive().default(DEFAULT_ARCHIVE_LIMITS.maxTotalBytes),
    max_ratio: z.number().positive().default(DEFAULT_ARCHIVE_LIMITS.maxRatio),
    timeout_ms: z.number().int().positive().default(DEFAULT_ARCHIVE_LIMITS.timeoutMs),
  })
  .strict();
export type ArchiveLimitsConfig = z.infer<typeof ArchiveLimitsConfig>;

export function toLimits(c: ArchiveLimitsConfig): ArchiveLimits {
  return { maxDepth: c.max_depth, maxMembers: c.max_members, maxTotalBytes: c.max_total_bytes, maxRatio: c.max_ratio, timeoutMs: c.timeout_ms };
}

const cache = new WeakMap<ParsedMessage, Map<string, Promise<MessageFiles>>>();

async function report(file: FileNode, declaredType: string | null, salvaged: boolean): Promise<FileReport> {
  const t = file.sniffedType;
  const ext = file.name.toLowerCase().split('.').pop() ?? '';
  const isHtml = t === 'text/html' || declaredType === 'text/html' || ext === 'html' || ext === 'htm' || ext === 'shtml' || ext === 'svg';
  return {
    file,
    declaredType,
    salvaged,
    macros: await inspectMacros(file.content, t).catch(() => null),
    encryptedDocument: isEncryptedOffice(file.content, t),
    pdf: t === 'application/pdf' ? inspectPdf(file.content) : null,
    rtf: t === 'application/rtf' || (ext === 'rtf' && Buffer.from(file.content.subarray(0, 8)).toString('latin1').startsWith('{\\rt')) ? inspectRtf(file.content) : null,
    html: isHtml && file.content.byteLength < 20 * 1024 * 1024 ? fileHtmlReport(file.content) : null,
  };
}

/** The shared analysis; the first caller's signal (analyzers of one stage share one deadline) aborts 7z. */
export function analyseFiles(msg: ParsedMessage, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, signal?: AbortSignal): Promise<MessageFiles> {
  let perMsg = cache.get(msg);
  if (!perMsg) cache.set(msg, (perMsg = new Map()));
  const key = JSON.stringify({ ...limits, signal: undefined });
  let p = perMsg.get(key);
  if (!p) perMsg.set(key, (p = compute(msg, signal ? { ...limits, signal } : limits)));
  return p;
}

async function compute(msg: ParsedMessage, limits: ArchiveLimits): Promise<MessageFiles> {
  // The candidate passwords are gathered only for a message with files to open (their search of
  // the whole text was ~1 % of a scan, on every message).
  let candidates: string[] | undefined;
  const passwords = () => (candidates ??= candidatePasswords(`${msg.subject}\n${msg.text}\n${msg.htmlText}`, msg.attachments.map((a) => a.filename ?? '').filter(Boolean)));
  const walk = await walkFiles(msg.attachments.map((a, i) => ({ name: a.filename ?? `attachment-${i + 1}`, content: a.content })), msg.attachments.length ? passwords() : [], limits);
  const declared = new Map<string, string>();
  msg.attachments.forEach((a, i) => declared.set(a.filename ?? `attachment-${i + 1}`, a.declaredType));
  const mime = inspectMime(msg.raw, new Set([...msg.attachments.map((a) => a.sha256), ...walk.files.map((f) => f.sha256)]));
  const reports: FileReport[] = [];
  for (const f of walk.files) reports.push(await report(f, f.depth === 0 ? (declared.get(f.path) ?? null) : null, false));
  // Salvaged bytes get the same treatment (including archive walking) as real attachments.
  if (mime.salvaged.length) {
    const extra = await walkFiles(mime.salvaged.map((s) => ({ name: s.name, content: s.content })), passwords(), limits);
    for (const f of extra.files) reports.push(await report(f, null, true));
    walk.issues.push(...extra.issues);
  }
  return { reports, issues: walk.issues, mime };
}

export { node };
