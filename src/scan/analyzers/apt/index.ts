// Advanced threats: documents that run code (VBA macros with auto-run entry points or shell and
// download calls, RTF with OLE objects or the Equation Editor, PDF with JavaScript or /Launch),
// HTML smuggling, dropper containers (LNK, ISO/IMG/VHD, OneNote) and encrypted archives that hold
// a program. Reads the shared file analysis; no scanner of its own.
import { z } from 'zod';
import { analyzerConfig } from '../../../files/config.js';
import { analyseFiles, ArchiveLimitsConfig, toLimits } from '../../../files/analysis.js';
import { EXECUTABLE_TYPES, extensionOf, isExecutableExtension } from '../../../files/names.js';
import { bodyHtmlReport } from '../../../files/html.js';
import type { Analyzer, AnalyzerContext, Emit, ParsedMessage, SymbolDef } from '../../types.js';

export const AptConfig = z.object({ archive: ArchiveLimitsConfig.default(ArchiveLimitsConfig.parse({})) }).strict();

const SYMBOLS: SymbolDef[] = [
  { name: 'MACRO_AUTOEXEC', description: 'Office macro with an auto-run entry point (AutoOpen, Document_Open, Workbook_Open…)', group: 'apt', score: 12, category: 'apt' },
  { name: 'MACRO_SUSPICIOUS_CALL', description: 'Office macro calling a shell, downloader or Windows API', group: 'apt', score: 10, category: 'apt' },
  { name: 'OFFICE_MACRO', description: 'Document carries a macro project', group: 'apt', score: 4, category: 'apt' },
  { name: 'RTF_EQUATION_EDITOR', description: 'RTF embeds an Equation Editor object (exploit class)', group: 'apt', score: 15, category: 'apt' },
  { name: 'RTF_OLE_OBJECT', description: 'RTF embeds an OLE object', group: 'apt', score: 8, category: 'apt' },
  { name: 'PDF_JAVASCRIPT', description: 'PDF contains JavaScript', group: 'apt', score: 8, category: 'apt' },
  { name: 'PDF_LAUNCH', description: 'PDF has a /Launch action (runs a program)', group: 'apt', score: 12, category: 'apt' },
  { name: 'PDF_OPENACTION', description: 'PDF runs an action when opened', group: 'apt', score: 1 },
  { name: 'PDF_EMBEDDED_FILE', description: 'PDF carries embedded files', group: 'apt', score: 2 },
  { name: 'HTML_SMUGGLING', description: 'HTML builds a file in script and saves it (Blob/createObjectURL/download, msSaveOrOpenBlob, atob payload)', group: 'apt', score: 15, category: 'apt' },
  { name: 'LNK_DROPPER', description: 'Windows shortcut (.lnk) attached or inside an archive', group: 'apt', score: 10, category: 'apt' },
  { name: 'DISK_IMAGE_DROPPER', description: 'Disk image (ISO/IMG/VHD) attached or inside an archive', group: 'apt', score: 8, category: 'apt' },
  { name: 'ONENOTE_DROPPER', description: 'OneNote section attached (a common script/program carrier)', group: 'apt', score: 8, category: 'apt' },
  { name: 'ENCRYPTED_ARCHIVE_EXECUTABLE', description: 'Encrypted archive that holds a program', group: 'apt', score: 15, category: 'apt' },
];

async function analyze(msg: ParsedMessage, ctx: AnalyzerContext): Promise<Emit[]> {
  const cfg = analyzerConfig(AptConfig, 'apt', ctx.config);
  const files = await analyseFiles(msg, toLimits(cfg.archive), ctx.signal);
  const out: Emit[] = [];
  const once = new Set<string>();
  const emit = (name: string, detail: string) => {
    const k = `${name}|${detail}`;
    if (!once.has(k)) { once.add(k); out.push({ name, detail }); }
  };
  for (const r of files.reports) {
    const f = r.file;
    const ext = extensionOf(f.name);
    if (r.macros?.hasMacros) {
      if (r.macros.autoExec.length) emit('MACRO_AUTOEXEC', `${f.path}: ${r.macros.autoExec.join(', ')}`);
      if (r.macros.suspicious.length) emit('MACRO_SUSPICIOUS_CALL', `${f.path}: ${r.macros.suspicious.join(', ')}`);
      emit('OFFICE_MACRO', `${f.path}${r.macros.modules.length ? `: ${r.macros.modules.join(', ')}` : ''}`);
    }
    if (r.rtf) {
      if (r.rtf.equationEditor) emit('RTF_EQUATION_EDITOR', f.path);
      if (r.rtf.objects > 0) emit('RTF_OLE_OBJECT', `${f.path}: ${r.rtf.objects} object(s)${r.rtf.classes.length ? ` (${r.rtf.classes.join(', ')})` : ''}${r.rtf.autoUpdate ? ', auto-update' : ''}`);
    }
    if (r.pdf) {
      if (r.pdf.javascript) emit('PDF_JAVASCRIPT', f.path);
      if (r.pdf.launch) emit('PDF_LAUNCH', f.path);
      if (r.pdf.openAction) emit('PDF_OPENACTION', f.path);
      if (r.pdf.embeddedFiles) emit('PDF_EMBEDDED_FILE', f.path);
    }
    if (r.html && r.html.smuggling.length) emit('HTML_SMUGGLING', `${f.path}: ${r.html.smuggling.join(', ')}`);
    if (f.sniffedType === 'application/x-ms-shortcut' || ext === 'lnk') emit('LNK_DROPPER', f.path);
    if (f.sniffedType === 'application/x-iso9660-image' || ['iso', 'img', 'vhd', 'vhdx'].includes(ext)) emit('DISK_IMAGE_DROPPER', f.path);
    if (f.sniffedType === 'application/onenote' || ext === 'one' || ext === 'onepkg') emit('ONENOTE_DROPPER', f.path);
    const program = (f.sniffedType !== null && EXECUTABLE_TYPES.has(f.sniffedType)) || isExecutableExtension(ext);
    if (f.fromEncrypted && program) emit('ENCRYPTED_ARCHIVE_EXECUTABLE', `${f.path} (opened with a password from the message)`);
  }
  for (const i of files.issues) {
    if (i.kind !== 'encrypted') continue;
    const programs = (i.members ?? []).filter((m) => isExecutableExtension(extensionOf(m)));
    if (programs.length) emit('ENCRYPTED_ARCHIVE_EXECUTABLE', `${i.path}: ${programs.slice(0, 5).join(', ')} (not opened)`);
  }
  // Smuggling straight in the HTML body (no attachment) works the same way in a webmail preview.
  const h = bodyHtmlReport(msg);
  if (h?.smuggling.length) emit('HTML_SMUGGLING', `message body: ${h.smuggling.join(', ')}`);
  return out;
}

export const aptAnalyzer: Analyzer = { name: 'apt', family: 'apt', stage: 'normal', symbols: SYMBOLS, config: AptConfig, analyze };
