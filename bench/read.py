"""`kpi validate` against openpyxl loading the same book, at 10k and 100k indicators.

Target (issue 3): the whole of `kpi validate --json` (read, detect, evaluate, findings, JSON)
takes at most 0.25 of `openpyxl.load_workbook(path)`. openpyxl's read_only mode (load plus
iterating every value) is printed for information. Exit 1 when the target is missed.

    python bench/read.py [--sizes 10000 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpi_cli.main import main as kpi

TARGET = 0.25
HEADER = ["Reference", "Performance Indicator", "Measure Description",
          "Bigger is better/ Smaller is better", "Reporting Frequency", "Q1 Outturn",
          "Annual Target", "Quarterly Target", "Q2", "Commentary"]  # fmt: skip


def make_book(path: Path, indicators: int) -> Path:
    """Layout 1 at scale: title, key, header, then indicators with mixed values."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": datetime.datetime(2024, 10, 1)})
    percent = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Council performance report, Q2 2024/25"])
    sheet.write_row(2, 0, ["Key:", "On target", "Within 10%", "More than 10% off target"])
    sheet.write_row(4, 0, HEADER)
    for i in range(indicators):
        row = 5 + i
        kind = i % 4
        sheet.write_row(row, 0, [f"KPI {i:06d}", f"% of cases closed in time, area {i}",
                                 "Cases closed within the service standard",
                                 "Smaller is better" if i % 3 == 0 else "Bigger is better",
                                 "Quarterly"])  # fmt: skip
        if kind == 0:
            values = [0.80 + (i % 7) / 100, 0.85, 0.85, 0.70 + (i % 30) / 100]
            for offset, value in enumerate(values):
                sheet.write_number(row, 5 + offset, value, percent)
        elif kind == 1:
            sheet.write_row(row, 5, ["81%", "85%", "85%", f"{70 + i % 30}%"])
        elif kind == 2:
            sheet.write_row(row, 5, [1200 + i % 50, 4000, 1000, 900 + i % 300])
        else:
            sheet.write_row(row, 5, ["N/A", 100, 100, "New"])
        sheet.write(row, 9, "Recovery plan in place" if i % 5 else "")
    book.close()
    return path


def timed(function, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kpi_validate(path: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        code = kpi(["validate", str(path), "--json"])
    if code not in (0, 1):
        raise SystemExit(f"kpi validate failed on {path} (exit {code})")


def openpyxl_full(path: Path) -> None:
    openpyxl.load_workbook(path).close()


def openpyxl_read_only(path: Path) -> None:
    book = openpyxl.load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            pass
    book.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'indicators':>10}  {'kpi validate':>12}  {'openpyxl load':>13}  {'ratio':>6}  "
          f"{'read_only+iter':>14}  target <= {TARGET}")  # fmt: skip
    missed = False
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = make_book(Path(folder) / f"kpis_{size}.xlsx", size)
            kpi_validate(path)  # warm-up: imports, first-use caches
            ours = timed(kpi_validate, path, args.repeat)
            full = timed(openpyxl_full, path, max(1, args.repeat - 1))
            lazy = timed(openpyxl_read_only, path, max(1, args.repeat - 1))
            ratio = ours / full
            missed |= ratio > TARGET
            print(f"{size:>10}  {ours:>11.2f}s  {full:>12.2f}s  {ratio:>6.3f}  {lazy:>13.2f}s  "
                  f"{'ok' if ratio <= TARGET else 'MISSED'}")  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
