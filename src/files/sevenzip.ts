// Opening archives that Node cannot (7z, RAR, CAB, ISO, bzip2, xz, and encrypted zip, ZipCrypto or
// AES) with the `7z` command from p7zip-full: list first to enforce the limits, then extract into a
// private temp dir with a timeout, and read back what came out.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SevenZipEntry {
  path: string;
  size: number;
  packed: number;
  encrypted: boolean;
}

export type ListResult =
  | { kind: 'ok'; entries: SevenZipEntry[] }
  /** The archive's headers are encrypted and none of the passwords opened them. */
  | { kind: 'wrong_password' }
  | { kind: 'error'; message: string };

// A password that cannot be right: 7z must never prompt on a terminal for one.
const NO_PASSWORD = '\u0001rampart-no-password';

function run(args: string[], cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('7z', args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL', ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 255) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && !stdout ? String(err.message) : '') });
    });
  });
}

function parseSlt(out: string): SevenZipEntry[] {
  const body = out.split(/^----------$/m)[1] ?? '';
  const entries: SevenZipEntry[] = [];
  for (const block of body.split(/\r?\n\r?\n/)) {
    const f: Record<string, string> = {};
    for (const line of block.split(/\r?\n/)) {
      const i = line.indexOf(' = ');
      if (i > 0) f[line.slice(0, i)] = line.slice(i + 3);
    }
    if (!f.Path || f.Folder === '+' || (f.Attributes ?? '').startsWith('D')) continue;
    entries.push({ path: f.Path, size: Number(f.Size ?? 0) || 0, packed: Number(f['Packed Size'] ?? 0) || 0, encrypted: f.Encrypted === '+' });
  }
  return entries;
}

export interface SevenZipJob {
  dir: string;
  file: string;
  cleanup(): Promise<void>;
}

/** Writes the archive to a private temp dir; the caller must call cleanup(). */
export async function stage(content: Uint8Array, ext: string): Promise<SevenZipJob> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-7z-'));
  const file = path.join(dir, `archive.${ext.replace(/[^a-z0-9]/gi, '') || 'bin'}`);
  await writeFile(file, content);
  return { dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function list(job: SevenZipJob, password: string | null, timeoutMs: number, signal?: AbortSignal): Promise<ListResult> {
  const r = await run(['l', '-slt', '-y', `-p${password ?? NO_PASSWORD}`, '--', job.file], job.dir, timeoutMs, signal);
  const text = r.stdout + r.stderr;
  if (/Wrong password|Can not open encrypted archive/i.test(text)) return { kind: 'wrong_password' };
  if (r.code !== 0 && !/^----------$/m.test(r.stdout)) return { kind: 'error', message: text.trim().split('\n').slice(-2).join(' ') };
  return { kind: 'ok', entries: parseSlt(r.stdout) };
}

export type ExtractResult = { kind: 'ok'; files: { path: string; content: Buffer }[] } | { kind: 'wrong_password' } | { kind: 'error'; message: string };

/** Extracts everything (after the caller checked the listing against its limits). */
export async function extract(job: SevenZipJob, password: string | null, timeoutMs: number, maxTotal: number, signal?: AbortSignal): Promise<ExtractResult> {
  const out = path.join(job.dir, 'out');
  await rm(out, { recursive: true, force: true });
  const r = await run(['x', '-y', '-bd', `-p${password ?? NO_PASSWORD}`, `-o${out}`, '--', job.file], job.dir, timeoutMs, signal);
  const text = r.stdout + r.stderr;
  if (/Wrong password|Data Error in encrypted file|CRC Failed in encrypted file/i.test(text)) return { kind: 'wrong_password' };
  const files: { path: string; content: Buffer }[] = [];
  let total = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try { names = await readdir(dir); } catch { return; }
    for (const name of names) {
      const p = path.join(dir, name);
      const st = await stat(p);
      if (st.isDirectory()) await walk(p, rel ? `${rel}/${name}` : name);
      else if (st.isFile()) {
        total += st.size;
        if (total > maxTotal) throw new Error('extracted size over the limit');
        files.push({ path: rel ? `${rel}/${name}` : name, content: await readFile(p) });
      }
    }
  };
  try {
    await walk(out, '');
  } catch (e) {
    return { kind: 'error', message: (e as Error).message };
  }
  if (r.code !== 0 && files.length === 0) return { kind: 'error', message: text.trim().split('\n').slice(-2).join(' ') };
  return { kind: 'ok', files };
}
