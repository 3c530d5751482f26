"""The "KPI Validation" sheet the product owns, and the add-in's marks on offending cells.

The sheet is a list an officer works through: a heading (when, which file, which rules), then
one row per finding, worst first, with a link to the cell where the fix goes (the commentary
cell, the notes sheet's row for the indicator, or the row where its new note belongs), the
indicator, the problem in plain words, what to do and who answers for it.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass

from kpi_rules import Code, Finding
from kpi_rules.columns import is_missing
from kpi_rules.findings import ADVICE, PROBLEM_TITLES
from kpi_rules.matching import matching_notes, reference_key
from workbook.addresses import (
    VALIDATION_SHEET,
    cell_name,
    column_index,
    column_letter,
    quote_sheet,
    sheet_named,
    split_location,
)
from workbook.check import BookCheck
from workbook.plan.blocks import (
    CellMark,
    ColourRun,
    FindingRow,
    Hyperlink,
    SheetContent,
    StatusChange,
    content_widths,
    runs,
)
from workbook.read.grid import Grid

SEVERITY_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}
MARK_FILL = SEVERITY_FILLS["error"]
VALIDATION_HEADER = ["Severity", "Cell", "Reference", "Indicator", "Problem", "Details",
                     "What to do", "Owner", "Marked"]
OWNER_COLUMN = VALIDATION_HEADER.index("Owner") + 1
WRAPPED = {4: 32, 6: 36, 7: 36}  # Indicator, Details, What to do: wrapped at these widths
HEADER_ROW = 6  # under the heading block: title, run on, source file, rules, a blank row


@dataclass(frozen=True)
class _Row:
    """What the sheet says about one indicator row: its name, a reference that is unique in
    the book, its owner, and where a note for it is (the notes sheet's row)."""

    indicator: str | None
    reference: str | None
    owner: str | None
    note_row: int | None


def run_time() -> datetime.datetime:
    """Now; or SOURCE_DATE_EPOCH when set (the reproducible-builds convention), so that a
    rerun for a reference file writes the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).replace(tzinfo=None)
    return datetime.datetime.now().replace(microsecond=0)


def validation_sheet(check: BookCheck, marked: set[tuple[str, str]] = frozenset(),
                     changes: list[StatusChange] = (), run_on: datetime.datetime | None = None,
                     findings: list[FindingRow] | None = None) -> SheetContent:
    """One row per finding, worst first. "Marked" says which cells the add-in filled, so that
    its next run can clear exactly those. `findings`: finding_rows' result, when already made."""
    header = VALIDATION_HEADER if _has_owners(check) else \
        [name for name in VALIDATION_HEADER if name != "Owner"]
    rows = _heading(check, run_on or run_time()) + [list(header)]
    # Every column wraps (and so is top-aligned): a row reads level across.
    sheet = SheetContent(VALIDATION_SHEET, rows, header_row=HEADER_ROW, auto_filter=True,
                         wrap_columns=frozenset(range(1, len(header) + 1)))
    if not check.findings:
        rows.append(["", "", "", "", "None", "No findings: every check passed.", "", None])
    for f in finding_rows(check, marked, changes) if findings is None else findings:
        cells = [f.severity.capitalize(), f.place, f.reference, f.indicator, f.problem,
                 f.details, f.advice, f.owner, "yes" if f.marked else None]
        rows.append(cells if "Owner" in header else cells[:OWNER_COLUMN - 1] + cells[OWNER_COLUMN:])
        if f.place:
            sheet.hyperlinks.append(Hyperlink(len(rows), 2, f.place))
    sheet.column_widths = content_widths(rows, 2, most=30, wrapped=WRAPPED)
    _severity_fills(sheet)
    return sheet


def finding_rows(check: BookCheck, marked: set[tuple[str, str]] = frozenset(),
                 changes: list[StatusChange] = ()) -> list[FindingRow]:
    """Every finding as the validation sheet says it, worst first: where the fix goes, the
    indicator, the problem in plain words, what to do, the owner; a status the refresh
    corrected said so."""
    changed = {(c.sheet, c.cell): c for c in changes}
    about = _rows_by_place(check)
    new_notes = iter(range(check.notes.next_row, 1 << 20)) if check.notes else iter(())
    commented = _rows_with_commentary_cells(check)
    out = []
    for f in _worst_first(check):
        row = about.get((f.sheet, f.row), _Row(None, f.reference, None, None))
        where, advice = _fix_place(check, f, row, new_notes, commented)
        problem, details = PROBLEM_TITLES[f.code], f.message
        change = changed.get((f.sheet, f.cell)) if f.code == Code.STATUS_MISMATCH else None
        if change is not None:
            problem = "Status corrected by refresh"
            details = (f"Refresh changed the status from {change.before!r} to {change.after!r}: "
                       "check the figures")
            advice = "Check the actual and the target; if they are right, nothing to do."
        out.append(FindingRow(str(f.severity), where, row.reference, row.indicator, problem,
                              details, advice, row.owner, (f.sheet, f.cell) in marked))
    return out


def _heading(check: BookCheck, run_on: datetime.datetime) -> list[list]:
    return [[f"KPI Validation: {check.book}"],
            ["Run on", run_on.strftime("%d %B %Y %H:%M").lstrip("0")],
            ["Source file", check.book],
            ["Rules", check.rules.source],
            []]


def _worst_first(check: BookCheck) -> list[Finding]:
    sheet_order = {t.sheet: i for i, t in reversed(list(enumerate(check.tables)))}
    return sorted(check.findings, key=lambda f: (
        f.severity.rank, sheet_order.get(f.sheet, len(sheet_order)), f.row is None, f.row or 0))


def _severity_fills(sheet: SheetContent) -> None:
    severities = [row[0].lower() for row in sheet.rows[HEADER_ROW:]]
    for offset, length, severity in runs(severities):
        if severity in SEVERITY_FILLS:
            sheet.fills.append(ColourRun(VALIDATION_SHEET, HEADER_ROW + 1 + offset, 1, length,
                                         severity, SEVERITY_FILLS[severity]))


def _rows_with_commentary_cells(check: BookCheck) -> set[tuple[str, int]]:
    """(sheet, row) of every indicator whose table has a commentary column: one lookup per
    finding, however many tables the book has."""
    return {(t.sheet, row) for t in check.tables if "commentary" in t.columns for row in t.sections}


def _has_owners(check: BookCheck) -> bool:
    return bool(check.notes and check.notes.owner_column and
                any(note.owner for note in check.notes.rows))


def _rows_by_place(check: BookCheck) -> dict[tuple[str, int], _Row]:
    """(sheet, row) -> what the sheet says about that indicator."""
    table = check.indicators
    notes = check.notes
    matched = matching_notes(table, [note.key for note in notes.rows]) if notes else \
        [None] * table.height
    sheets = table.column("sheet").tolist()
    sections = ["" if is_missing(s) else str(s) for s in table.column("section").tolist()]
    references = [None if is_missing(r) else _reference_text(r) for r in table.column("reference").tolist()]
    shared = _shared_references(sheets, sections, references)
    wanted = {(f.sheet, f.row) for f in check.findings}
    rows, names = table["row"].tolist(), table.column("indicator").tolist()
    about = {}
    for i, (sheet, row) in enumerate(zip(sheets, rows)):
        if (sheet, row) not in wanted:  # only rows with a finding are listed
            continue
        name, reference = names[i], references[i]
        if reference and (sheet, reference_key(reference)) in shared and sections[i]:
            reference = f"{sections[i]} {reference}"
        note = notes.rows[matched[i]] if matched[i] is not None else None
        about[(sheet, int(row))] = _Row(None if is_missing(name) else str(name).strip(), reference,
                                        note.owner if note else None, note.row if note else None)
    return about


def _shared_references(sheets, sections, references) -> set[tuple[str, str]]:
    """(sheet, reference key) used in more than one section of a sheet: "02" in Finance and
    in Revenues is shown as "Finance 02" and "Revenues 02"."""
    if len(set(zip(sheets, sections))) == len(set(sheets)):  # one section a sheet: none shared
        return set()
    seen: dict[tuple[str, str], set[str]] = {}
    for sheet, section, reference in zip(sheets, sections, references):
        if reference:
            seen.setdefault((sheet, reference_key(reference)), set()).add(section)
    return {key for key, in_sections in seen.items() if len(in_sections) > 1}


def _reference_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _fix_place(check: BookCheck, f: Finding, row: _Row, new_notes,
               commented: set[tuple[str, int]]) -> tuple[str | None, str]:
    """Where the fix goes ("'Exception Notes'!B5") and what to do there."""
    here = f"{quote_sheet(f.sheet)}!{f.cell}" if f.cell and f.sheet else None
    advice = ADVICE[f.code]
    if f.code != Code.MISSING_COMMENTARY:
        return here, advice
    why = advice[0].lower() + advice[1:]
    if (f.sheet, f.row) in commented:
        return here, f"In the commentary cell: {why}"
    notes = check.notes
    if notes is None:
        return here, f"Add a commentary column to the table (or a sheet of exception notes): {why}"
    if row.note_row is not None:
        cell = cell_name(row.note_row, notes.text_column)
        return f"{quote_sheet(notes.sheet)}!{cell}", \
            f"Replace the placeholder note in {notes.sheet}: {why}"
    new_row = next(new_notes)
    return f"{quote_sheet(notes.sheet)}!{cell_name(new_row, notes.key_column)}", (
        f"Add a note in {notes.sheet} row {new_row}: the indicator in column "
        f"{column_letter(notes.key_column)}, in column {column_letter(notes.text_column)} {why}")


# --- the add-in's marks ---------------------------------------------------------------------

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
    """The cells the last run marked, as its "KPI Validation" sheet records them: a "Cell"
    holding "'Sheet'!K8" (or, as earlier versions wrote, "Sheet" and "Cell" columns)."""
    sheet = sheet_named(grids, VALIDATION_SHEET)
    if sheet is None or not sheet.values:
        return set()
    for index, values in enumerate(sheet.values[:HEADER_ROW + 4]):
        header = [str(v).strip() if v is not None else "" for v in values]
        if {"Cell", "Marked"} <= set(header):
            break
    else:
        return set()
    at = {name: header.index(name) for name in ("Sheet", "Cell", "Marked") if name in header}
    marks = set()
    for row in sheet.values[index + 1:]:
        if len(row) <= at["Marked"] or row[at["Marked"]] != "yes":
            continue
        if "Sheet" in at:
            marks.add((str(row[at["Sheet"]]), str(row[at["Cell"]])))
        elif (place := split_location(str(row[at["Cell"]]))) is not None:
            marks.add(place)
    return marks


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
