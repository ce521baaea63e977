// Perceptual hashes of images, for the campaigns whose payload is a picture (an image of text with
// no text beside it, or a few lines of someone's word salad): re-encoded, rescaled or with a
// different name painted in, each copy has other bytes, so its SHA-256 is no help, but its look
// is the same. The hash is pHash as the imagehash library computes it: the picture in grey,
// shrunk to 32×32, its 2-D discrete cosine transform, and of the 8×8 lowest frequencies one bit
// each, set when the coefficient is above their median — coarse shapes, not pixels. Two copies
// differ in a few of the 64 bits; unrelated pictures in about half.
//
// Decoding a picture from a message is decoding untrusted input: PNG and JPEG only (pure
// JavaScript: pngjs, jpeg-js), the size read from the header before anything is decoded, and at
// most MAX_PIXELS pixels — a larger picture is not hashed rather than allowed to hold the worker.
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export const IMAGE_BITS = 64;
/** Larger pictures are not hashed: decoding them would cost the scan worker too long. */
export const MAX_PIXELS = 1_000_000;
/** Smaller pictures (icons, spacers, tracking pixels) stand for no campaign. */
export const MIN_SIDE = 64;
const SIZE = 32;
const LOW = 8;

interface Pixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  rgba: Uint8Array;
}

/** The picture's perceptual hash (16 hex digits), or null: not PNG or JPEG, too small, too large, undecodable or flat. */
export function imageHash(bytes: Uint8Array, type: string | null): string | null {
  const pixels = decode(bytes, type);
  return pixels ? phash(pixels) : null;
}

/** A hash as its two 32-bit halves, for comparing many times. */
export const hashHalves = (h: string): [number, number] => [parseInt(h.slice(0, 8), 16), parseInt(h.slice(8), 16)];

/** Bits in which two hashes (as halves) differ. */
export const halvesDistance = (a: readonly [number, number], b: readonly [number, number]): number => popcount(a[0] ^ b[0]) + popcount(a[1] ^ b[1]);

/** Bits in which two hashes differ. */
export const imageDistance = (a: string, b: string): number => halvesDistance(hashHalves(a), hashHalves(b));

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

function decode(bytes: Uint8Array, type: string | null): Pixels | null {
  const size = type === 'image/png' ? pngSize(bytes) : type === 'image/jpeg' ? jpegSize(bytes) : null;
  if (!size || size.width < MIN_SIDE || size.height < MIN_SIDE || size.width * size.height > MAX_PIXELS) return null;
  try {
    if (type === 'image/png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: png.data };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 64 });
    return { width: img.width, height: img.height, rgba: img.data };
  } catch {
    return null;
  }
}

/**
 * Width and height from a PNG's IHDR chunk, which the signature must be followed by. An
 * interlaced PNG is refused: pngjs inflates its data without a limit, so a few hundred
 * kilobytes of deflated zeros would become gigabytes; the others it inflates to the size the
 * header promises at most.
 */
function pngSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 29 || b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52 || b[28] !== 0) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Width and height from a JPEG's first start-of-frame segment. */
function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    i += 2 + len;
  }
  return null;
}

function phash({ width, height, rgba }: Pixels): string | null {
  // Grey (ITU-R BT.601), transparency over white, averaged into 32×32 cells.
  const sum = new Float64Array(SIZE * SIZE);
  const count = new Float64Array(SIZE * SIZE);
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * SIZE) / height) * SIZE;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const a = rgba[p + 3]! / 255;
      const grey = (0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!) * a + 255 * (1 - a);
      const cell = row + Math.floor((x * SIZE) / width);
      sum[cell]! += grey;
      count[cell]! += 1;
    }
  }
  const small = sum.map((s, k) => s / count[k]!);
  // The 8×8 lowest frequencies of the 2-D DCT-II (rows, then columns; only the 8 wanted of each).
  const rows = new Float64Array(SIZE * LOW);
  for (let y = 0; y < SIZE; y++) for (let u = 0; u < LOW; u++) rows[y * LOW + u] = dct(small, y * SIZE, 1, u);
  const low = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) for (let u = 0; u < LOW; u++) low[v * LOW + u] = dct(rows, u, LOW, v);
  // A flat picture (one colour, a blank page) has no shape to compare: its bits would be noise.
  let ac = 0;
  for (let k = 1; k < low.length; k++) ac = Math.max(ac, Math.abs(low[k]!));
  if (ac < 1e-6 * SIZE * SIZE * 255) return null;
  const sorted = [...low].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hi = 0;
  let lo = 0;
  for (let k = 0; k < 32; k++) hi = (hi << 1) | (low[k]! > median ? 1 : 0);
  for (let k = 32; k < 64; k++) lo = (lo << 1) | (low[k]! > median ? 1 : 0);
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

const COS = Array.from({ length: LOW }, (_, u) => Float64Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))));

/** Coefficient u of the DCT-II of the SIZE values at start, start + step, … (unscaled: only their order matters). */
function dct(values: Float64Array, start: number, step: number, u: number): number {
  const c = COS[u]!;
  let s = 0;
  for (let x = 0; x < SIZE; x++) s += values[start + x * step]! * c[x]!;
  return s;
}
