"""The "KPI Validation" sheet the product owns, and the add-in's marks on offending cells."""

from __future__ import annotations

from kpi_rules import Code
from workbook.addresses import (
    VALIDATION_SHEET,
    column_index,
    column_letter,
    quote_sheet,
    sheet_named,
)
from workbook.check import BookCheck
from workbook.plan.blocks import CellMark, ColourRun, Hyperlink, SheetContent, runs
from workbook.read.grid import Grid

SEVERITY_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}

import re

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
        f.severity.rank, sheet_order.get(f.sheet, len(sheet_order)), f.row is None, f.row or 0))
    for offset, f in enumerate(ordered, start=2):
        mark = "yes" if (f.sheet, f.cell) in marked else None
        sheet.rows.append([str(f.severity), f.sheet, f.cell, f.reference, str(f.code), f.message,
                           mark])
        if f.cell:
            sheet.hyperlinks.append(Hyperlink(offset, 3, f"{quote_sheet(f.sheet)}!{f.cell}"))
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
    wanted = [(f.sheet, f.cell) for f in check.findings
              if f.code == Code.MISSING_COMMENTARY and f.cell]
    return {(sheet, cell) for sheet, cell in wanted
            if (sheet, cell.rstrip("0123456789")) in commentary}  # fmt: skip


def previous_marks(grids: dict[str, Grid]) -> set[tuple[str, str]]:
    """The cells the last run marked, as its "KPI Validation" sheet records them."""
    sheet = sheet_named(grids, VALIDATION_SHEET)
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


