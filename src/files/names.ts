// File-name facts the threat analyzers share: dangerous extensions by policy, double extensions,
// executables by magic bytes, and names that hide their real extension (right-to-left override).

/** Types that run code or mount containers when a user opens them; configurable per deployment. */
export const DEFAULT_DANGEROUS_EXTENSIONS = [
  'exe', 'scr', 'com', 'pif', 'js', 'jse', 'vbs', 'vbe', 'wsf', 'wsh', 'hta', 'cmd', 'bat', 'ps1', 'psm1', 'lnk', 'iso', 'img', 'vhd',
  'vhdx', 'one', 'jar', 'msi', 'msp', 'cab', 'chm', 'cpl', 'dll', 'reg', 'scf', 'sct', 'appx', 'msix', 'application', 'gadget',
  'inf', 'xll', 'library-ms', 'settingcontent-ms', 'apk', 'dmg', 'pkg', 'app', 'elf',
] as const;

/** Extensions whose files are programs (for double-extension and "executable in disguise" checks). */
const EXECUTABLE_EXTENSIONS = new Set(['exe', 'scr', 'com', 'pif', 'cpl', 'dll', 'msi', 'js', 'jse', 'vbs', 'vbe', 'wsf', 'hta', 'cmd', 'bat', 'ps1', 'jar', 'lnk', 'sh', 'elf', 'app']);

/** Extensions a lure pretends to be. */
const DOCUMENT_EXTENSIONS = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'rtf', 'txt', 'jpg', 'jpeg', 'png', 'gif', 'zip', 'csv', 'htm', 'html', 'odt', 'mp3', 'mp4', 'wav']);

/** Real types (from sniff.ts) that are native programs. */
export const EXECUTABLE_TYPES = new Set(['application/x-msdownload', 'application/x-elf', 'application/x-mach-binary', 'application/java-vm']);

export const RTLO_CHARS = /[\u202e\u202d\u202a\u202b\u2066\u2067\u2068\u200f\u061c]/;

export function extensionOf(name: string | null): string {
  if (!name) return '';
  const base = basename(name).replace(RTLO_CHARS, '').trim().replace(/[.\s]+$/, '');
  const i = base.lastIndexOf('.');
  return i > 0 ? base.slice(i + 1).toLowerCase() : '';
}

export function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

export function isExecutableExtension(ext: string): boolean {
  return EXECUTABLE_EXTENSIONS.has(ext);
}

/** 'invoice.pdf.exe', 'scan.jpg   .scr': a document extension followed by an executable one. */
export function doubleExtension(name: string | null): string | null {
  if (!name) return null;
  const base = basename(name).replace(RTLO_CHARS, '').toLowerCase();
  const m = /\.([a-z0-9]{2,5})[\s._-]*\.([a-z0-9]{2,5})$/.exec(base);
  if (!m) return null;
  return DOCUMENT_EXTENSIONS.has(m[1]!) && EXECUTABLE_EXTENSIONS.has(m[2]!) ? `.${m[1]}.${m[2]}` : null;
}

/** The name as a reader sees it when it contains a bidi override ("invoice\u202Efdp.exe" shows "invoiceexe.pdf"). */
export function hasBidiOverride(name: string | null): boolean {
  return !!name && RTLO_CHARS.test(name);
}
