// Opens every attachment recursively (zip via yauzl, gzip via zlib, tar via tar-stream, the rest and
// encrypted archives via 7z) within limits on depth, member count, total size and compression
// ratio. A bomb is refused from its declared sizes, never unpacked. The result is every file the
// recipient could reach, for clamd, hash lists and document inspection.
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { sniffType } from '../message/sniff.js';
import { createHash } from 'node:crypto';
import { basename, extensionOf } from './names.js';
import * as sevenZip from './sevenzip.js';

export interface ArchiveLimits {
  maxDepth: number;
  maxMembers: number;
  maxTotalBytes: number;
  /** Uncompressed/compressed size of a member (or archive) above which it is a bomb. */
  maxRatio: number;
  timeoutMs: number;
  /** Kills a running 7z when the scan is abandoned (the analyzer's time budget ran out). */
  signal?: AbortSignal;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxDepth: 5, maxMembers: 1000, maxTotalBytes: 100 * 1024 * 1024, maxRatio: 200, timeoutMs: 15_000 };

export interface FileNode {
  /** 'a.zip/dir/x.exe' — attachment name, then member paths. */
  path: string;
  name: string;
  content: Uint8Array;
  sniffedType: string | null;
  sha256: string;
  /** 0 for an attachment, n for a member n archives deep. */
  depth: number;
  /** Opened with this password (from the message), when the container was encrypted. */
  password: string | null;
  /** The member came out of an encrypted container. */
  fromEncrypted: boolean;
}

export type IssueKind = 'bomb' | 'too_deep' | 'too_many' | 'too_large' | 'encrypted' | 'corrupt';

export interface ArchiveIssue {
  kind: IssueKind;
  path: string;
  detail: string;
  /** For 'encrypted': member names that could be listed although they could not be opened. */
  members?: string[];
}

export interface WalkResult {
  files: FileNode[];
  issues: ArchiveIssue[];
}

export interface WalkInput {
  name: string;
  content: Uint8Array;
}

class Bomb extends Error {}

const OFFICE_ZIPS = /^application\/(vnd\.openxmlformats|vnd\.oasis|java-archive)/;
const SEVEN_ZIP_TYPES: Record<string, string> = {
  'application/x-7z-compressed': '7z',
  'application/vnd.rar': 'rar',
  'application/vnd.ms-cab-compressed': 'cab',
  'application/x-iso9660-image': 'iso',
  'application/x-bzip2': 'bz2',
  'application/x-xz': 'xz',
};

export function node(path: string, content: Uint8Array, depth: number, password: string | null, fromEncrypted: boolean): FileNode {
  return { path, name: basename(path), content, sniffedType: sniffType(content), sha256: createHash('sha256').update(content).digest('hex'), depth, password, fromEncrypted };
}

function isArchive(n: FileNode): boolean {
  const t = n.sniffedType;
  if (!t) return false;
  return t === 'application/zip' || t === 'application/gzip' || t === 'application/x-tar' || t in SEVEN_ZIP_TYPES;
}

interface ZipMember { name: string; size: number; packed: number; encrypted: boolean; content?: Buffer }

/** Lists a zip and reads its unencrypted members, checking declared sizes before reading anything. */
function readZip(data: Uint8Array, limits: ArchiveLimits, budget: { members: number; bytes: number }): Promise<ZipMember[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('unreadable zip'));
      const out: ZipMember[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (/\/$/.test(e.fileName)) return zip.readEntry();
        if (++budget.members > limits.maxMembers) return reject(new Bomb(`more than ${limits.maxMembers} members`));
        const encrypted = (e.generalPurposeBitFlag & 1) === 1;
        const m: ZipMember = { name: e.fileName, size: e.uncompressedSize, packed: e.compressedSize, encrypted };
        out.push(m);
        if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio)
          return reject(new Bomb(`${e.fileName}: compression ratio ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1`));
        budget.bytes += e.uncompressedSize;
        if (budget.bytes > limits.maxTotalBytes) return reject(new Bomb(`more than ${limits.maxTotalBytes} bytes uncompressed`));
        if (encrypted) return zip.readEntry();
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return reject(err2 ?? new Error('unreadable member'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            m.content = Buffer.concat(chunks);
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

function readTar(data: Uint8Array, limits: ArchiveLimits, budget: { members: number; bytes: number }): Promise<{ name: string; content: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const ex = tar.extract();
    const out: { name: string; content: Buffer }[] = [];
    ex.on('entry', (header, stream, next) => {
      const size = header.size ?? 0;
      if (header.type !== 'file') { stream.resume(); stream.on('end', next); return; }
      if (++budget.members > limits.maxMembers) { ex.destroy(new Bomb(`more than ${limits.maxMembers} members`)); return; }
      budget.bytes += size;
      if (budget.bytes > limits.maxTotalBytes) { ex.destroy(new Bomb(`more than ${limits.maxTotalBytes} bytes unpacked`)); return; }
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => { out.push({ name: header.name, content: Buffer.concat(chunks) }); next(); });
    });
    ex.on('finish', () => resolve(out));
    ex.on('error', reject);
    Readable.from([Buffer.from(data)]).pipe(ex);
  });
}

/** Tries the archive with no password and then each candidate through 7z. */
async function openWith7z(n: FileNode, ext: string, passwords: readonly string[], limits: ArchiveLimits, budget: { members: number; bytes: number }, issues: ArchiveIssue[]): Promise<{ files: { path: string; content: Buffer }[]; password: string | null; encrypted: boolean } | null> {
  const job = await sevenZip.stage(n.content, ext);
  try {
    let listed: sevenZip.SevenZipEntry[] | null = null;
    let listPassword: string | null = null;
    for (const pw of [null, ...passwords]) {
      if (limits.signal?.aborted) { issues.push({ kind: 'corrupt', path: n.path, detail: 'scan abandoned before the archive was opened' }); return null; }
      const l = await sevenZip.list(job, pw, limits.timeoutMs, limits.signal);
      if (l.kind === 'ok') { listed = l.entries; listPassword = pw; break; }
      if (l.kind === 'error') { issues.push({ kind: 'corrupt', path: n.path, detail: l.message }); return null; }
    }
    if (!listed) {
      issues.push({ kind: 'encrypted', path: n.path, detail: 'encrypted archive (headers too); no password from the message opened it', members: [] });
      return null;
    }
    // Member names that climb out of the extraction dir are refused before 7z writes anything.
    const escaping = listed.find((e) => e.path.startsWith('/') || /^[A-Za-z]:/.test(e.path) || e.path.split(/[\\/]/).includes('..'));
    if (escaping) {
      issues.push({ kind: 'corrupt', path: n.path, detail: `member path escapes the archive: ${escaping.path.slice(0, 120)}` });
      return null;
    }
    const encrypted = listPassword !== null || listed.some((e) => e.encrypted);
    let total = 0;
    for (const e of listed) {
      if (++budget.members > limits.maxMembers) throw new Bomb(`more than ${limits.maxMembers} members`);
      total += e.size;
      if (e.size > 1024 * 1024 && e.packed > 0 && e.size / e.packed > limits.maxRatio) throw new Bomb(`${e.path}: compression ratio ${Math.round(e.size / e.packed)}:1`);
    }
    const whole = listed.reduce((s, e) => s + e.packed, 0) || n.content.byteLength;
    if (total > 1024 * 1024 && total / Math.max(1, Math.min(whole, n.content.byteLength)) > limits.maxRatio) throw new Bomb(`compression ratio ${Math.round(total / n.content.byteLength)}:1`);
    budget.bytes += total;
    if (budget.bytes > limits.maxTotalBytes) throw new Bomb(`more than ${limits.maxTotalBytes} bytes unpacked`);
    const tries = encrypted ? (listPassword !== null ? [listPassword] : passwords) : [null];
    for (const pw of tries) {
      if (limits.signal?.aborted) { issues.push({ kind: 'corrupt', path: n.path, detail: 'scan abandoned before the archive was opened' }); return null; }
      const x = await sevenZip.extract(job, pw, limits.timeoutMs, limits.maxTotalBytes, limits.signal);
      if (x.kind === 'ok') return { files: x.files, password: pw, encrypted };
      if (x.kind === 'error') { issues.push({ kind: 'corrupt', path: n.path, detail: x.message }); return null; }
    }
    issues.push({ kind: 'encrypted', path: n.path, detail: `encrypted archive; ${passwords.length} candidate password(s) from the message did not open it`, members: listed.map((e) => e.path) });
    return null;
  } finally {
    await job.cleanup();
  }
}

async function expand(n: FileNode, passwords: readonly string[], limits: ArchiveLimits, budget: { members: number; bytes: number }, issues: ArchiveIssue[]): Promise<FileNode[]> {
  const t = n.sniffedType!;
  const child = (p: string, c: Uint8Array, pw: string | null, enc: boolean) => node(`${n.path}/${p}`, c, n.depth + 1, pw ?? n.password, enc || n.fromEncrypted);
  if (t === 'application/gzip') {
    let out: Buffer;
    try {
      out = gunzipSync(n.content, { maxOutputLength: Math.max(1, Math.min(limits.maxTotalBytes - budget.bytes, Math.max(1024 * 1024, n.content.byteLength * limits.maxRatio))) });
    } catch (e) {
      if (e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new Bomb('gzip expands past the ratio or size limit');
      issues.push({ kind: 'corrupt', path: n.path, detail: (e as Error).message });
      return [];
    }
    budget.bytes += out.byteLength;
    const inner = n.name.replace(/\.t?gz$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : '')) || 'data';
    return [child(inner === n.name ? `${n.name}.out` : inner, out, null, false)];
  }
  if (t === 'application/x-tar') return (await readTar(n.content, limits, budget)).map((m) => child(m.name, m.content, null, false));
  if (t === 'application/zip') {
    const members = await readZip(n.content, limits, budget);
    if (!members.some((m) => m.encrypted)) return members.map((m) => child(m.name, m.content ?? Buffer.alloc(0), null, false));
    // Encrypted members: ZipCrypto or AES, both through 7z with the message's candidate passwords.
    const plain = members.filter((m) => !m.encrypted).map((m) => child(m.name, m.content ?? Buffer.alloc(0), null, false));
    budget.bytes -= members.reduce((s, m) => s + m.size, 0);
    budget.members -= members.length;
    const opened = await openWith7z(n, 'zip', passwords, limits, budget, issues);
    if (!opened) {
      const issue = issues.find((i) => i.path === n.path && i.kind === 'encrypted');
      if (issue) issue.members = members.filter((m) => m.encrypted).map((m) => m.name);
      return plain;
    }
    const encNames = new Set(members.filter((m) => m.encrypted).map((m) => m.name));
    return opened.files.map((f) => child(f.path, f.content, encNames.has(f.path) ? opened.password : null, encNames.has(f.path)));
  }
  const ext = SEVEN_ZIP_TYPES[t];
  if (!ext) return [];
  const opened = await openWith7z(n, ext, passwords, limits, budget, issues);
  if (!opened) return [];
  return opened.files.map((f) => child(f.path, f.content, opened.password, opened.encrypted));
}

/** Every file reachable from the attachments. Attachments themselves are included at depth 0. */
export async function walkFiles(inputs: readonly WalkInput[], passwords: readonly string[], limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<WalkResult> {
  const files: FileNode[] = [];
  const issues: ArchiveIssue[] = [];
  const budget = { members: 0, bytes: 0 };
  const queue: FileNode[] = inputs.map((a, i) => node(a.name || `attachment-${i + 1}`, a.content, 0, null, false));
  while (queue.length) {
    const n = queue.shift()!;
    files.push(n);
    if (!isArchive(n) || OFFICE_ZIPS.test(n.sniffedType ?? '')) continue;
    if (n.depth >= limits.maxDepth) {
      issues.push({ kind: 'too_deep', path: n.path, detail: `archive nesting deeper than ${limits.maxDepth}` });
      continue;
    }
    try {
      queue.push(...(await expand(n, passwords, limits, budget, issues)));
    } catch (e) {
      if (e instanceof Bomb) issues.push({ kind: 'bomb', path: n.path, detail: e.message });
      else issues.push({ kind: 'corrupt', path: n.path, detail: (e as Error).message });
    }
  }
  return { files, issues };
}

export { extensionOf };
