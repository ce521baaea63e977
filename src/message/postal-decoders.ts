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

/** The chunks joined into one exactly sized ArrayBuffer, or null for a chunk kind not handled here. */
export function joinChunks(chunks: readonly unknown[]): ArrayBuffer | null {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const c of chunks) {
    let u: Uint8Array;
    if (typeof c === 'string') u = Buffer.from(c, 'utf8');
    else if (c instanceof ArrayBuffer) u = new Uint8Array(c);
    else if (ArrayBuffer.isView(c)) u = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    else return null;
    parts.push(u);
    total += u.byteLength;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const u of parts) {
    out.set(u, at);
    at += u.byteLength;
  }
  return out.buffer;
}

const esmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('postal-mime/package.json')), 'dist', 'esm');

// Each decoder's finalize() flushes what it still buffers, then joins: the flush stays theirs.
const DECODERS = [
  { file: 'base64-decoder.js', flush: 'flushRemainder' },
  { file: 'qp-decoder.js', flush: 'flushBuffer' },
  { file: 'pass-through-decoder.js', flush: null },
] as const;

async function patch({ file, flush }: (typeof DECODERS)[number]): Promise<void> {
  const mod = (await import(pathToFileURL(path.join(esmDir, file)).href)) as { default: { prototype: Decoder & Record<string, unknown> } };
  const proto = mod.default.prototype;
  // Only the finalize() this was written against (postal-mime 4.0): another version keeps its own.
  const source = String(proto.finalize);
  if (!source.includes('new Blob(this.chunks') || (flush && !source.includes(`this.${flush}()`))) return;
  proto.finalize = function (this: Decoder & Record<string, unknown>): Promise<ArrayBuffer> {
    if (flush) (this[flush] as () => void).call(this);
    const joined = joinChunks(this.chunks);
    return joined ? Promise.resolve(joined) : new Blob(this.chunks as BlobPart[]).arrayBuffer();
  };
}

/**
 * Installs the direct join once per thread (every worker thread has its own module instances). A
 * decoder that cannot be reached (another postal-mime layout) keeps its own join: never a failure.
 */
export const decodersReady: Promise<void> = Promise.all(DECODERS.map((d) => patch(d).catch(() => {}))).then(() => {});
