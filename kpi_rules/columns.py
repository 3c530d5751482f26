"""A table as named numpy columns, and the few table operations the engine needs.

The engine's one API (`evaluate_columns`, `table_findings`, `notes_commentary`) works on these:
the file path, the add-in and the cell functions call it. Importing pandas alone costs about
0.2 s, most of a 10,000-row refresh. `evaluate`, `find_findings` and `attach_notes` are thin
DataFrame adapters over it for callers who have a DataFrame; they need the optional extra
(`pip install kpi-addin[pandas]`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np


class Columns(dict):
    """Named 1-D numpy arrays of one length (`height`): the engine's table without pandas."""

    def __init__(self, columns: Mapping | Iterable = (), height: int | None = None):
        super().__init__(columns)
        if height is None:
            height = len(next(iter(self.values()))) if self else 0
        self.height = height

    def column(self, name: str) -> np.ndarray:
        """The named column, or an object column of None when the table has none."""
        if name in self:
            return self[name]
        return np.full(self.height, None, dtype=object)

    def flags(self, name: str) -> np.ndarray:
        """A yes/no column as booleans (a new array); missing values and an absent column: False."""
        if name not in self:
            return np.zeros(self.height, dtype=bool)
        values = self[name]
        if values.dtype == bool:
            return values.copy()
        return np.array([bool(v) and not is_missing(v) for v in values.tolist()], dtype=bool)

    def take(self, positions: np.ndarray) -> Columns:
        """The rows at these positions (or where a boolean mask is true), in that order."""
        positions = np.flatnonzero(positions) if positions.dtype == bool else positions
        return Columns({name: values[positions] for name, values in self.items()}, len(positions))

    @staticmethod
    def concat(parts: list[Columns]) -> Columns:
        """Rows of each part in turn; a column some parts lack is None there."""
        names = list(dict.fromkeys(name for part in parts for name in part))
        return Columns({name: _concat_column([part.column(name) for part in parts])
                        for name in names}, sum(part.height for part in parts))  # fmt: skip

    def to_frame(self):
        """A pandas DataFrame of the same columns (object columns stay object)."""
        pd = pandas()

        return pd.DataFrame({name: pd.Series(values, dtype=values.dtype, copy=False)
                             for name, values in self.items()}, index=pd.RangeIndex(self.height))  # fmt: skip


def pandas():
    """pandas, for the DataFrame adapters only (the optional extra kpi-addin[pandas])."""
    try:
        import pandas
    except ImportError:
        raise ImportError("the DataFrame adapters need pandas: pip install kpi-addin[pandas]") from None
    return pandas


def _concat_column(arrays: list[np.ndarray]) -> np.ndarray:
    if len({array.dtype for array in arrays}) == 1:
        return np.concatenate(arrays)
    return np.concatenate([array.astype(object) for array in arrays])


def as_array(values) -> np.ndarray:
    """A 1-D numpy array from a numpy array, a list or a pandas Series (no copy when possible)."""
    if isinstance(values, np.ndarray):
        return values
    if hasattr(values, "to_numpy"):  # a pandas Series, without importing pandas
        array = values.to_numpy()
        return array if array.dtype.kind in "biuf" else values.to_numpy(dtype=object)
    values = list(values)
    return np.fromiter(values, dtype=object, count=len(values))  # a tuple is one element


def is_missing(value) -> bool:
    """None, NaN or pandas' NA/NaT: no value at all."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return True
    try:
        return bool(value != value)  # noqa: PLR0124 (NaN-like scalars: numpy floats)
    except (TypeError, ValueError):  # array-likes
        return False


NEVER_MISSING = frozenset({str, int, bool, tuple})  # exact types for which is_missing is always False


def factorize(values) -> tuple[np.ndarray, list]:
    """(codes, distinct values in order of first appearance); a missing value has code -1.

    One implementation, a dict, whoever calls (a DataFrame caller included): the file path never
    imports pandas, and the result never depends on whether pandas happens to be loaded.
    """
    items = as_array(values).tolist()
    try:
        lookup = dict.fromkeys(items)  # distinct values in order, at C speed
    except TypeError:  # an unhashable cell (a list from some caller): each row is its own value
        codes = np.arange(len(items), dtype=np.intp)
        return _drop_missing(codes, items)
    for code, value in enumerate(lookup):
        lookup[value] = code
    codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.intp, count=len(items))
    return _drop_missing(codes, list(lookup))


def _drop_missing(codes: np.ndarray, distinct: list) -> tuple[np.ndarray, list]:
    never = NEVER_MISSING
    gone = [i for i, value in enumerate(distinct) if type(value) not in never and is_missing(value)]
    if not gone:
        return codes, distinct
    missing = np.zeros(len(distinct), dtype=bool)
    missing[gone] = True
    remap = np.cumsum(~missing) - 1
    remap[missing] = -1
    return remap[codes], [value for value, out in zip(distinct, missing.tolist()) if not out]


def by_unique(values, function: Callable, missing, dtype=object) -> np.ndarray:
    """function(value) for every row, computed once per distinct value; `missing` for blanks."""
    codes, distinct = factorize(values)
    mapped = np.empty(len(distinct) + 1, dtype=dtype)
    mapped[:] = [function(value) for value in distinct] + [missing]
    return mapped[codes]


def first_occurrences(codes: np.ndarray) -> np.ndarray:
    """True at the first row of each code."""
    first = np.zeros(len(codes), dtype=bool)
    _, index = np.unique(codes, return_index=True)
    first[index] = True
    return first
