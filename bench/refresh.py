"""Benchmark: `kpi refresh`'s file path against an openpyxl load+save, side by side.

Builds KPI books of 35 (a council's quarterly return: start-up bound) / 1k / 10k / 100k
indicator rows (the plain 8-column sheet of issue 13),
then runs each step in a fresh subprocess, timing the step itself and reading the process's
peak memory (ru_maxrss). Prints seconds, MB and our/openpyxl ratios.

    python bench/refresh.py [--sizes 35,1000,10000,100000] [--repeats 3]

"ours" is the real `kpi refresh BOOK -o OUT` in-process: read (calamine), find the table,
evaluate, list findings, plan, and write the copy (status / variance / variance % / trend
columns, four colour rules, the "KPI Validation" and "KPI Summary" sheets).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADERS = ["Reference", "Indicator", "Polarity", "Previous", "Actual", "Target", "Status",
           "Commentary"]
SHEET = "Supporting KPIs"
MARKERS = ("TBC", "N/A", "New")


# -- the book ------------------------------------------------------------------------------------
def build_book(path: Path, rows: int) -> None:
    """The plain KPI sheet of issue 13: 8 columns, numbers with some "TBC"/"N/A"/"New" markers,
    an empty Status column, a third of the commentary empty (XlsxWriter, shared strings)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, bold)
    for index in range(1, rows + 1):
        target = 50 + index % 40
        actual = target + (index * 7919) % 21 - 10
        sheet.write_row(index, 0, [f"KPI {index:06d}", f"Indicator number {index}",
                                   "Bigger" if index % 3 else "Smaller"])
        sheet.write(index, 3, actual - 2)
        sheet.write(index, 4, MARKERS[index % 3] if index % 17 == 0 else actual)
        sheet.write(index, 5, target)
        if index % 3:
            sheet.write_string(index, 7, f"Performance is in line with plan ({index % 50})")
    book.close()


# -- the steps (run in a subprocess each) ---------------------------------------------------------
def openpyxl_load_save(book: Path, out: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(book).save(out)


def refresh_ours(book: Path, out: Path) -> None:
    """The real `kpi refresh BOOK -o OUT`: read, check, plan, write (its report goes to stderr)."""
    import contextlib

    from kpi_cli.main import main as kpi

    with contextlib.redirect_stdout(sys.stderr):
        code = kpi(["refresh", str(book), "-o", str(out)])
    if code == 2:
        raise SystemExit(f"kpi refresh failed on {book}")


STEPS = {"openpyxl": openpyxl_load_save, "ours": refresh_ours}


def run_step_here(step: str, book: Path, out: Path) -> None:
    started = time.perf_counter()
    STEPS[step](book, out)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))


def run_step(step: str, book: Path, out: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--step", step, str(book), str(out)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(step: str, book: Path, out: Path, repeats: int) -> dict:
    runs = [run_step(step, book, out) for _ in range(repeats)]
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mb": statistics.median(r["peak_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="35,1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=3, help="runs per step below 100k rows")
    parser.add_argument("--step", choices=STEPS)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.step:
        run_step_here(args.step, Path(args.paths[0]), Path(args.paths[1]))
        return
    print(f"{'rows':>8} {'openpyxl s':>11} {'ours s':>8} {'time ratio':>10} "
          f"{'openpyxl MB':>12} {'ours MB':>8} {'memory ratio':>12}")
    with tempfile.TemporaryDirectory() as folder:
        for rows in (int(size) for size in args.sizes.split(",")):
            book = Path(folder) / f"kpis-{rows}.xlsx"
            build_book(book, rows)
            repeats = 1 if rows >= 100_000 else args.repeats
            theirs = measure("openpyxl", book, Path(folder) / "openpyxl.xlsx", repeats)
            ours = measure("ours", book, Path(folder) / "ours.xlsx", repeats)
            print(f"{rows:>8} {theirs['seconds']:>11.2f} {ours['seconds']:>8.2f} "
                  f"{ours['seconds'] / theirs['seconds']:>10.2f} {theirs['peak_mb']:>12.0f} "
                  f"{ours['peak_mb']:>8.0f} {ours['peak_mb'] / theirs['peak_mb']:>12.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
