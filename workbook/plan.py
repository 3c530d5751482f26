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
import re
from dataclasses import dataclass

import numpy as np

from kpi_rules import SEVERITY_ORDER, Rules
from kpi_rules.columns import Columns
from kpi_rules.values import fold
from workbook.blocks import (
    CellBlock,
    CellMark,
    ChartSpec,
    ColourRun,
    Hyperlink,
    SheetContent,
    StatusChange,
    StatusColourRule,
    WorkbookPlan,
    cell_name,
    column_index,
    column_letter,
    runs,
)
from workbook.check import STATUS_CODES, BookCheck, check_grids
from workbook.detect import TableLayout
from workbook.grid import Grid, is_blank
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
VARIANCE_AS_PERCENT_FORMAT = "0.0%"  # the variance of a percentage indicator, in its own units
SEVERITY_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}
PARTS = ("results", "validation", "summary")


def build_plan(grids, rules: Rules | None = None, book_name: str = "workbook",
               parts: tuple[str, ...] = PARTS, mark_cells: bool = False) -> WorkbookPlan:
    """The plan for in-memory sheets: `{sheet: Grid}` or `{sheet: [[values]]}` (the add-in).

    `mark_cells`: also fill each missing commentary cell and clear the marks of the previous run
    (the add-in; the file path colours with conditional formats instead).
    """
    grids = {name: g if isinstance(g, Grid) else Grid(name, [list(r) for r in g])
             for name, g in grids.items()}  # fmt: skip
    if rules is None:
        rules = find_rules(None, None, grids)
    return plan_from_check(check_grids(grids, rules, book_name), grids, parts, mark_cells)


def plan_from_check(check: BookCheck, grids: dict[str, Grid],
                    parts: tuple[str, ...] = PARTS, mark_cells: bool = False) -> WorkbookPlan:
    plan = WorkbookPlan()
    if "results" in parts:
        for index, layout in enumerate(check.tables):
            _plan_table(plan, layout, check.table_indicators(index), grids[layout.sheet], check.rules)
    if "validation" in parts:
        marked = marked_findings(check) if mark_cells else set()
        plan.sheets.append(validation_sheet(check, marked))
        if mark_cells:
            plan.marks = cell_marks(check, marked, previous_marks(grids))
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
    while not is_blank(grid.cell(layout.header_row, right + 1)) and not _owned(grid, layout, right + 1):
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
    if column > grid.width:
        return True
    rows = grid.values[layout.header_row - 1:layout.last_row]
    return all(column > len(cells) or is_blank(cells[column - 1]) for cells in rows)


def _plan_table(plan: WorkbookPlan, layout: TableLayout, rows: Columns, grid: Grid,
                rules: Rules) -> None:
    sheet_rows = rows["row"].astype(np.int64)
    for output in output_columns(grid, layout):
        if output.owned:
            plan.blocks.append(CellBlock(layout.sheet, layout.header_row, output.column,
                                         ((OUTPUT_HEADERS[output.name],),), bold=True))
        top = layout.header_row + 1 if output.owned else int(sheet_rows.min())
        bottom = max(layout.last_row, int(sheet_rows.max())) if output.owned else int(sheet_rows.max())
        column = np.full(bottom - top + 1, None, dtype=object)
        column[sheet_rows - top] = _output_values(rows, output.name)
        formats = _number_formats(rows, output.name, top, len(column))
        plan.blocks.extend(_column_blocks(layout, output, top, column, formats, sheet_rows, grid))
        if output.name == "status":
            _plan_colours(plan, layout, output.column, rows, rules)
            if not output.owned:
                plan.status_changes.extend(_status_changes(layout, output.column, rows, rules))


def _output_values(rows: Columns, name: str) -> np.ndarray:
    if name == "status":
        return rows["label"]
    if name == "trend":
        texts = np.empty(rows.height, dtype=object)
        texts[:] = [TREND_TEXT.get(trend) for trend in rows["trend"].tolist()]
        return texts
    return rounded(rows[name].astype(float))


def rounded(values: np.ndarray) -> np.ndarray:
    """Numbers rounded to 12 significant digits (2.3 - 2.0 is written 0.3), NaN as None."""
    out = np.full(len(values), None, dtype=object)
    finite = np.isfinite(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        digits = 11 - np.floor(np.log10(np.abs(values)))
    # Dividing a whole number by an exact power of ten rounds correctly; beyond 1e22 it is not exact.
    scalable = finite & (values != 0) & (digits > 0) & (digits <= 22)
    scale = np.power(10.0, np.where(scalable, digits, 0))
    fixed = np.where(scalable, np.round(values * scale) / scale, values)
    out[finite] = fixed[finite].tolist()
    return out


def _number_formats(rows: Columns, name: str, top: int, length: int) -> np.ndarray:
    """The number format of each cell of an output column from `top` (None: the cell's own).

    A variance is in the figures' own units: -10.0% for a percentage indicator, -12 for a count.
    Rows between indicators (section headings) take the format above, so blocks stay whole.
    """
    formats = np.full(length, {"variance": VARIANCE_FORMAT,
                               "variance_pct": VARIANCE_PCT_FORMAT}.get(name), dtype=object)  # fmt: skip
    if name != "variance":
        return formats
    offsets = rows["row"].astype(np.int64) - top
    percent = np.zeros(length, dtype=bool)
    known = np.zeros(length, dtype=bool)
    percent[offsets] = rows.flags("actual_percent") | rows.flags("target_percent")
    known[offsets] = True
    above = np.maximum.accumulate(np.where(known, np.arange(length), 0))
    formats[percent[above]] = VARIANCE_AS_PERCENT_FORMAT
    return formats


def _column_blocks(layout: TableLayout, output: _Output, top: int, values: np.ndarray,
                   formats: np.ndarray, sheet_rows: np.ndarray, grid: Grid) -> list[CellBlock]:
    """One block per column and number format; in a user's column, split where a non-indicator
    row has content."""
    keep: list[int] = []  # offsets of rows whose content in a user's column must stay
    if not output.owned:
        others = np.setdiff1d(np.arange(top, top + len(values)), sheet_rows)
        keep = [row - top for row in others.tolist() if not is_blank(grid.cell(row, output.column))]
    blocks, start = [], 0
    for stop in [*keep, len(values)]:
        for offset, length, number_format in runs(formats[start:stop].tolist()):
            first = start + offset
            blocks.append(CellBlock(layout.sheet, top + first, output.column,
                                    tuple(zip(values[first:first + length].tolist())),
                                    number_format=number_format))
        start = stop + 1
    return blocks


def _plan_colours(plan: WorkbookPlan, layout: TableLayout, column: int, rows: Columns,
                  rules: Rules) -> None:
    sheet_rows = rows["row"].astype(np.int64)
    top, bottom = int(sheet_rows.min()), int(sheet_rows.max())
    for status in STATUS_CODES:
        plan.colour_rules.append(StatusColourRule(layout.sheet, top, column, bottom, column,
                                                  rules.label(status), status, rules.colour(status)))
    statuses = np.full(bottom - top + 1, None, dtype=object)
    statuses[sheet_rows - top] = rows["status"]
    for offset, length, status in runs(statuses.tolist()):
        if status is not None:
            plan.colour_runs.append(ColourRun(layout.sheet, top + offset, column, length, status,
                                              rules.colour(status)))


def _status_changes(layout: TableLayout, column: int, rows: Columns,
                    rules: Rules) -> list[StatusChange]:
    changes = []
    for row, typed_text, typed, status, reference in zip(
        rows["row"].tolist(), rows.column("status_typed").tolist(), rows["typed_status"].tolist(),
        rows["status"].tolist(), rows.column("reference").tolist(),
    ):
        if is_blank(typed_text) or (isinstance(typed_text, float) and math.isnan(typed_text)):
            continue
        if typed != status:
            changes.append(StatusChange(layout.sheet, cell_name(int(row), column),
                                        None if reference is None else str(reference),
                                        str(typed_text).strip(), rules.label(status)))
    return changes


# --- the product's sheets -------------------------------------------------------------------

VALIDATION_HEADER = ["Severity", "Sheet", "Cell", "Reference", "Finding", "Message", "Marked"]
MARK_FILL = SEVERITY_FILLS["error"]


def validation_sheet(check: BookCheck, marked: set[tuple[str, str]] = frozenset()) -> SheetContent:
    """One row per finding, worst first, each linked to its cell. "Marked" says which cells the
    add-in filled, so that its next run can clear exactly those."""
    sheet = SheetContent(VALIDATION_SHEET, [list(VALIDATION_HEADER)],
                         column_widths={1: 10, 2: 24, 3: 8, 4: 12, 5: 22, 6: 80, 7: 8})
    if not check.findings:
        sheet.rows.append(["", "", "", "", "none", "No findings: every check passed.", None])
        return sheet
    sheet_order = {t.sheet: i for i, t in reversed(list(enumerate(check.tables)))}
    ordered = sorted(check.findings, key=lambda f: (
        SEVERITY_ORDER[f["severity"]], sheet_order.get(f["sheet"], len(sheet_order)),
        f["row"] is None, f["row"] or 0))  # fmt: skip
    for offset, f in enumerate(ordered, start=2):
        mark = "yes" if (f["sheet"], f["cell"]) in marked else None
        sheet.rows.append([f["severity"], f["sheet"], f["cell"], f["reference"], f["code"],
                           f["message"], mark])  # fmt: skip
        if f["cell"]:
            sheet.hyperlinks.append(Hyperlink(offset, 3, f"{quote_sheet(f['sheet'])}!{f['cell']}"))
    severities = [row[0] for row in sheet.rows[1:]]
    for offset, length, severity in runs(severities):
        sheet.fills.append(ColourRun(VALIDATION_SHEET, 2 + offset, 1, length, severity,
                                     SEVERITY_FILLS[severity]))
    return sheet


def marked_findings(check: BookCheck) -> set[tuple[str, str]]:
    """The cells the add-in marks: a missing commentary in a commentary column. Other cells
    (figures, a typed status) often carry the officer's own fills, which a mark would replace."""
    commentary = {(t.sheet, column_letter(t.columns["commentary"]))
                  for t in check.tables if "commentary" in t.columns}  # fmt: skip
    wanted = [(f["sheet"], f["cell"]) for f in check.findings
              if f["code"] == "missing_commentary" and f["cell"]]  # fmt: skip
    return {(sheet, cell) for sheet, cell in wanted
            if (sheet, cell.rstrip("0123456789")) in commentary}  # fmt: skip


def previous_marks(grids: dict[str, Grid]) -> set[tuple[str, str]]:
    """The cells the last run marked, as its "KPI Validation" sheet records them."""
    sheet = grids.get(VALIDATION_SHEET)
    if sheet is None or not sheet.values:
        return set()
    header = [str(v).strip() if v is not None else "" for v in sheet.values[0]]
    if not {"Sheet", "Cell", "Marked"} <= set(header):
        return set()
    at = {name: header.index(name) for name in ("Sheet", "Cell", "Marked")}
    return {(str(row[at["Sheet"]]), str(row[at["Cell"]])) for row in sheet.values[1:]
            if len(row) > at["Marked"] and row[at["Marked"]] == "yes"}  # fmt: skip


def cell_marks(check: BookCheck, marked: set[tuple[str, str]],
               previous: set[tuple[str, str]]) -> list[CellMark]:
    sheets = {t.sheet for t in check.tables}
    marks = [CellMark(sheet, *_row_column(cell), MARK_FILL) for sheet, cell in sorted(marked)]
    marks += [CellMark(sheet, *_row_column(cell), None) for sheet, cell in sorted(previous - marked)
              if sheet in sheets and _CELL.fullmatch(cell)]  # fmt: skip
    return marks


_CELL = re.compile(r"([A-Z]{1,3})([1-9][0-9]*)")


def _row_column(cell: str) -> tuple[int, int]:
    letters, digits = _CELL.fullmatch(cell).groups()
    return int(digits), column_index(letters)


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


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
