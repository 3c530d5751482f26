"""The "KPI Summary" sheet: a title with the period, counts by status and the share on target
per table and section, and under them a 100% stacked bar per section (On, Within, Off, Not
assessed, left to right, as the legend reads)."""

from __future__ import annotations

import re

from workbook.addresses import SUMMARY_SHEET
from workbook.check import STATUS_CODES, BookCheck
from workbook.plan.blocks import ChartSpec, ColourRun, SheetContent, content_widths
from workbook.read.grid import Grid

HEADER_ROW = 3  # under the title and a blank row
ON_TARGET_HEADER = "% on target"
# A period as report titles write it: "Quarter 2 2024/25", "Q2 2025/26", "September 2024".
PERIOD = re.compile(r"\b(quarter|qtr|q[1-4]|month|year|january|february|march|april|may|june|"
                    r"july|august|september|october|november|december)\b.*\b(19|20)\d\d",
                    re.IGNORECASE)


def summary_sheet(check: BookCheck, grids: dict[str, Grid] | None = None) -> SheetContent:
    rules = check.rules
    counts = check.summary()
    header = ["Group", *(rules.label(s) for s in STATUS_CODES), "Total", ON_TARGET_HEADER]
    period = book_period(check, grids or {})
    rows = [[f"KPI Summary: {period}" if period else f"KPI Summary: {check.book}"], [], header]
    for c in counts:
        group = c["sheet"] if not c["section"] else f"{c['sheet']}: {c['section']}"
        rows.append([group, *(c[s] for s in STATUS_CODES), c["total"], _share(c["on"], c["total"])])
    totals = {name: sum(c[name] for c in counts) for name in (*STATUS_CODES, "total")}
    rows.append(["All indicators", *(totals[s] for s in STATUS_CODES), totals["total"],
                 _share(totals["on"], totals["total"])])
    sheet = SheetContent(SUMMARY_SHEET, rows, header_row=HEADER_ROW,
                         column_formats={len(header): "0%"},
                         column_widths=content_widths(rows, HEADER_ROW, most=48))
    sheet.fills = [ColourRun(SUMMARY_SHEET, HEADER_ROW, 2 + i, 1, s, rules.colour(s))
                   for i, s in enumerate(STATUS_CODES)]
    first, last = HEADER_ROW + 1, len(rows) - 1  # the total row is left out of the chart
    if counts:
        sheet.chart = ChartSpec(
            title="Indicators by status",
            categories=(first, 1, last, 1),
            series=[(rules.label(s), (first, 2 + i, last, 2 + i), rules.colour(s))
                    for i, s in enumerate(STATUS_CODES)],
            anchor_row=len(rows) + 2, anchor_column=1, columns=len(header),
            rows=max(12, 6 + 2 * len(counts)), stacked=True,
        )
    return sheet


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def book_period(check: BookCheck, grids: dict[str, Grid]) -> str | None:
    """The period the book reports on, from the title rows above its first table."""
    if not check.tables or check.tables[0].sheet not in grids:
        return None
    grid, layout = grids[check.tables[0].sheet], check.tables[0]
    for row in range(1, layout.header_row):
        for value in grid.values[row - 1] if row <= len(grid.values) else []:
            if isinstance(value, str) and PERIOD.search(value):
                return " ".join(value.split())
    return None
