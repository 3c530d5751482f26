"""The "KPI Validation" sheet's cost per finding at two sizes, measured side by side in one run.

A big book can have ten thousand findings. What matters is that the cost per finding stays
flat as the list grows (no quadratic work) and small beside the refresh itself. Each finding
row is built (`validation_sheet`: the indicator, its owner, where the fix goes) and written
(`worksheet_xml`: cells, styles and each row's height from its wrapped text). Prints µs per
finding for both steps at both sizes and their ratio (about 1 when linear). Exit 1 when a
ratio is over 2.

    python bench/validation.py [--sizes 2500 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbook.check import check_book
from workbook.plan.validation import validation_sheet
from workbook.xlsx.owned_sheet import worksheet_xml
from workbook.xlsx.styles import StyleBook

LIMIT = 2.0
SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "samples" / "council_kpis_q2.xlsx"


def make_book(path: Path, findings: int) -> Path:
    """Indicators off target (a missing commentary each) whose typed status disagrees (a second
    finding), in sections of 25 where references repeat, and a notes sheet with an owner and a
    placeholder note for every third indicator: every kind of row the sheet writes."""
    indicators = findings // 2
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Reference", "Indicator", "Polarity", "Actual", "Target", "Status"])
    row = 1
    for i in range(indicators):
        if i % 25 == 0:
            sheet.write_string(row, 0, f"Service area {i // 25 + 1}")
            row += 1
        sheet.write_row(row, 0, [f"{i % 25 + 1:02d}", f"Indicator {i} of the service", "Bigger",
                                 50 + i % 7, 80, "On target"])  # fmt: skip
        row += 1
    notes = book.add_worksheet("Exception Notes")
    notes.write_row(0, 0, ["Indicator", "Commentary", "Responsible officer"])
    for number, i in enumerate(range(0, indicators, 3), start=1):
        notes.write_row(number, 0, [f"Indicator {i} of the service", "TBC", f"Officer {i % 40}"])
    book.close()
    return path


def _styles() -> StyleBook:
    return StyleBook("xl/styles.xml", zipfile.ZipFile(SAMPLE).read("xl/styles.xml"))


def per_finding(step, findings: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times) / findings * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[2500, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    costs: dict[str, list[float]] = {"build": [], "write": []}
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            check = check_book(make_book(Path(work) / f"kpis-{size}.xlsx", size))
            found = len(check.findings)
            content = validation_sheet(check)
            costs["build"].append(per_finding(lambda c=check: validation_sheet(c), found, args.repeat))
            costs["write"].append(per_finding(
                lambda c=content: worksheet_xml(c, _styles(), None), found, args.repeat))
            print(f"{found:,} findings: build {costs['build'][-1]:.0f} µs, "
                  f"write {costs['write'][-1]:.0f} µs per finding")
    worst = 0.0
    for step, (small, large) in costs.items():
        worst = max(worst, large / small)
        print(f"{step}: ratio {large / small:.2f} per finding from {args.sizes[0]:,} to "
              f"{args.sizes[1]:,} (about 1 when linear)")
    if worst > LIMIT:
        print(f"the cost per finding grows with the list (ratio over {LIMIT})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
