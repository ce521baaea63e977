// Postfix's header_size_limit for what the parser reads: a header field past 100 KiB is cut there
// (the original bytes are kept for authentication and delivery). postal-mime joins adjacent base64
// encoded words by appending to one string and testing it with a regular expression each time, so
// a long run of them is quadratic: 512 KB of `=?utf-8?B?QUJD?= ` took 0.2 s to decode, 768 KB 8 s,
// 1 MB 20 s — within postal-mime's own 2 MB header cap, in Subject, To, Message-ID and the rest.

/** Postfix's default header_size_limit: no legitimate header field comes near it. */
export const MAX_HEADER_FIELD_BYTES = 102_400;

export interface CappedHeaders {
  /** The message with every header field cut to MAX_HEADER_FIELD_BYTES (the same bytes when none was longer). */
  bytes: Uint8Array;
  /** The fields that were cut, in order: name, and size as received (name to last byte before the line end). */
  cut: HeaderCut[];
}

export interface HeaderCut {
  name: string;
  bytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;

/** Cuts each header field of the top-level header block longer than `max` bytes (its line breaks included) to `max`. */
export function capHeaderFields(raw: Uint8Array, max = MAX_HEADER_FIELD_BYTES): CappedHeaders {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  // [keep from, keep to) slices; a cut field keeps its first `max` bytes and its own line end.
  const keep: Array<[number, number]> = [];
  const cut: HeaderCut[] = [];
  let kept = 0;
  let fieldStart = 0;
  let pos = 0;
  const endField = (contentEnd: number, lineEnd: number) => {
    if (contentEnd - fieldStart > max) {
      let end = fieldStart + max;
      // Never leave the kept part ending in a line break: the line end appended after it would
      // make an empty line, the end of the header block.
      while (end > fieldStart && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
      keep.push([kept, end], [contentEnd, lineEnd]);
      kept = lineEnd;
      // The name: up to a colon in the kept part (or just after it). Searched there only — searched
      // on from fieldStart, each cut field with no colon would read on through the rest of the message.
      const colon = buf.subarray(fieldStart, end + 1).indexOf(0x3a);
      cut.push({ name: buf.toString('latin1', fieldStart, colon < 0 ? Math.min(end, fieldStart + 40) : fieldStart + colon), bytes: contentEnd - fieldStart });
    }
  };
  while (pos < buf.length) {
    const nl = buf.indexOf(LF, pos);
    const lineEnd = nl < 0 ? buf.length : nl + 1;
    const contentEnd = nl < 0 ? buf.length : nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
    if (contentEnd === pos) {
      // The empty line: the header block ends with the field before it.
      if (pos > fieldStart) endField(pos - (buf[pos - 2] === CR ? 2 : 1), pos);
      fieldStart = -1;
      break;
    }
    if (pos > fieldStart && buf[pos] !== SP && buf[pos] !== HT) {
      // A new field starts: the previous one ended with the line before.
      endField(pos - (buf[pos - 2] === CR ? 2 : 1), pos);
      fieldStart = pos;
    }
    pos = lineEnd;
  }
  // A message that is all header (no empty line): the last field runs to the end.
  if (fieldStart >= 0 && pos > fieldStart) {
    const contentEnd = buf[pos - 1] === LF ? pos - (buf[pos - 2] === CR ? 2 : 1) : pos;
    endField(contentEnd, pos);
  }
  if (cut.length === 0) return { bytes: raw, cut };
  keep.push([kept, buf.length]);
  return { bytes: Buffer.concat(keep.map(([a, b]) => buf.subarray(a, b))), cut };
}
