// Reads the header block of a spooled message: enough for a DSN's text/rfc822-headers part and
// for the Message-ID and Subject of locally generated mail, without loading the body.
import { open } from 'node:fs/promises';

/** The header block (up to the first empty line) of a message file, at most maxBytes. */
export async function readHeaderBlock(file: string, maxBytes = 64 * 1024): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
    return headerBlockOf(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

export function headerBlockOf(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const cut = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 2 : lf >= 0 ? lf + 1 : raw.length;
  return raw.subarray(0, cut);
}

/** First value of a header field, unfolded; null when absent. */
export function headerValue(block: Buffer | string, name: string): string | null {
  const text = typeof block === 'string' ? block : block.toString('utf8');
  const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im');
  const m = re.exec(text);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : null;
}
