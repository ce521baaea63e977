// mailauth's DKIM parser looks for the end of the header block byte by byte, keeping the last four
// bytes in an array that it copies for every byte: for the benchmark's corpus that was 30 % of all
// memory a scan allocated (~400 KB per message, `HeapProfiler` sampling with collected objects),
// all of it garbage for the young-generation collector. This installs the same scan done with
// indexOf over the chunk: the same header end, the same chunks handed on, the same four bytes
// carried to the next chunk. It replaces only the processChunk it was written against (mailauth
// 4.13's; checked by its source text): another version keeps its own.
import { MessageParser } from 'mailauth/lib/dkim/message-parser.js';
import { parseHeaders } from 'mailauth/lib/tools.js';

interface Parser {
  state: 'header' | 'body';
  stateBytes: number[];
  headerChunks: Buffer[];
  headers: unknown;
  messageHeaders(headers: unknown): Promise<void>;
  nextChunk(chunk: Buffer): Promise<void>;
  processChunk(chunk: Buffer): Promise<void>;
}

/**
 * Where the header block ends in `chunk`: the index of the LF that ends the blank line (LF LF or
 * LF CR LF, the bytes before the chunk taken from `carried`), or -1.
 */
export function headerEnd(carried: readonly number[], chunk: Uint8Array): number {
  const n = carried.length;
  const at = (i: number) => (i >= 0 ? chunk[i] : carried[n + i]);
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
    const b1 = at(i - 1);
    if (b1 === 10 || (b1 === 13 && at(i - 2) === 10)) return i;
  }
  return -1;
}

/** The last four bytes of `carried` followed by `chunk`. */
export function lastFour(carried: readonly number[], chunk: Uint8Array): number[] {
  return chunk.length >= 4 ? Array.from(chunk.subarray(chunk.length - 4)) : [...carried, ...chunk].slice(-4);
}

/**
 * Is this the processChunk the replacement was written against (mailauth 4.13's)? Compared without
 * spaces and brackets and with hex literals in decimal, so that the check holds for mailauth's file
 * and for the same code as esbuild reprints it into the bundles (scripts/bundle.mjs).
 */
export function isKnownProcessChunk(source: string): boolean {
  const plain = source.replace(/0x([0-9a-f]+)/gi, (_, hex: string) => String(parseInt(hex, 16))).replace(/[\s()]/g, '');
  return plain.includes('this.stateBytes=this.stateBytes.slice-4') && plain.includes('b0===10&&b1===10||b1===13&&b2===10');
}

export function installHeaderScan(): boolean {
  const proto = (MessageParser as { prototype: Parser }).prototype;
  if (!isKnownProcessChunk(String(proto.processChunk))) return false;
  proto.processChunk = async function (this: Parser, chunk: Buffer): Promise<void> {
    if (!chunk || !chunk.length) return;
    if (this.state === 'header') {
      const end = headerEnd(this.stateBytes, chunk);
      if (end < 0) {
        this.stateBytes = lastFour(this.stateBytes, chunk);
        this.headerChunks.push(chunk);
        return;
      }
      this.state = 'body';
      if (end === chunk.length - 1) {
        this.headerChunks.push(chunk);
        this.headers = parseHeaders(Buffer.concat(this.headerChunks));
        await this.messageHeaders(this.headers);
        return;
      }
      this.headerChunks.push(chunk.subarray(0, end + 1));
      this.headers = parseHeaders(Buffer.concat(this.headerChunks));
      await this.messageHeaders(this.headers);
      chunk = chunk.subarray(end + 1);
    }
    await this.nextChunk(chunk);
  };
  return true;
}

/** Installed once per thread, when the auth analyzer is loaded. */
export const headerScanInstalled = installHeaderScan();
