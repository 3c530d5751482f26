"""What to write where, as blocks: the one vocabulary shared by `kpi refresh` (files on disk)
and the add-in's ribbon scripts (xlwings actions).

A plan never says *how* to write. The file writer turns it into sheet XML inside the package;
the add-in turns it into one `setValues` per block and one colour action per run.

Coordinates are 1-based worksheet rows and columns, as a user reads them.
Values are `str` (always written as text, never as a formula), `float`/`int`, `bool` or `None`
(blank the cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kpi_rules import Counts
from kpi_rules.columns import factorize

Value = Any  # str | float | int | bool | None


@dataclass(frozen=True)
class CellBlock:
    """A rectangle of values written at once (one column, in practice)."""

    sheet: str
    top: int
    left: int
    values: tuple[tuple[Value, ...], ...]  # rows x columns
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


@dataclass(frozen=True)
class ColourRun:
    """Consecutive cells of one column sharing one status: coloured with one action."""

    sheet: str
    top: int
    column: int
    height: int
    status: str  # on / within / off / none
    fill: str  # "#RRGGBB"


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Hyperlink:
    row: int
    column: int
    location: str  # an in-book location, e.g. "'Sheet 1'!K13"


@dataclass
class ChartSpec:
    """A clustered bar chart over a block of the sheet it lives on."""

    title: str
    categories: tuple[int, int, int, int]  # top, left, bottom, right (1-based, inclusive)
    series: list[tuple[str, tuple[int, int, int, int], str]]  # (name, range, fill colour)
    anchor_row: int = 2
    anchor_column: int = 8


@dataclass
class SheetContent:
    """A whole sheet the product owns ("KPI Validation", "KPI Summary"): replaced on refresh."""

    name: str
    rows: list[list[Value]]  # rows[0] is the header row, written at row 1
    column_widths: dict[int, float] = field(default_factory=dict)
    hyperlinks: list[Hyperlink] = field(default_factory=list)
    fills: list[ColourRun] = field(default_factory=list)
    chart: ChartSpec | None = None


@dataclass(frozen=True)
class StatusChange:
    """A typed status that the refresh replaced: reported to the user."""

    sheet: str
    cell: str
    reference: str | None
    before: str
    after: str


@dataclass(frozen=True)
class CellMark:
    """One offending cell marked with a fill (or its earlier mark cleared: fill None)."""

    sheet: str
    row: int
    column: int
    fill: str | None


@dataclass
class WorkbookPlan:
    blocks: list[CellBlock] = field(default_factory=list)
    colour_runs: list[ColourRun] = field(default_factory=list)  # add-in: fills
    colour_rules: list[StatusColourRule] = field(default_factory=list)  # file: conditional formats
    sheets: list[SheetContent] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    # The add-in's marks on offending cells: a fill, or fill None to clear an earlier mark.
    marks: list[CellMark] = field(default_factory=list)
    # What the check counted (statuses, findings by severity): every message is worded from it.
    counts: Counts | None = None


def runs(values: list[Any]) -> list[tuple[int, int, Any]]:
    """Runs of equal consecutive values as (offset, length, value)."""
    if not len(values):
        return []
    values = list(values)
    codes, _ = factorize(values)
    starts = np.flatnonzero(np.diff(codes, prepend=-2))
    lengths = np.diff(starts, append=len(codes))
    return [(int(start), int(length), values[start]) for start, length in zip(starts, lengths)]
