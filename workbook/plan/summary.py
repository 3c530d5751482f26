"""The "KPI Summary" sheet: counts by status per table and section, with a chart."""

from __future__ import annotations

from workbook.addresses import SUMMARY_SHEET
from workbook.check import STATUS_CODES, BookCheck
from workbook.plan.blocks import ChartSpec, SheetContent


def summary_sheet(check: BookCheck) -> SheetContent:
    rules = check.rules
    counts = check.summary()
    header = ["Group", "Sheet", "Section", *(rules.label(s) for s in STATUS_CODES), "Total"]
    sheet = SheetContent(SUMMARY_SHEET, [header], column_widths={1: 36, 2: 24, 3: 24})
    for c in counts:
        group = c["sheet"] if not c["section"] else f"{c['sheet']}: {c['section']}"
        sheet.rows.append([group, c["sheet"], c["section"] or None,
                           *(c[s] for s in STATUS_CODES), c["total"]])
    totals = {name: sum(c[name] for c in counts) for name in (*STATUS_CODES, "total")}
    sheet.rows.append(["All indicators", None, None, *(totals[s] for s in STATUS_CODES),
                       totals["total"]])
    last_group_row = len(sheet.rows) - 1  # the total row is left out of the chart
    if last_group_row >= 2:
        sheet.chart = ChartSpec(
            title="Indicators by status",
            categories=(2, 1, last_group_row, 1),
            series=[(rules.label(s), (2, 4 + i, last_group_row, 4 + i), rules.colour(s))
                    for i, s in enumerate(STATUS_CODES)],
            anchor_row=2, anchor_column=len(header) + 2,
        )
    return sheet
