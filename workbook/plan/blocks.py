"""What to write where, as blocks: the one vocabulary shared by `kpi refresh` (files on disk)
and the add-in's ribbon scripts (xlwings actions).

A plan never says *how* to write. The file writer turns it into sheet XML inside the package;
the add-in turns it into one `setValues` per block and one colour action per run.

Coordinates are 1-based worksheet rows and columns, as a user reads them.
Values are `str` (always written as text, never as a formula), `float`/`int`, `bool` or `None`
(blank the cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kpi_rules import Counts, Rules
from kpi_rules.columns import factorize

Value = Any  # str | float | int | bool | None


class OneColumn(Sequence):
    """A one-column block's rows, (value,) each, kept as the column of values: a 100k-row
    refresh writes 400k cells, and a tuple per cell would be 20 MB more at its peak."""

    __slots__ = ("column",)

    def __init__(self, column):
        self.column = tuple(column)

    def __len__(self) -> int:
        return len(self.column)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return OneColumn(self.column[index])
        return (self.column[index],)

    def __iter__(self):
        return zip(self.column)

    def __eq__(self, other) -> bool:
        if isinstance(other, OneColumn):
            return self.column == other.column
        return isinstance(other, (tuple, list)) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


def column_of(values, offset: int, start: int = 0, stop: int | None = None) -> list:
    """values[start:stop][i][offset] for each row: a block's column, at C speed for OneColumn."""
    if isinstance(values, OneColumn) and offset == 0:
        return list(values.column[start:stop])
    return [row[offset] for row in values[start:stop]]


@dataclass(frozen=True, slots=True)
class CellBlock:
    """A rectangle of values written at once (one column, in practice)."""

    sheet: str
    top: int
    left: int
    values: tuple[tuple[Value, ...], ...] | OneColumn  # rows x columns
    number_format: str | None = None  # e.g. "0.0%" for variance %
    bold: bool = False  # headers we add

    @property
    def height(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        return len(self.values[0]) if self.values else 0

    @property
    def bottom(self) -> int:
        return self.top + self.height - 1

    @property
    def right(self) -> int:
        return self.left + self.width - 1


@dataclass(frozen=True, slots=True)
class ColourRun:
    """Consecutive cells of one column sharing one status: coloured with one action."""

    sheet: str
    top: int
    column: int
    height: int
    status: str  # on / within / off / none
    fill: str  # "#RRGGBB"


@dataclass(frozen=True, slots=True)
class StatusColourRule:
    """A conditional format: a cell of `ref` whose text equals `label` gets `fill`.

    Written by the file path so colours follow the text when a person edits a status.
    """

    sheet: str
    top: int
    left: int
    bottom: int
    right: int
    label: str
    status: str
    fill: str


@dataclass(frozen=True, slots=True)
class Hyperlink:
    row: int
    column: int
    location: str  # an in-book location, e.g. "'Sheet 1'!K13"


@dataclass
class ChartSpec:
    """A bar chart over a block of the sheet it lives on: one bar per category, the series
    stacked to 100% (`stacked`) or side by side; placed from its anchor cell, `columns` wide and
    `rows` high."""

    title: str
    categories: tuple[int, int, int, int]  # top, left, bottom, right (1-based, inclusive)
    series: list[tuple[str, tuple[int, int, int, int], str]]  # (name, range, fill colour)
    anchor_row: int = 2
    anchor_column: int = 8
    columns: int = 8
    rows: int = 16
    stacked: bool = False


@dataclass
class SheetContent:
    """A whole sheet the product owns ("KPI Validation", "KPI Summary"): replaced on refresh.

    Rows above `header_row` are a heading block (its first row the title); the table's header
    row is bold, stays in view when scrolling and is printed at the top of every page."""

    name: str
    rows: list[list[Value]]  # written from row 1
    header_row: int = 1
    auto_filter: bool = False  # a filter on the table (header row to the last row)
    column_formats: dict[int, str] = field(default_factory=dict)  # number format by column
    wrap_columns: frozenset[int] = frozenset()  # long text wrapped at the column's width
    column_widths: dict[int, float] = field(default_factory=dict)
    hyperlinks: list[Hyperlink] = field(default_factory=list)
    fills: list[ColourRun] = field(default_factory=list)
    chart: ChartSpec | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A typed status that the refresh replaced: reported to the user."""

    sheet: str
    cell: str
    reference: str | None
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class CellMark:
    """One offending cell marked with a fill (or its earlier mark cleared: fill None)."""

    sheet: str
    row: int
    column: int
    fill: str | None


@dataclass(frozen=True, slots=True)
class PrintTitles:
    """Rows and columns printed on every page of a KPI table's sheet (when it has none)."""

    sheet: str
    rows: tuple[int, int]  # top, bottom
    columns: tuple[int, int] | None  # left, right: the reference and indicator columns


@dataclass(frozen=True, slots=True)
class FindingRow:
    """What the "KPI Validation" sheet says about one finding, as a record (the add-in's task
    pane lists these): where the fix goes ("'Exception Notes'!B5", or None), the indicator, the
    problem in plain words, the details and what to do."""

    severity: str  # error / warning / info
    place: str | None
    reference: str | None
    indicator: str | None
    problem: str
    details: str
    advice: str
    owner: str | None
    marked: bool


@dataclass
class WorkbookPlan:
    blocks: list[CellBlock] = field(default_factory=list)
    colour_runs: list[ColourRun] = field(default_factory=list)  # add-in: fills
    colour_rules: list[StatusColourRule] = field(default_factory=list)  # file: conditional formats
    sheets: list[SheetContent] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    # The add-in's marks on offending cells: a fill, or fill None to clear an earlier mark.
    marks: list[CellMark] = field(default_factory=list)
    # Where marks may be (sheet, column, top, bottom): each table's commentary cells, whose
    # earlier marks a marking run replaces.
    mark_columns: list[tuple[str, int, int, int]] = field(default_factory=list)
    print_titles: list[PrintTitles] = field(default_factory=list)
    # Cells ("KPIs!G5") the refresh would write that hold a formula: left as they are.
    formulas_kept: list[str] = field(default_factory=list)
    # What the check counted (statuses, findings by severity): every message is worded from it.
    counts: Counts | None = None
    # The findings as the validation sheet lists them, worst first (when it was planned).
    findings: list[FindingRow] = field(default_factory=list)
    rules: Rules | None = None  # the rules the check used


def runs(values: list[Any]) -> list[tuple[int, int, Any]]:
    """Runs of equal consecutive values as (offset, length, value)."""
    if not len(values):
        return []
    values = list(values)
    codes, _ = factorize(values)
    starts = np.flatnonzero(np.diff(codes, prepend=-2))
    lengths = np.diff(starts, append=len(codes))
    return [(int(start), int(length), values[start]) for start, length in zip(starts, lengths)]


def content_widths(rows: list[list[Any]], first_row: int = 1, most: float = 60,
                   wrapped: dict[int, float] | None = None) -> dict[int, float]:
    """Column widths (in characters) that show every value from `first_row` on, header
    included, so that nothing is cut; a wrapped column gets its own width instead."""
    widths: dict[int, float] = {}
    for cells in rows[first_row - 1:]:
        for column, value in enumerate(cells, start=1):
            if value is not None and value != "":
                widths[column] = max(widths.get(column, 0), len(_shown(value)) + 2)
    wrapped = wrapped or {}
    return {column: float(max(8, min(wrapped.get(column, most), width)))
            for column, width in widths.items()}


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)
