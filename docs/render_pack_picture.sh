#!/usr/bin/env bash
# Renders the first page of the committee pack made from the bundled sample to
# docs/pack-first-page.png: the real output of `kpi report ... -o pack.pdf` (python-docx, then
# LibreOffice's PDF), turned into a PNG by pdftoppm (poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in soffice pdftoppm; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y libreoffice-writer-nogui poppler-utils" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
.venv/bin/kpi report workbook/samples/council_kpis_q2.xlsx -o "$work/pack.pdf" \
  --title "Quarter 2 performance report 2024/25" >/dev/null || status=$?
[ "$status" -le 1 ] || exit "$status"  # 1: the sample has error findings, by design
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/pack.pdf" docs/pack-first-page
echo "wrote docs/pack-first-page.png"
