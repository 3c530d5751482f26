"""The five KPI cell functions as plain Python: callable anywhere, wrapped twice.

`addin/desktop_udfs.py` wraps them for the desktop xlwings add-in (=KPI_STATUS(...)) and
`addin/server/custom_functions` for the Office add-in (=KPI.STATUS(...)). Neither wrapper holds
logic; both turn `CellInputError` into the platform's cell error. Ranges go to the engine's
core, `kpi_rules.table.evaluate_columns` (numpy, no pandas); single cells to its one-indicator
functions (`kpi_rules.status`), which run the same kernels on arrays of one, with the same
reader of tolerance and mode, about 4x faster per call than a one-row table.

Arguments are raw cell values (numbers, "35%", "TBC", None, "#N/A", ...) or whole ranges:
a single column or a single row, as a 2-D list (`[[a], [b]]` or `[[a, b]]`) or a 1-D list.
A 1x1 range counts as a single value. When any argument is a range the result is a column
(`[[x], [y], ...]`, which spills in Excel); single-value arguments then apply to every row.
Ranges given together must have the same number of cells.

Polarity: "Bigger"/"Smaller" and the usual synonyms (Higher/Lower, Increase/Decrease,
Maximise/Minimise, "Bigger is better", "Low is good", ...). **Omitted or blank means bigger is
better**; any other word is not a known polarity and gives "not assessed", never a guess.

Tolerance and mode are read as the rules file reads them (kpi_rules.settings): in relative mode
a tolerance over 1 is refused (write 0.05 or "5%" for 5%). In points mode the band is in the
units the figures show: a cell function sees values only, not number formats, so it knows a
figure is a percentage when it is typed as one ("87%"), or when the mode says so:
"percentage points" (the figures are percentages held as fractions, as a cell formatted as %
holds them: 87% is 0.87) makes a tolerance of 2 mean 2 percentage points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from kpi_rules.errors import KpiError

DEFAULT_POLARITY = "bigger"
TREND_TEXT = {"improving": "Improving", "worsening": "Worsening", "no_change": "No change"}

HELP_ACTUAL = "The period's actual (outturn): a cell or a column. Text such as TBC or N/A is not assessed."
HELP_TARGET = "The target: a cell or a column of the same height as actual."
HELP_POLARITY = (
    'Optional. "Bigger" or "Smaller" is better (also Higher/Lower, Increase/Decrease, '
    "Maximise/Minimise). Omitted or blank: bigger is better."
)
HELP_TOLERANCE = (
    "Optional. Width of the 'within' band. Relative mode: a fraction of the target, 0.1 or "
    "10% (at most 1). Points mode: a number of points, e.g. 2. Default 0.1."
)
HELP_MODE = (
    'Optional. "relative" (default: band = tolerance x |target|), "points" (band = tolerance, '
    'in the figures\' units; percentage points for "87%" text) or "percentage points" (the '
    "figures are % cells: 2 = 2 percentage points)."
)
HELP_CURRENT = "This period's value: a cell or a column."
HELP_PREVIOUS = "The previous value to compare with (last quarter, or same quarter last year)."
HELP_TREND_POLARITY = (
    'Optional. "Bigger" or "Smaller" is better. Omitted or blank: bigger is better.'
)


class CellInputError(KpiError):
    """Input a cell function cannot work with. The message is shown to the user as is."""


@lru_cache(maxsize=1)
def _rules():
    from kpi_rules import default_rules

    return default_rules()


# --- argument shapes ---------------------------------------------------------------------


class _Column(list):
    """A range argument flattened to its cells (top to bottom, or left to right)."""


def _shape(name: str, value: Any) -> Any:
    """A scalar stays a scalar; a 1x1 range becomes a scalar; a line becomes a _Column."""
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        return value
    if not value:
        return None
    if all(isinstance(row, (list, tuple)) for row in value):
        rows = [list(row) for row in value]
        height, width = len(rows), max((len(row) for row in rows), default=0)
        if width == 0:
            return None
        if height == 1:
            cells = rows[0]
        elif width == 1:
            cells = [row[0] if row else None for row in rows]
        else:
            raise CellInputError(
                f"{name} must be a single column or row, not a {height}x{width} block"
            )
    elif any(isinstance(row, (list, tuple)) for row in value):
        raise CellInputError(f"{name} mixes single values and rows")
    else:
        cells = value
    if len(cells) == 1:
        return cells[0]
    return _Column(cells)


def _broadcast(named: Sequence[tuple[str, Any]]) -> tuple[int | None, list[Any]]:
    """Shape every argument; return (height or None when all are scalars, shaped args)."""
    shaped = [_shape(name, value) for name, value in named]
    height = None
    first = None
    for (name, _), value in zip(named, shaped):
        if isinstance(value, _Column):
            if height is None:
                height, first = len(value), name
            elif len(value) != height:
                raise CellInputError(
                    f"{first} has {height} cells but {name} has {len(value)}: "
                    "give ranges of the same height"
                )
    return height, shaped


def _expand(value: Any, height: int) -> list[Any]:
    return list(value) if isinstance(value, _Column) else [value] * height


# --- arguments to engine columns -----------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _polarity(value: Any) -> Any:
    """Blank -> the documented default; anything else is passed on for the engine to read."""
    return DEFAULT_POLARITY if _is_blank(value) else value


def _number_or_blank(value: Any) -> Any:
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(number) or math.isinf(number):
        return ""
    return number


def _text_or_blank(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _cells(values: list[Any]) -> np.ndarray:
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    return cells


# The functions' names for the engine's columns, in its messages.
_ARGUMENT = {"tolerance_mode": "mode"}


def _engine_call(call, *args):
    """call(*args), with a bad tolerance or mode as a CellInputError in the engine's words."""
    from kpi_rules.settings import SettingError

    try:
        return call(*args)
    except SettingError as exc:
        raise CellInputError(f"{_ARGUMENT.get(exc.key, exc.key)}: {exc.reason}") from None


def _one(name: str, *args):
    """One of kpi_rules.status's one-indicator functions on single cells."""
    from kpi_rules.status import status, trend, variance, variance_pct

    functions = {"status": status, "trend": trend, "variance": variance,
                 "variance_pct": variance_pct}  # fmt: skip
    return _engine_call(functions[name], *args)


def _evaluate(height: int, **arguments: Any):
    """The engine's core on the arguments as columns (one row for single cells). Tolerance and
    mode are read by kpi_rules.settings, as in the rules file: a bad one becomes a CellInputError
    with the same words."""
    from kpi_rules.table import evaluate_columns

    columns = {name: _expand(value, height) for name, value in arguments.items()}
    if "polarity" in columns:
        columns["polarity"] = [_polarity(p) for p in columns["polarity"]]
    return _engine_call(evaluate_columns, {name: _cells(v) for name, v in columns.items()},
                        _rules())


def _spilled(values) -> list[list[Any]]:
    return [[value] for value in values]


def _status_like(column: str, actual, target, polarity, tolerance, mode) -> Any:
    height, (actual, target, polarity, tolerance, mode) = _broadcast(
        [("actual", actual), ("target", target), ("polarity", polarity),
         ("tolerance", tolerance), ("mode", mode)]
    )  # fmt: skip
    if height is None:
        code = _one("status", actual, target, _polarity(polarity), tolerance, mode)
        return _rules().label(code) if column == "label" else _rules().rag(code)
    result = _evaluate(height, actual=actual, target=target, polarity=polarity,
                       tolerance=tolerance, tolerance_mode=mode)  # fmt: skip
    return _spilled(_text_or_blank(v) for v in result[column].tolist())


def _variance_like(column: str, actual: Any, target: Any) -> Any:
    height, (actual, target) = _broadcast([("actual", actual), ("target", target)])
    if height is None:
        return _number_or_blank(_one(column, actual, target))
    result = _evaluate(height, actual=actual, target=target)
    return _spilled(_number_or_blank(v) for v in result[column].tolist())


# --- the five functions --------------------------------------------------------------------


def kpi_status(actual, target, polarity=None, tolerance=None, mode=None):
    """Status label for actual against target (the council's label for on / within / off /
    not assessed). Polarity omitted or blank: bigger is better."""
    return _status_like("label", actual, target, polarity, tolerance, mode)


def kpi_rag(actual, target, polarity=None, tolerance=None, mode=None):
    """RAG letter: "G" on target or better, "A" within tolerance, "R" off target, "" not
    assessed. Polarity omitted or blank: bigger is better."""
    return _status_like("rag", actual, target, polarity, tolerance, mode)


def kpi_variance(actual, target):
    """Actual minus target, as the numbers say (blank when either is not a number)."""
    return _variance_like("variance", actual, target)


def kpi_variance_pct(actual, target):
    """(Actual - target) / |target| as a fraction (0.05 = 5%); blank when target is 0 or
    either is not a number."""
    return _variance_like("variance_pct", actual, target)


def kpi_trend(current, previous, polarity=None):
    """Direction of travel: "Improving", "Worsening" or "No change" by polarity; blank when
    either value is missing. Polarity omitted or blank: bigger is better."""
    height, (current, previous, polarity) = _broadcast(
        [("current", current), ("previous", previous), ("polarity", polarity)]
    )
    if height is None:
        return TREND_TEXT.get(_one("trend", current, previous, _polarity(polarity)), "")
    result = _evaluate(height, actual=current, previous=previous, polarity=polarity)
    return _spilled(TREND_TEXT.get(code, "") for code in result["trend"].tolist())


FUNCTIONS = {
    "KPI_STATUS": kpi_status,
    "KPI_RAG": kpi_rag,
    "KPI_VARIANCE": kpi_variance,
    "KPI_VARIANCE_PCT": kpi_variance_pct,
    "KPI_TREND": kpi_trend,
}
