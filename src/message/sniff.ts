// Real file types from magic bytes, whatever name or Content-Type the sender declared. The table is
// data so that analyzers can rely on one answer for "what is this file really".

interface Magic {
  type: string;
  offset: number;
  bytes: number[];
}

const hex = (s: string) => s.split(' ').map((b) => parseInt(b, 16));
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

// Order matters: more specific signatures first.
const MAGIC: Magic[] = [
  { type: 'application/x-msdownload', offset: 0, bytes: ascii('MZ') },
  { type: 'application/x-elf', offset: 0, bytes: hex('7f 45 4c 46') },
  { type: 'application/x-mach-binary', offset: 0, bytes: hex('cf fa ed fe') },
  { type: 'application/java-vm', offset: 0, bytes: hex('ca fe ba be') },
  { type: 'application/pdf', offset: 0, bytes: ascii('%PDF-') },
  { type: 'application/rtf', offset: 0, bytes: ascii('{\\rt') },
  { type: 'application/x-ole-storage', offset: 0, bytes: hex('d0 cf 11 e0 a1 b1 1a e1') },
  { type: 'application/onenote', offset: 0, bytes: hex('e4 52 5c 7b 8c d8 a7 4d ae b1 53 78 d0 29 96 d3') },
  { type: 'application/x-ms-shortcut', offset: 0, bytes: hex('4c 00 00 00 01 14 02 00') },
  { type: 'application/vnd.ms-cab-compressed', offset: 0, bytes: ascii('MSCF') },
  { type: 'application/zip', offset: 0, bytes: hex('50 4b 03 04') },
  { type: 'application/zip', offset: 0, bytes: hex('50 4b 05 06') },
  { type: 'application/gzip', offset: 0, bytes: hex('1f 8b') },
  { type: 'application/x-bzip2', offset: 0, bytes: ascii('BZh') },
  { type: 'application/x-xz', offset: 0, bytes: hex('fd 37 7a 58 5a 00') },
  { type: 'application/x-7z-compressed', offset: 0, bytes: hex('37 7a bc af 27 1c') },
  { type: 'application/vnd.rar', offset: 0, bytes: ascii('Rar!') },
  { type: 'application/x-tar', offset: 257, bytes: ascii('ustar') },
  { type: 'application/x-iso9660-image', offset: 0x8001, bytes: ascii('CD001') },
  { type: 'application/x-iso9660-image', offset: 0x8801, bytes: ascii('CD001') },
  { type: 'application/x-iso9660-image', offset: 0x9001, bytes: ascii('CD001') },
  { type: 'image/png', offset: 0, bytes: hex('89 50 4e 47') },
  { type: 'image/jpeg', offset: 0, bytes: hex('ff d8 ff') },
  { type: 'image/gif', offset: 0, bytes: ascii('GIF8') },
  { type: 'message/rfc822', offset: 0, bytes: ascii('Received:') },
];

function matches(data: Uint8Array, m: Magic): boolean {
  if (data.length < m.offset + m.bytes.length) return false;
  for (let i = 0; i < m.bytes.length; i++) if (data[m.offset + i] !== m.bytes[i]) return false;
  return true;
}

/** Zip containers that are really Office documents, Java archives and the like, by member names. */
function refineZip(data: Uint8Array): string {
  // Local file headers carry the member name right after the 30-byte header; a scan of the first
  // 64 KiB for well-known names is enough to tell the container kinds apart.
  const head = Buffer.from(data.subarray(0, 65536)).toString('latin1');
  if (head.includes('word/')) return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  if (head.includes('xl/')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (head.includes('ppt/')) return 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
  if (head.includes('META-INF/MANIFEST.MF')) return 'application/java-archive';
  if (head.includes('mimetypeapplication/vnd.oasis.opendocument')) return 'application/vnd.oasis.opendocument';
  return 'application/zip';
}

/** Text-ish content: HTML, scripts; only looked at when no binary signature matched. */
function sniffText(data: Uint8Array): string | null {
  const head = Buffer.from(data.subarray(0, 1024)).toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (head.startsWith('#!')) return 'text/x-shellscript';
  if (/^<(!doctype html|html|head|body|script|meta|iframe|svg)\b/.test(head)) return 'text/html';
  if (head.startsWith('<?xml')) return head.includes('<svg') ? 'image/svg+xml' : 'application/xml';
  return null;
}

/** The real type of a file from its first bytes, or null when nothing is recognised. */
export function sniffType(data: Uint8Array): string | null {
  for (const m of MAGIC) {
    if (matches(data, m)) return m.type === 'application/zip' ? refineZip(data) : m.type;
  }
  return sniffText(data);
}
