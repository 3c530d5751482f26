"""Benchmark: `kpi refresh`'s file path against an openpyxl load+save, side by side.

Builds KPI books of 1k / 10k / 100k indicator rows (10 columns, XlsxWriter constant_memory),
then runs each step in a fresh subprocess, timing the step itself and reading the process's
peak memory (ru_maxrss). Prints seconds, MB and our/openpyxl ratios.

    python bench/refresh.py [--sizes 1000,10000,100000] [--repeats 3]

"ours" is one function, `refresh_ours`: today it reads the book with python-calamine, builds a
realistic plan (status / variance / variance % / trend columns, four colour rules, the two
product sheets) and calls `workbook.package_writer.apply_plan`. Once `addin/cmd_refresh.py`
is built, point it at the real `kpi refresh` instead.
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

HEADERS = ["Reference", "Performance Indicator", "Measure Description", "Polarity",
           "Reporting Frequency", "Q4 Outturn", "Annual Target", "Quarterly Target", "Q1",
           "Commentary"]
TARGET_COLUMN, ACTUAL_COLUMN, PREVIOUS_COLUMN, POLARITY_COLUMN = 7, 8, 5, 3  # 0-based
LABELS = {"on": "On target or better", "within": "Within 10% of target",
          "off": "More than 10% off target", "none": "Not assessed"}
COLOURS = {"on": "#00B050", "within": "#FFC000", "off": "#FF0000", "none": "#BFBFBF"}
SHEET = "Supporting KPIs"


# -- the book ------------------------------------------------------------------------------------
def build_book(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0%"})
    sheet.write_row(0, 0, HEADERS, bold)
    for index in range(1, rows + 1):
        target = 0.5 + (index % 40) / 100
        actual = target + ((index * 7919) % 21 - 10) / 100
        sheet.write_row(index, 0, [f"KPI {index:06d}", f"Indicator number {index}",
                                   "Percentage of cases completed within timescale",
                                   "Bigger" if index % 3 else "Smaller", "Quarterly"])
        sheet.write_number(index, 5, actual - 0.02, percent)
        sheet.write_number(index, 6, target, percent)
        sheet.write_number(index, 7, target, percent)
        sheet.write_number(index, 8, actual, percent)
        if index % 4:
            sheet.write_string(index, 9, "Performance is in line with the seasonal pattern")
    book.close()


# -- the steps (run in a subprocess each) ---------------------------------------------------------
def openpyxl_load_save(book: Path, out: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(book).save(out)


def refresh_ours(book: Path, out: Path) -> None:
    """The step to switch to the real `kpi refresh` once addin/cmd_refresh.py exists."""
    from workbook.package_writer import apply_plan

    apply_plan(book, out, build_bench_plan(book))


def build_bench_plan(book: Path):
    from python_calamine import CalamineWorkbook

    from workbook.blocks import (
        CellBlock,
        ChartSpec,
        ColourRun,
        Hyperlink,
        SheetContent,
        StatusColourRule,
        WorkbookPlan,
    )

    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(SHEET).to_python()[1:]
    results = [_assess(row) for row in rows]
    top, bottom, left = 2, len(rows) + 1, len(HEADERS) + 1
    columns = list(zip(*results)) if results else [(), (), (), ()]
    blocks = [CellBlock(SHEET, 1, left, (("Status", "Variance", "Variance %", "Trend"),), bold=True)]
    for offset, values in enumerate(columns):
        blocks.append(CellBlock(SHEET, top, left + offset, tuple((v,) for v in values),
                                number_format="0.0%" if offset == 2 else None))
    rules = [StatusColourRule(SHEET, top, left, bottom, left, LABELS[s], s, COLOURS[s])
             for s in LABELS]
    off_rows = [index for index, result in enumerate(results, start=top) if result[0] == LABELS["off"]]
    findings = [[SHEET, f"J{row}", f"KPI {row - 1:06d}", "missing_commentary", "error",
                 "Off target and no commentary"] for row in off_rows[:1000]]
    counts = [sum(1 for r in results if r[0] == LABELS[s]) for s in LABELS]
    validation = SheetContent("KPI Validation", [["Sheet", "Cell", "Reference", "Code", "Severity",
                                                  "Message"]] + findings,
                              column_widths={6: 50},
                              hyperlinks=[Hyperlink(i, 2, f"'{SHEET}'!{f[1]}")
                                          for i, f in enumerate(findings, start=2)])
    summary = SheetContent("KPI Summary", [["Table", *LABELS.values()], [SHEET, *counts]],
                           fills=[ColourRun("KPI Summary", 1, c, 1, s, COLOURS[s])
                                  for c, s in enumerate(LABELS, start=2)],
                           chart=ChartSpec("Indicators by status", (1, 2, 1, 5),
                                           [(SHEET, (2, 2, 2, 5), "#4472C4")]))
    return WorkbookPlan(blocks=blocks, colour_rules=rules, sheets=[validation, summary])


def _assess(row) -> tuple:
    actual, target, previous = row[ACTUAL_COLUMN], row[TARGET_COLUMN], row[PREVIOUS_COLUMN]
    if not all(isinstance(v, (int, float)) for v in (actual, target, previous)):
        return LABELS["none"], None, None, None
    bigger = row[POLARITY_COLUMN] == "Bigger"
    gap = actual - target if bigger else target - actual
    if gap >= 0:
        status = "on"
    elif abs(gap) <= 0.1 * abs(target) * (1 + 1e-9):
        status = "within"
    else:
        status = "off"
    change = (actual - previous) if bigger else (previous - actual)
    trend = "↑ Improving" if change > 0 else "↓ Worsening" if change < 0 else "→ No change"
    variance_pct = (actual - target) / abs(target) if target else None
    return LABELS[status], actual - target, variance_pct, trend


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
    parser.add_argument("--sizes", default="1000,10000,100000")
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
