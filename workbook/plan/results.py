"""What a refresh writes where, decided once for `kpi refresh` and the add-in's ribbon scripts.

For each KPI table: the status label into its typed Status column if it has one (each changed
status reported), else into a new "KPI status" column right of the table; then "KPI variance"
(in the figures' units: percentage points for a percentage), "KPI variance (% of target)" and
"KPI trend" columns. Our columns are found again by their headers, so a second refresh writes
the same cells. Colours are conditional-format rules keyed on the labels
(file) or one fill per run of equal status (add-in). Two sheets the product owns: "KPI Validation"
(one row per finding, linked to its cell) and "KPI Summary" (counts by status, with a chart).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kpi_rules import Rules
from kpi_rules.columns import Columns
from kpi_rules.findings import POINTS_FORMAT
from kpi_rules.table import status_texts, typed_status_style
from kpi_rules.values import fold
from workbook.addresses import cell_name, quote_sheet
from workbook.check import STATUS_CODES
from workbook.plan.blocks import (
    CellBlock,
    ColourRun,
    PrintTitles,
    StatusChange,
    StatusColourRule,
    WorkbookPlan,
    runs,
)
from workbook.read.grid import Grid, is_blank
from workbook.read.tables import TableLayout

# Output -> header we write. Recognised again (case/space-insensitive) on the next refresh.
OUTPUT_HEADERS = {
    "status": "KPI status",
    "variance": "KPI variance",
    "variance_pct": "KPI variance (% of target)",
    "trend": "KPI trend",
}
# Headers earlier versions wrote: found again, and the new header written over them.
EARLIER_HEADERS = {"KPI variance %": "variance_pct"}
OWNED_HEADERS = frozenset(fold(h) for h in [*OUTPUT_HEADERS.values(), *EARLIER_HEADERS])
TREND_TEXT = {"improving": "▲ Improving", "worsening": "▼ Worsening", "no_change": "► No change"}
VARIANCE_FORMAT, VARIANCE_PCT_FORMAT = "#,##0.###;-#,##0.###;0", "0.0%"
# The variance of a percentage indicator is in percentage points: 74% against 80% is -6.0 pp
# (written as the number -6, so that it is not read as a percentage of anything).
VARIANCE_POINTS_FORMAT = POINTS_FORMAT

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
    by_header.update({fold(h): name for h, name in EARLIER_HEADERS.items()})
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


def plan_table(plan: WorkbookPlan, layout: TableLayout, rows: Columns, grid: Grid,
                rules: Rules) -> None:
    sheet_rows = rows["row"].astype(np.int64)
    # A typed status column is written in the style it was typed in (a column of letters gets
    # letters); our own KPI status column gets the rules' labels.
    typed = "status" in layout.columns
    style = typed_status_style(rows.column("status_typed").tolist()) if typed else None
    texts = status_texts(rules, style)
    for output in output_columns(grid, layout):
        if output.owned:
            plan.blocks.append(CellBlock(layout.sheet, layout.header_row, output.column,
                                         ((OUTPUT_HEADERS[output.name],),), bold=True))
        top = layout.header_row + 1 if output.owned else int(sheet_rows.min())
        bottom = max(layout.last_row, int(sheet_rows.max())) if output.owned else int(sheet_rows.max())
        column = np.full(bottom - top + 1, None, dtype=object)
        column[sheet_rows - top] = _output_values(rows, output.name, texts)
        formats = _number_formats(rows, output.name, top, len(column))
        formulas = _formula_rows(grid, output.column, top, bottom)
        plan.formulas_kept.extend(f"{quote_sheet(layout.sheet)}!{cell_name(row, output.column)}"
                                  for row in formulas)
        plan.blocks.extend(_column_blocks(layout, output, top, column, formats, sheet_rows, grid,
                                          formulas))
        if output.name == "status":
            _plan_colours(plan, layout, output.column, rows, rules, texts)
            if not output.owned:
                plan.status_changes.extend(_status_changes(layout, output.column, rows, texts))


def print_titles(layouts: list[TableLayout]) -> list[PrintTitles]:
    """Each sheet's first table: its header row and its reference and indicator columns
    printed on every page (the writer adds them only where the sheet has print titles of none)."""
    titles: dict[str, PrintTitles] = {}
    for layout in layouts:
        named = [layout.columns[role] for role in ("reference", "indicator") if role in layout.columns]
        columns = (min(named), max(named)) if named else None
        titles.setdefault(layout.sheet, PrintTitles(layout.sheet, (layout.header_row,) * 2, columns))
    return list(titles.values())


def _output_values(rows: Columns, name: str, texts: dict[str, str]) -> np.ndarray:
    if name == "status":
        labels = np.empty(rows.height, dtype=object)
        labels[:] = [texts[status] for status in rows["status"].tolist()]
        return labels
    if name == "trend":
        texts = np.empty(rows.height, dtype=object)
        texts[:] = [TREND_TEXT.get(trend) for trend in rows["trend"].tolist()]
        return texts
    values = rows[name].astype(float)
    if name == "variance":  # percentage points for a percentage indicator
        values = np.where(_percent(rows), values * 100, values)
    return rounded(values)


def _percent(rows: Columns) -> np.ndarray:
    return rows.flags("actual_percent") | rows.flags("target_percent")


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

    A variance is in the figures' own units: -10.0 pp for a percentage indicator, -12 for a count.
    Rows between indicators (section headings) take the format above, so blocks stay whole.
    """
    formats = np.full(length, {"variance": VARIANCE_FORMAT,
                               "variance_pct": VARIANCE_PCT_FORMAT}.get(name), dtype=object)  # fmt: skip
    if name != "variance":
        return formats
    offsets = rows["row"].astype(np.int64) - top
    percent = np.zeros(length, dtype=bool)
    known = np.zeros(length, dtype=bool)
    percent[offsets] = _percent(rows)
    known[offsets] = True
    above = np.maximum.accumulate(np.where(known, np.arange(length), 0))
    formats[percent[above]] = VARIANCE_POINTS_FORMAT
    return formats


def _formula_rows(grid: Grid, column: int, top: int, bottom: int) -> list[int]:
    """Rows from `top` to `bottom` whose cell in `column` holds a formula: the officer's own,
    which a refresh never overwrites (a typed status there is checked, not replaced)."""
    rows = grid.formula_cells.rows_by_column.get(column) if grid.formula_cells else None
    if rows is None:
        return []
    return rows[(rows >= top) & (rows <= bottom)].tolist()


def _column_blocks(layout: TableLayout, output: _Output, top: int, values: np.ndarray,
                   formats: np.ndarray, sheet_rows: np.ndarray, grid: Grid,
                   formulas: list[int]) -> list[CellBlock]:
    """One block per column and number format, split around the cells that stay: formulas,
    and in a user's column a non-indicator row with content."""
    keep = {row - top for row in formulas}  # offsets of the cells that must stay
    if not output.owned:
        others = np.setdiff1d(np.arange(top, top + len(values)), sheet_rows)
        keep.update(row - top for row in others.tolist() if not is_blank(grid.cell(row, output.column)))
    blocks, start = [], 0
    for stop in [*sorted(keep), len(values)]:
        for offset, length, number_format in runs(formats[start:stop].tolist()):
            first = start + offset
            blocks.append(CellBlock(layout.sheet, top + first, output.column,
                                    tuple(zip(values[first:first + length].tolist())),
                                    number_format=number_format))
        start = stop + 1
    return blocks


def _plan_colours(plan: WorkbookPlan, layout: TableLayout, column: int, rows: Columns,
                  rules: Rules, texts: dict[str, str]) -> None:
    sheet_rows = rows["row"].astype(np.int64)
    top, bottom = int(sheet_rows.min()), int(sheet_rows.max())
    for status in STATUS_CODES:
        plan.colour_rules.append(StatusColourRule(layout.sheet, top, column, bottom, column,
                                                  texts[status], status, rules.colour(status)))
    statuses = np.full(bottom - top + 1, None, dtype=object)
    statuses[sheet_rows - top] = rows["status"]
    for offset, length, status in runs(statuses.tolist()):
        if status is not None:
            plan.colour_runs.append(ColourRun(layout.sheet, top + offset, column, length, status,
                                              rules.colour(status)))


def _status_changes(layout: TableLayout, column: int, rows: Columns,
                    texts: dict[str, str]) -> list[StatusChange]:
    changes = []
    for row, typed_text, typed, status, reference, formula in zip(
        rows["row"].tolist(), rows.column("status_typed").tolist(), rows["typed_status"].tolist(),
        rows["status"].tolist(), rows.column("reference").tolist(),
        rows.flags("status_formula").tolist(),
    ):
        if formula or is_blank(typed_text) or (isinstance(typed_text, float) and math.isnan(typed_text)):
            continue
        if typed != status:
            changes.append(StatusChange(layout.sheet, cell_name(int(row), column),
                                        None if reference is None else str(reference),
                                        str(typed_text).strip(), texts[status]))
    return changes


