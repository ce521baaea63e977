// The two mailauth 4.13 files auth/header-scan.ts imports that ship no declarations of their own.
declare module 'mailauth/lib/dkim/message-parser.js' {
  export const MessageParser: { prototype: object };
}
declare module 'mailauth/lib/tools.js' {
  export function parseHeaders(buf: Buffer): unknown;
}
