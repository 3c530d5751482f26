"""What the cells under a header hold, column by column: the content half of table detection.

Only the head of the table is looked at (the first SAMPLE rows under the header), so detection
costs the same on a 100,000-row sheet as on a 40-row one.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi_rules.rules import default_rules
from kpi_rules.values import KIND_BLANK, KIND_TEXT, parse_value
from workbook.read.grid import Grid

SAMPLE = 50


@dataclass(frozen=True)
class ColumnProfile:
    figures: int = 0  # numbers, percentages, money, durations, Yes/No
    markers: int = 0  # N/A, TBC, "-", suppressed values, Excel errors
    texts: int = 0  # any other text
    statuses: int = 0  # texts that are status labels or RAG letters/words

    @property
    def mostly_text(self) -> bool:
        """Never an actual or a target: more words than figures and markers."""
        return self.texts > self.figures + self.markers

    @property
    def typed_statuses(self) -> bool:
        return self.statuses > 0 and self.statuses * 2 >= self.texts


def profile_columns(grid: Grid, header_row: int, columns, sample: int = SAMPLE,
                    ) -> dict[int, ColumnProfile]:  # fmt: skip
    """A ColumnProfile per column for the rows just under a header row."""
    rows = grid.values[header_row:header_row + sample]
    labels = default_rules()
    read: dict = {}
    profiles = {}
    for column in columns:
        counts = [0, 0, 0, 0]
        for cells in rows:
            value = cells[column - 1] if column - 1 < len(cells) else None
            if value is None or value == "":
                continue
            kind = read.get(value) if isinstance(value, str) else None
            if kind is None:
                kind = _kind(value, labels)
                if isinstance(value, str):
                    read[value] = kind
            if kind >= 0:
                counts[kind] += 1
            if kind == 2 and labels.status_from_label(value) is not None:
                counts[3] += 1
        profiles[column] = ColumnProfile(*counts)
    return profiles


def _kind(value, labels) -> int:
    """0 a figure, 1 a marker, 2 text, -1 blank."""
    parsed = parse_value(value)
    if parsed.is_number:
        return 0
    if parsed.kind == KIND_BLANK:
        return -1
    if parsed.kind == KIND_TEXT:
        return 2
    return 1


def figure_rows(grid: Grid, rows: list[int], columns: list[int], needed: int = 2) -> int:
    """How many of these rows (up to `needed`) have a figure in one of these columns."""
    found = 0
    for row in rows:
        cells = grid.values[row - 1]
        if any(column - 1 < len(cells) and parse_value(cells[column - 1]).is_number
               for column in columns):  # fmt: skip
            found += 1
            if found >= needed:
                break
    return found
