"""The committee pack's cost per indicator at two sizes, measured side by side in one run.

A committee pack holds tens to a few thousand indicators. What matters is that the cost per
indicator stays flat as the pack grows: python-docx's `table.rows[i]` builds every row of a
table, and calling it once per added row made a 10,000-indicator .docx take 155 s (quadratic).
Prints seconds per 1,000 indicators for the .docx and .html renderings (content built once
from the checked book) at both sizes, and their ratio (about 1 when linear). Exit 1 when the
.docx ratio is over 2.

    python bench/pack.py [--sizes 500 4000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbook.check import check_book
from workbook.pack.content import build_pack
from workbook.pack.to_docx import pack_docx
from workbook.pack.to_html import pack_html

LIMIT = 2.0
HEADER = ["Reference", "Indicator", "Polarity", "Previous", "Actual", "Target", "Commentary"]


def make_book(path: Path, indicators: int) -> Path:
    """One table in sections of 25: a third off target, a mix of counts and percentages."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    percent = book.add_format({"num_format": "0%"})
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, HEADER)
    row = 1
    for i in range(indicators):
        if i % 25 == 0:
            sheet.write_string(row, 0, f"Service area {i // 25 + 1}")
            row += 1
        sheet.write_row(row, 0, [f"KPI {i:05d}", f"Indicator {i} of the service", "Bigger"])
        if i % 2:
            for column, value in enumerate((0.8, 0.6 + (i % 40) / 100, 0.85)):
                sheet.write_number(row, 3 + column, value, percent)
        else:
            sheet.write_row(row, 3, [1200, 900 + i % 300, 1000])
        if i % 3:
            sheet.write_string(row, 6, "Recovery plan agreed with the service.")
        row += 1
    book.close()
    return path


def per_thousand(render, pack, indicators: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        render(pack)
        times.append(time.perf_counter() - started)
    return statistics.median(times) / indicators * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[500, 4000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        packs = {}
        for size in args.sizes:
            check = check_book(make_book(Path(work) / f"kpis-{size}.xlsx", size))
            packs[size] = build_pack("Bench", [check], [], from_folder=False)
        results = {}
        for name, render in (("docx", pack_docx), ("html", pack_html)):
            small, large = (per_thousand(render, packs[n], n, args.repeat) for n in args.sizes)
            results[name] = large / small
            print(f"{name}: {small:.2f} s per 1,000 indicators at {args.sizes[0]:,}, "
                  f"{large:.2f} s at {args.sizes[1]:,}: ratio {large / small:.2f} "
                  f"(about 1 when linear)")  # fmt: skip
    if results["docx"] > LIMIT:
        print(f"docx cost per indicator grows with the pack (ratio over {LIMIT})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
