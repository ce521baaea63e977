// The scan daemon's batch body (POST /scan/batch): several messages in one request, each as its
// length in bytes (ASCII decimal), a line feed, and its bytes — nothing between or after. One
// request and one answer carry many messages: on a virtual machine's loopback each write is a
// system call of ~0.15 ms, a third of a message's scan (README, Scan daemon).

/** A batch body that does not follow the format; the message says where. */
export class BatchFormatError extends Error {}

/** The longest length line read: 12 digits are far past any message size a daemon accepts. */
const MAX_DIGITS = 12;

/** The request body for these messages, as chunks to write in order. */
export function encodeBatch(messages: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of messages) out.push(Buffer.from(`${m.byteLength}\n`, 'latin1'), m);
  return out;
}

/** The messages of a batch body, as views of it; at most `maxMessages` of them. */
export function decodeBatch(body: Buffer, maxMessages: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const n = out.length + 1;
    if (n > maxMessages) throw new BatchFormatError(`more than ${maxMessages} messages in one batch`);
    const nl = body.indexOf(10, at);
    const line = body.subarray(at, nl < 0 ? Math.min(body.length, at + MAX_DIGITS + 1) : nl).toString('latin1');
    if (nl < 0 || !/^\d+$/.test(line) || line.length > MAX_DIGITS) throw new BatchFormatError(`message ${n}: expected its length in bytes and a line feed at byte ${at}, found ${JSON.stringify(line.slice(0, 20))}`);
    const size = Number(line);
    const start = nl + 1;
    if (start + size > body.length) throw new BatchFormatError(`message ${n}: ${size} bytes announced, ${body.length - start} left in the body`);
    out.push(body.subarray(start, start + size));
    at = start + size;
  }
  if (!out.length) throw new BatchFormatError('empty batch');
  return out;
}
