// postal-mime's three content decoders (base64, quoted-printable, pass-through) collect a part's
// bytes in chunks and join them with `new Blob(chunks).arrayBuffer()`. On Node 20 that round trip
// through the Blob machinery was ~9 % of a scan worker's CPU on the benchmark corpus (`node
// --cpu-prof`). The same join, done directly, gives the same bytes: strings are UTF-8 encoded as a
// Blob encodes them (lone surrogates become U+FFFD), buffers are copied in order. The decoders are
// not exported, so they are reached by file next to postal-mime's own entry point: the same
// module instances postal-mime imports. A chunk of any other kind falls back to the Blob join.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Chunk = string | ArrayBuffer | ArrayBufferView;
interface Decoder {
  chunks: Chunk[];
  finalize(): Promise<ArrayBuffer>;
}

/**
 * The chunks joined into one exactly sized ArrayBuffer, or null for a chunk kind not handled here.
 * Sized first, then written in place: no buffer or view per chunk (a decoder can hold many — the
 * base64 one a chunk per `=`-separated unit).
 */
export function joinChunks(chunks: readonly unknown[]): ArrayBuffer | null {
  let total = 0;
  for (const c of chunks) {
    if (typeof c === 'string') total += Buffer.byteLength(c, 'utf8');
    else if (c instanceof ArrayBuffer || ArrayBuffer.isView(c)) total += c.byteLength;
    else return null;
  }
  const out = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const c of chunks as Chunk[]) {
    if (typeof c === 'string') at += out.write(c, at, 'utf8');
    else {
      out.set(c instanceof Uint8Array ? c : c instanceof ArrayBuffer ? new Uint8Array(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
      at += c.byteLength;
    }
  }
  return out.buffer as ArrayBuffer;
}

const esmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('postal-mime/package.json')), 'dist', 'esm');

/** Bytes of lines collected before they become one chunk (the quoted-printable decoder's size). */
const LINE_BUFFER = 100 * 1024;

interface PassThrough extends Decoder {
  lines?: Uint8Array;
  linesAt?: number;
  flushLines(): void;
}

// The pass-through decoder (8bit, 7bit, binary and unencoded parts) kept every line and a "\n"
// after it as two chunks: a message of a million short lines held two million, each line's view
// lived until the part ended, and the garbage collector took half the parse. Here lines are copied
// into a buffer as the quoted-printable decoder does, and a full buffer becomes one chunk.
function passThroughUpdate(this: PassThrough, line: Uint8Array): void {
  let buf = this.lines;
  if (!buf) buf = this.lines = new Uint8Array(LINE_BUFFER);
  if ((this.linesAt ?? 0) + line.length + 1 > buf.length) {
    this.flushLines();
    if (line.length + 1 > buf.length) {
      this.chunks.push(line, '\n');
      return;
    }
  }
  let at = this.linesAt ?? 0;
  buf.set(line, at);
  at += line.length;
  buf[at++] = 10;
  this.linesAt = at;
}

function flushLines(this: PassThrough): void {
  if (this.lines && this.linesAt) this.chunks.push(this.lines.slice(0, this.linesAt));
  this.linesAt = 0;
}

/** Gives the pass-through decoder the line buffer when its update() is postal-mime 4.0's. */
function installLineBuffer(proto: Record<string, unknown>): boolean {
  if (!/this\.chunks\.push\(line\);\s*this\.chunks\.push\(['"]\\n['"]\);/.test(String(proto.update))) return false;
  proto.update = passThroughUpdate;
  proto.flushLines = flushLines;
  return true;
}

interface DecoderPatch {
  file: string;
  /** What finalize() calls before the join: the decoder's own flush, or the one install() adds. */
  flush: string;
  install?: (proto: Record<string, unknown>) => boolean;
}

const DECODERS: readonly DecoderPatch[] = [
  { file: 'base64-decoder.js', flush: 'flushRemainder' },
  { file: 'qp-decoder.js', flush: 'flushBuffer' },
  { file: 'pass-through-decoder.js', flush: 'flushLines', install: installLineBuffer },
];

async function patch({ file, flush, install }: DecoderPatch): Promise<void> {
  const mod = (await import(pathToFileURL(path.join(esmDir, file)).href)) as { default: { prototype: Decoder & Record<string, unknown> } };
  const proto = mod.default.prototype;
  // Only the methods this was written against (postal-mime 4.0): another version keeps its own.
  const source = String(proto.finalize);
  if (!source.includes('new Blob(this.chunks')) return;
  if (install ? !install(proto) : !source.includes(`this.${flush}()`)) return;
  proto.finalize = function (this: Decoder & Record<string, unknown>): Promise<ArrayBuffer> {
    (this[flush] as () => void).call(this);
    const joined = joinChunks(this.chunks);
    return joined ? Promise.resolve(joined) : new Blob(this.chunks as BlobPart[]).arrayBuffer();
  };
}

/**
 * Installs the direct join once per thread (every worker thread has its own module instances). A
 * decoder that cannot be reached (another postal-mime layout) keeps its own join: never a failure.
 */
export const decodersReady: Promise<void> = Promise.all(DECODERS.map((d) => patch(d).catch(() => {}))).then(() => {});
