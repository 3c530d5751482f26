#!/usr/bin/env bash
# Renders pictures for the README from the real output of `kpi demo`, with LibreOffice (headless)
# and poppler-utils: the refreshed "Service Scorecard" sheet (docs/refreshed-sheet.png), and the
# printed pages of the "KPI Validation" and "KPI Summary" sheets, as they come out of the printer
# (landscape A4, docs/validation-page.png and docs/summary-page.png).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in soffice pdftoppm pdftotext pdfinfo; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y libreoffice-calc-nogui poppler-utils" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/kpi demo -o "$work/refreshed.xlsx" >/dev/null
soffice --headless "-env:UserInstallation=file://$work/profile" \
  --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' \
  --outdir "$work/sheets" "$work/refreshed.xlsx" >/dev/null 2>&1
pdftoppm -png -r 80 -f 2 -l 2 -singlefile "$work/sheets/refreshed.pdf" docs/refreshed-sheet
echo "wrote docs/refreshed-sheet.png"

# Printed as the sheets' page setup says; a page is found by the sheet its footer names.
soffice --headless "-env:UserInstallation=file://$work/profile" --convert-to pdf \
  --outdir "$work/printed" "$work/refreshed.xlsx" >/dev/null 2>&1
pdf="$work/printed/refreshed.pdf"
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
for sheet in "KPI Validation:validation-page" "KPI Summary:summary-page"; do
  name=${sheet%%:*} file=${sheet##*:}
  for page in $(seq 1 "$pages"); do
    if pdftotext -layout -f "$page" -l "$page" "$pdf" - | grep -Eq "  $name  +Page [0-9]+ of"; then
      pdftoppm -png -r 90 -f "$page" -l "$page" -singlefile "$pdf" "docs/$file"
      echo "wrote docs/$file.png (page $page of $pages)"
      break
    fi
  done
done
