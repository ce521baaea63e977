// Pictures for the fuzzy tests, drawn here: an "advertisement" (a gradient, blocks standing for
// lines of text, a bar standing for a name) that campaigns copy with small changes, encoded as PNG
// or JPEG.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export interface Drawing {
  width: number;
  height: number;
  /** Another seed: another layout of the blocks (another picture). */
  seed: number;
  /** Another pattern in the name bar (a copy personalised for another recipient). */
  name?: number;
}

export function draw({ width: w, height: h, seed, name = 0 }: Drawing): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      let v = 200 - (120 * y) / h;
      if ((Math.floor((x * 10) / w) * 7 + Math.floor((y * 8) / h) * 13 + seed * 31) % 5 === 0) v = 30;
      if (y > h * 0.85 && x < w * 0.6 && ((x >> 3) + name) % 3 === 0) v = 0;
      d.set([v, v * 0.8, 255 - v, 255], p);
    }
  return d;
}

export function png(d: Drawing): Buffer {
  const p = new PNG({ width: d.width, height: d.height });
  p.data = Buffer.from(draw(d));
  return PNG.sync.write(p);
}

export function jpg(d: Drawing, quality = 75): Buffer {
  return jpeg.encode({ width: d.width, height: d.height, data: draw(d) }, quality).data;
}
