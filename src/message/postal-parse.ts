// postal-mime's parse loop awaits its async processLine() for every line of a message, a promise
// and a microtask per line, though only a boundary line or the last one can wait on anything: the
// others go straight to the current part's synchronous feed(). A message of millions of short
// lines — and every attached message, which is parsed again from its own bytes — spent half its
// parse on that. Here those lines are fed directly and the rest go through processLine() as before.
// The loop is replaced only when postal-mime's parse() is, but for spacing, the one it was written
// against (4.0); any other keeps its own.
import PostalMime from 'postal-mime';

type Line = { bytes: Uint8Array; done: boolean };
interface Parser {
  started: boolean;
  buf: ArrayBuffer;
  av: Uint8Array;
  readPos: number;
  boundaries: unknown[];
  currentNode: { feed(line: Uint8Array): void };
  options: { forceRfc822Attachments?: boolean };
  forceRfc822Attachments: boolean;
  root: unknown;
  resolveInput(buf: unknown): Promise<ArrayBuffer>;
  readLine(): Line;
  processLine(line: Uint8Array, isFinal: boolean): Promise<void>;
  hasReportParts(): boolean;
  collectNode(node: unknown, a: boolean, b: boolean): Promise<void>;
  renderTextContent(): void;
  buildMessage(): unknown;
  encodeAttachments(): void;
}

/** postal-mime 4.0's parse(), white space removed. */
export const EXPECTED_PARSE =
  "asyncparse(buf){if(this.started){thrownewError('Cannotreuseparser,createanewPostalMimeobject');}this.started=true;this.buf=awaitthis.resolveInput(buf);this.av=newUint8Array(this.buf);this.readPos=0;while(this.readPos<this.av.length){constline=this.readLine();awaitthis.processLine(line.bytes,line.done);}this.forceRfc822Attachments=Boolean(this.options.forceRfc822Attachments)||this.hasReportParts();awaitthis.collectNode(this.root,false,false);this.renderTextContent();constmessage=this.buildMessage();this.encodeAttachments();returnmessage;}";

/** The same steps as postal-mime 4.0's parse(), with the plain lines fed without an await. */
export async function directParse(this: Parser, buf: unknown): Promise<unknown> {
  if (this.started) throw new Error('Can not reuse parser, create a new PostalMime object');
  this.started = true;
  this.buf = await this.resolveInput(buf);
  this.av = new Uint8Array(this.buf);
  this.readPos = 0;
  while (this.readPos < this.av.length) {
    const line = this.readLine();
    const b = line.bytes;
    // processLine() treats a line as a possible boundary only with boundaries open and "--" first.
    if (!line.done && !(this.boundaries.length && b.length > 2 && b[0] === 0x2d && b[1] === 0x2d)) this.currentNode.feed(b);
    else await this.processLine(b, line.done);
  }
  this.forceRfc822Attachments = Boolean(this.options.forceRfc822Attachments) || this.hasReportParts();
  await this.collectNode(this.root, false, false);
  this.renderTextContent();
  const message = this.buildMessage();
  this.encodeAttachments();
  return message;
}

const proto = PostalMime.prototype as unknown as { parse: (buf: unknown) => Promise<unknown> };

/** postal-mime's own parse(), kept for the test that compares the two. */
export const postalParse = proto.parse;

/** Installs directParse when postal-mime's parse() is the expected one; says whether it did. */
export function installDirectParse(): boolean {
  if (proto.parse === (directParse as unknown)) return true;
  if (String(proto.parse).replace(/\s+/g, '') !== EXPECTED_PARSE) return false;
  proto.parse = directParse as unknown as typeof proto.parse;
  return true;
}
