"""Sheets as grids of values: the one input of table detection.

The add-in's ribbon scripts receive a workbook as values only (a 2-D list per sheet); the file
path produces the same grids with python-calamine, plus what only the file knows: which cells
carry a percent number format, Excel table (ListObject) ranges, hidden columns and merged cells.
No object model of the workbook is built: values come from calamine, the few extra facts from a
regex pass over the parts that hold them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import python_calamine

from kpi_rules.errors import shorten
from workbook.read.formats import PackageExtras, PercentCells
from workbook.read.opc.canonical import canonical_copy, needs_canonical_copy
from workbook.read.package import WorkbookReadError, open_package
from workbook.read.snapshot import Snapshot, take_snapshot

# calamine raises several Rust-side error types, and a Rust panic (a package it did not expect)
# arrives as pyo3's PanicException, which derives from BaseException and is not exported.
INTERRUPTS = (KeyboardInterrupt, SystemExit, GeneratorExit)


@dataclass(frozen=True)
class TableRange:
    """An Excel table (ListObject): header row and data rows, 1-based and inclusive."""

    name: str
    header_row: int
    first_column: int
    last_row: int
    last_column: int


@dataclass(frozen=True)
class MergedRange:
    top: int
    left: int
    bottom: int
    right: int


@dataclass
class Grid:
    """One sheet's values; values[r][c] is worksheet row r+1, column c+1."""

    sheet: str
    values: list[list]
    percent_cells: PercentCells | None = None  # percent-formatted cells; None = unknown
    formula_cells: PercentCells | None = None  # cells holding a formula; None = unknown (add-in)
    tables: list[TableRange] = field(default_factory=list)
    hidden_columns: set[int] = field(default_factory=set)  # 1-based
    merged: list[MergedRange] = field(default_factory=list)

    @property
    def height(self) -> int:
        return len(self.values)

    @cached_property
    def width(self) -> int:
        return max((len(row) for row in self.values), default=0)

    def cell(self, row: int, column: int):
        """The value at a 1-based position; None outside the grid or when blank."""
        if row < 1 or column < 1 or row > len(self.values):
            return None
        cells = self.values[row - 1]
        if column > len(cells):
            return None
        value = cells[column - 1]
        return None if value == "" else value

    def header_cell(self, row: int, column: int):
        """Like `cell`, but a cell covered by a merged range shows the range's top-left value."""
        for merged in self.merged:
            if merged.top <= row <= merged.bottom and merged.left <= column <= merged.right:
                return self.cell(merged.top, merged.left)
        return self.cell(row, column)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_grids(source: str | Path | Snapshot) -> dict[str, Grid]:
    """Every worksheet of an .xlsx/.xlsm as a Grid. Raises WorkbookReadError, never anything else.

    The file is read once (a Snapshot); every sheet's extent is checked by a linear scan before
    the native reader allocates its grid, so a crafted far cell is a one-line refusal."""
    snapshot = source if isinstance(source, Snapshot) else take_snapshot(source)
    archive = open_package(snapshot)
    with archive:
        extras = PackageExtras(snapshot.path, archive)
        extras.check_extents()
        if needs_canonical_copy(snapshot.path, archive, extras.package):
            grids = _calamine_grids(snapshot.path, canonical_copy(snapshot.path, archive, extras.package))
        else:
            grids = _calamine_grids(snapshot.path, snapshot.data)
        for grid in grids.values():
            extras.annotate(grid)
    return grids


def _calamine_grids(path: Path, data: bytes) -> dict[str, Grid]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
    except python_calamine.PasswordError:
        raise WorkbookReadError(path, "encrypted (password-protected): remove the password")
    except BaseException as exc:  # noqa: BLE001 - see INTERRUPTS
        _pass_interrupts(exc)
        raise WorkbookReadError(path, f"damaged workbook ({_one_line(exc)})")
    with book:
        names = [
            meta.name
            for meta in book.sheets_metadata
            if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if not names:
            raise WorkbookReadError(path, "the workbook has no worksheets")
        grids = {}
        for name in names:
            try:
                grids[name] = _sheet_grid(book.get_sheet_by_name(name))
            except BaseException as exc:  # noqa: BLE001 - see INTERRUPTS
                _pass_interrupts(exc)
                raise WorkbookReadError(path, f"sheet {shorten(name)}: {_sheet_reason(exc)}")
        try:
            _attach_tables(book, grids)
        except BaseException as exc:  # noqa: BLE001 - see INTERRUPTS
            _pass_interrupts(exc)
            raise WorkbookReadError(path, f"damaged workbook ({_one_line(exc)})")
    return grids


def _sheet_grid(sheet) -> Grid:
    # skip_empty_area=False keeps row/column 1 at index 0 whatever the first used cell is
    values = sheet.to_python(skip_empty_area=False)
    merged = [
        MergedRange(top + 1, left + 1, bottom + 1, right + 1)
        for (top, left), (bottom, right) in (sheet.merged_cell_ranges or [])
    ]
    return Grid(sheet=sheet.name, values=values, merged=merged)


def _attach_tables(book, grids: dict[str, Grid]) -> None:
    for name in book.table_names or []:
        table = book.get_table_by_name(name)
        if table.sheet not in grids or table.start is None or table.end is None:
            continue
        # calamine's start is the first data row (0-based); the header sits just above it
        (first_data, left), (bottom, right) = table.start, table.end
        grids[table.sheet].tables.append(
            TableRange(name, first_data, left + 1, bottom + 1, right + 1)
        )


def _pass_interrupts(exc: BaseException) -> None:
    if isinstance(exc, INTERRUPTS):
        raise exc


def _sheet_reason(exc: BaseException) -> str:
    text = _one_line(exc)
    if "Range is missing" in text:  # a merged range such as "A1:A", which Excel never writes
        return f"a merged range is not a range of cells ({shorten(text, 50)}): open and save it in Excel"
    return f"damaged sheet ({text})"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


