// Rewrites the Subject header for the tag action's prefix. The field is decoded (RFC 2047 encoded
// words, or raw UTF-8), prefixed, and written back as plain ASCII or as UTF-8 B-encoded words of
// at most 75 characters, folded — never by pasting text into an encoded word.
import { decodeEncodedWords } from '../message/encoded-words.js';

export { decodeEncodedWords };

/** Encodes a header value: ASCII stays readable; anything else becomes UTF-8 B words, folded. */
export function encodeHeaderValue(name: string, value: string, eol = '\r\n'): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/=\?/.test(value)) return foldAscii(`${name}: ${value}`, eol);
  const words: string[] = [];
  let chunk = '';
  // 45 bytes of UTF-8 → 60 base64 characters; with "=?UTF-8?B?" and "?=" a word is 72 ≤ 75.
  // The first word shares its line with the field name, so it carries less.
  for (const ch of value) {
    if (Buffer.byteLength(chunk + ch) > (words.length ? 45 : 45 - Math.ceil((name.length + 2) / 4) * 3)) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return `${name}: ` + words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${eol} `);
}

function foldAscii(line: string, eol: string): string {
  if (line.length <= 78) return line;
  const out: string[] = [];
  let rest = line;
  while (rest.length > 78) {
    const cut = rest.lastIndexOf(' ', 78);
    if (cut <= 0) break;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out.join(eol);
}

/** Returns the message with `prefix` in front of its Subject (added once; a Subject is created when missing). */
export function prefixSubject(raw: Uint8Array, prefix: string): Buffer {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  const headEnd = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 2 : lf >= 0 ? lf + 1 : buf.length;
  const eol = crlf >= 0 && (lf < 0 || crlf < lf) ? '\r\n' : '\n';
  // latin1 keeps every byte as one char, so offsets are byte offsets.
  const head = buf.subarray(0, headEnd).toString('latin1');
  const lines = head.split(/(?<=\n)/);
  let start = -1;
  let end = -1;
  for (let i = 0; i < lines.length; i++) {
    if (start < 0 && /^subject:/i.test(lines[i]!)) start = i;
    else if (start >= 0 && end < 0 && !/^[ \t]/.test(lines[i]!)) end = i;
  }
  let current = '';
  if (start >= 0) {
    if (end < 0) end = lines.length;
    const rawValue = lines
      .slice(start, end)
      .join('')
      .replace(/^subject:/i, '')
      .replace(/\r?\n[ \t]/g, ' ')
      .replace(/\r?\n$/, '')
      .trim();
    current = decodeEncodedWords(Buffer.from(rawValue, 'latin1').toString('utf8'));
  }
  const value = current.startsWith(prefix) ? current : current ? `${prefix} ${current}` : prefix;
  const field = Buffer.from(encodeHeaderValue('Subject', value, eol) + eol, 'latin1');
  if (start < 0) {
    const needsEol = headEnd > 0 && buf[headEnd - 1] !== 0x0a;
    return Buffer.concat([buf.subarray(0, headEnd), Buffer.from(needsEol ? eol : ''), field, buf.subarray(headEnd)]);
  }
  const before = Buffer.byteLength(lines.slice(0, start).join(''), 'latin1');
  const after = Buffer.byteLength(lines.slice(0, end).join(''), 'latin1');
  return Buffer.concat([buf.subarray(0, before), field, buf.subarray(after)]);
}
