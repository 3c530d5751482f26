"""What a refresh writes where, decided once for `kpi refresh` and the add-in's ribbon scripts.

For each KPI table: the status label into its typed Status column if it has one (each changed
status reported), else into a new "KPI status" column right of the table; then "KPI variance",
"KPI variance %" and "KPI trend" columns. Our columns are found again by their headers, so a
second refresh writes the same cells. Colours are conditional-format rules keyed on the labels
(file) or one fill per run of equal status (add-in). Two sheets the product owns: "KPI Validation"
(one row per finding, linked to its cell) and "KPI Summary" (counts by status, with a chart).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kpi_rules import Rules
from kpi_rules.values import fold
from workbook.blocks import (
    CellBlock,
    ChartSpec,
    ColourRun,
    Hyperlink,
    SheetContent,
    StatusChange,
    StatusColourRule,
    WorkbookPlan,
    cell_name,
    runs,
)
from workbook.check import STATUS_CODES, BookCheck, check_grids
from workbook.detect import TableLayout
from workbook.grid import Grid
from workbook.rules_lookup import find_rules

VALIDATION_SHEET, SUMMARY_SHEET = "KPI Validation", "KPI Summary"
# Output -> header we write. Recognised again (case/space-insensitive) on the next refresh.
OUTPUT_HEADERS = {
    "status": "KPI status",
    "variance": "KPI variance",
    "variance_pct": "KPI variance %",
    "trend": "KPI trend",
}
OWNED_HEADERS = frozenset(fold(h) for h in OUTPUT_HEADERS.values())
TREND_TEXT = {"improving": "▲ Improving", "worsening": "▼ Worsening", "no_change": "► No change"}
VARIANCE_FORMAT, VARIANCE_PCT_FORMAT = "#,##0.###;-#,##0.###;0", "0.0%"
SEVERITY_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}
PARTS = ("results", "validation", "summary")


def build_plan(grids, rules: Rules | None = None, book_name: str = "workbook",
               parts: tuple[str, ...] = PARTS) -> WorkbookPlan:
    """The plan for in-memory sheets: `{sheet: Grid}` or `{sheet: [[values]]}` (the add-in)."""
    grids = {name: g if isinstance(g, Grid) else Grid(name, [list(r) for r in g])
             for name, g in grids.items()}  # fmt: skip
    if rules is None:
        rules = find_rules(None, None, grids)
    return plan_from_check(check_grids(grids, rules, book_name), grids, parts)


def plan_from_check(check: BookCheck, grids: dict[str, Grid],
                    parts: tuple[str, ...] = PARTS) -> WorkbookPlan:
    plan = WorkbookPlan()
    if "results" in parts:
        for index, layout in enumerate(check.tables):
            _plan_table(plan, layout, check.table_indicators(index), grids[layout.sheet], check.rules)
    if "validation" in parts:
        plan.sheets.append(validation_sheet(check))
    if "summary" in parts:
        plan.sheets.append(summary_sheet(check))
    return plan


# --- one table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Output:
    name: str
    column: int
    owned: bool  # a column we added (and may blank), not the user's typed Status column


def output_columns(grid: Grid, layout: TableLayout) -> list[_Output]:
    """Where status, variance, variance % and trend go for this table."""
    first = min(layout.columns.values())
    right = first
    while not _blank(grid.cell(layout.header_row, right + 1)) and not _owned(grid, layout, right + 1):
        right += 1
    right = max(right, max(layout.columns.values()))
    found = _owned_columns(grid, layout, right)
    outputs, taken, column = [], set(found.values()), right
    for name in OUTPUT_HEADERS:
        if name == "status" and "status" in layout.columns:
            outputs.append(_Output(name, layout.columns["status"], owned=False))
            continue
        if name in found:
            outputs.append(_Output(name, found[name], owned=True))
            continue
        column += 1
        while column in taken or not _column_free(grid, layout, column):
            column += 1
        taken.add(column)
        outputs.append(_Output(name, column, owned=True))
    return outputs


def _owned(grid: Grid, layout: TableLayout, column: int) -> bool:
    text = grid.cell(layout.header_row, column)
    return isinstance(text, str) and fold(text) in OWNED_HEADERS


def _owned_columns(grid: Grid, layout: TableLayout, right: int) -> dict[str, int]:
    by_header = {fold(h): name for name, h in OUTPUT_HEADERS.items()}
    found = {}
    for column in range(right + 1, max(grid.width, right) + 1):
        text = grid.cell(layout.header_row, column)
        if isinstance(text, str) and fold(text) in by_header:
            found.setdefault(by_header[fold(text)], column)
    return found


def _column_free(grid: Grid, layout: TableLayout, column: int) -> bool:
    return all(_blank(grid.cell(row, column)) for row in range(layout.header_row, layout.last_row + 1))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plan_table(plan: WorkbookPlan, layout: TableLayout, rows: pd.DataFrame, grid: Grid,
                rules: Rules) -> None:
    values = _output_values(rows)
    for output in output_columns(grid, layout):
        if output.owned:
            plan.blocks.append(CellBlock(layout.sheet, layout.header_row, output.column,
                                         ((OUTPUT_HEADERS[output.name],),), bold=True))
        plan.blocks.extend(_column_blocks(layout, output, values[output.name], grid))
        if output.name == "status":
            _plan_colours(plan, layout, output.column, rows, rules)
            if not output.owned:
                plan.status_changes.extend(_status_changes(layout, output.column, rows, rules))


def _output_values(rows: pd.DataFrame) -> dict[str, dict[int, object]]:
    sheet_rows = rows["row"].astype(int).tolist()
    return {
        "status": dict(zip(sheet_rows, rows["label"])),
        "variance": dict(zip(sheet_rows, map(_number, rows["variance"]))),
        "variance_pct": dict(zip(sheet_rows, map(_number, rows["variance_pct"]))),
        "trend": dict(zip(sheet_rows, (TREND_TEXT.get(t) for t in rows["trend"]))),
    }


def _number(value) -> float | None:
    """Rounded to 12 significant digits so that 2.3 - 2.0 is written as 0.3."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(f"{value:.12g}")


def _column_blocks(layout: TableLayout, output: _Output, by_row: dict[int, object],
                   grid: Grid) -> list[CellBlock]:
    """One block per column; in a user's column, split where a non-indicator row has content."""
    number_format = {"variance": VARIANCE_FORMAT, "variance_pct": VARIANCE_PCT_FORMAT}.get(output.name)
    top = layout.header_row + 1 if output.owned else min(by_row)
    bottom = max(layout.last_row, max(by_row)) if output.owned else max(by_row)
    blocks, current, start = [], [], top
    for row in range(top, bottom + 1):
        keep = row not in by_row and not output.owned and not _blank(grid.cell(row, output.column))
        if keep:
            if current:
                blocks.append(current_block(layout.sheet, start, output.column, current, number_format))
            current, start = [], row + 1
            continue
        current.append(by_row.get(row))
    if current:
        blocks.append(current_block(layout.sheet, start, output.column, current, number_format))
    return blocks


def current_block(sheet: str, top: int, column: int, values: list, number_format) -> CellBlock:
    return CellBlock(sheet, top, column, tuple((v,) for v in values), number_format=number_format)


def _plan_colours(plan: WorkbookPlan, layout: TableLayout, column: int, rows: pd.DataFrame,
                  rules: Rules) -> None:
    top, bottom = int(rows["row"].min()), int(rows["row"].max())
    for status in STATUS_CODES:
        plan.colour_rules.append(StatusColourRule(layout.sheet, top, column, bottom, column,
                                                  rules.label(status), status, rules.colour(status)))
    statuses = dict(zip(rows["row"].astype(int), rows["status"]))
    for offset, length, status in runs([statuses.get(r) for r in range(top, bottom + 1)]):
        if status is not None:
            plan.colour_runs.append(ColourRun(layout.sheet, top + offset, column, length, status,
                                              rules.colour(status)))


def _status_changes(layout: TableLayout, column: int, rows: pd.DataFrame,
                    rules: Rules) -> list[StatusChange]:
    changes = []
    for row, typed_text, typed, status, reference in zip(
        rows["row"], rows.get("status_typed", [None] * len(rows)), rows["typed_status"],
        rows["status"], rows.get("reference", [None] * len(rows)),
    ):
        if _blank(typed_text) or (isinstance(typed_text, float) and math.isnan(typed_text)):
            continue
        if typed != status:
            changes.append(StatusChange(layout.sheet, cell_name(int(row), column),
                                        None if reference is None else str(reference),
                                        str(typed_text).strip(), rules.label(status)))
    return changes


# --- the product's sheets -------------------------------------------------------------------

VALIDATION_HEADER = ["Severity", "Sheet", "Cell", "Reference", "Finding", "Message"]


def validation_sheet(check: BookCheck) -> SheetContent:
    findings = check.findings
    sheet = SheetContent(VALIDATION_SHEET, [list(VALIDATION_HEADER)],
                         column_widths={1: 10, 2: 24, 3: 8, 4: 12, 5: 22, 6: 80})
    if findings.empty:
        sheet.rows.append(["", "", "", "", "none", "No findings: every check passed."])
        return sheet
    order = {"error": 0, "warning": 1, "info": 2}
    sheet_order = {t.sheet: i for i, t in reversed(list(enumerate(check.tables)))}
    ordered = findings.assign(
        _severity=findings["severity"].map(order), _sheet=findings["sheet"].map(sheet_order)
    ).sort_values(["_severity", "_sheet", "row"], kind="stable")
    for offset, f in enumerate(ordered.itertuples(index=False), start=2):
        sheet.rows.append([f.severity, f.sheet, f.cell, f.reference, f.code, f.message])
        if f.cell:
            sheet.hyperlinks.append(Hyperlink(offset, 3, f"{quote_sheet(f.sheet)}!{f.cell}"))
    severities = [row[0] for row in sheet.rows[1:]]
    for offset, length, severity in runs(severities):
        sheet.fills.append(ColourRun(VALIDATION_SHEET, 2 + offset, 1, length, severity,
                                     SEVERITY_FILLS[severity]))
    return sheet


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def summary_sheet(check: BookCheck) -> SheetContent:
    rules = check.rules
    counts = check.summary()
    header = ["Group", "Sheet", "Section", *(rules.label(s) for s in STATUS_CODES), "Total"]
    sheet = SheetContent(SUMMARY_SHEET, [header], column_widths={1: 36, 2: 24, 3: 24})
    for c in counts.itertuples(index=False):
        group = c.sheet if not c.section else f"{c.sheet}: {c.section}"
        sheet.rows.append([group, c.sheet, c.section or None,
                           *(int(getattr(c, s)) for s in STATUS_CODES), int(c.total)])
    totals = counts[[*STATUS_CODES, "total"]].sum()
    sheet.rows.append(["All indicators", None, None, *(int(totals[s]) for s in STATUS_CODES),
                       int(totals["total"])])
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
