"""A detected KPI table as named columns of raw cell values, ready for the rules engine."""

from __future__ import annotations

import numpy as np

from kpi_rules import split_reference
from kpi_rules.columns import Columns, as_array
from workbook.read.grid import Grid
from workbook.read.tables import TableLayout

TABLE_COLUMNS = (
    "sheet", "row", "section", "reference", "indicator", "polarity", "actual", "target",
    "previous", "commentary", "status_typed", "unit",
)
PERCENT_FLAGS = {"actual": "actual_is_percent", "target": "target_is_percent",
                 "previous": "previous_is_percent"}  # fmt: skip
ROLE_TO_FRAME = {"status": "status_typed"}


def table_columns(grid: Grid, layout: TableLayout) -> Columns:
    """One row per indicator: raw values (object dtype) plus percent-format flags."""
    rows = layout.data_rows
    data: dict[str, list] = {
        "sheet": [grid.sheet] * len(rows),
        "row": rows,
        "section": [layout.sections[row] for row in rows],
    }
    cells = [grid.values[row - 1] for row in rows]
    for role in ("reference", "indicator", "polarity", "actual", "target", "previous",
                 "commentary", "status", "unit"):  # fmt: skip
        column = layout.columns.get(role)
        data[ROLE_TO_FRAME.get(role, role)] = _column_values(cells, column)
    for name in ("reference", "indicator"):  # "MKC 1611 " and "MKC 1611" are one reference
        data[name] = [value.strip() if isinstance(value, str) else value for value in data[name]]
    if layout.reference_in_indicator:
        pairs = [split_reference(text) for text in data["indicator"]]
        data["reference"] = [reference for reference, _ in pairs]
        data["indicator"] = [
            rest if reference else text for (reference, rest), text in zip(pairs, data["indicator"])
        ]
    table = Columns({name: as_array(data[name]) for name in TABLE_COLUMNS}, len(rows))
    table["row"] = np.array(rows, dtype=np.int64)
    for role, flag in PERCENT_FLAGS.items():
        table[flag] = _percent_flags(grid, rows, layout.columns.get(role))
    table["status_formula"] = _flags(grid.formula_cells, rows, layout.columns.get("status"))
    return table


def _column_values(rows: list[list], column: int | None) -> list:
    """One column of the data rows; blanks ("" from calamine) are None."""
    if column is None:
        return [None] * len(rows)
    index = column - 1
    if all(len(cells) > index for cells in rows):
        values = [cells[index] for cells in rows]
    else:  # ragged rows, as an add-in script may send
        values = [cells[index] if index < len(cells) else None for cells in rows]
    return [None if value == "" else value for value in values]


def _percent_flags(grid: Grid, rows: list[int], column: int | None) -> np.ndarray:
    return _flags(grid.percent_cells, rows, column)


def _flags(cells, rows: list[int], column: int | None) -> np.ndarray:
    """For each row, whether its cell in `column` is one of `cells` (a PercentCells)."""
    if column is None or not cells:
        return np.zeros(len(rows), dtype=bool)
    return np.asarray(cells.flags(rows, column), dtype=bool)


