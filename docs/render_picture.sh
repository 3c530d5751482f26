#!/usr/bin/env bash
# Renders the refreshed sample's "Service Scorecard" sheet to docs/refreshed-sheet.png, from the
# real output of `kpi demo`, with LibreOffice (headless) and pdftoppm (poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in soffice pdftoppm; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y libreoffice-calc-nogui poppler-utils" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/kpi demo -o "$work/refreshed.xlsx" >/dev/null
soffice --headless "-env:UserInstallation=file://$work/profile" \
  --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' \
  --outdir "$work" "$work/refreshed.xlsx" >/dev/null 2>&1
pdftoppm -png -r 80 -f 2 -l 2 -singlefile "$work/refreshed.pdf" docs/refreshed-sheet
echo "wrote docs/refreshed-sheet.png"
