"""The five KPI cell functions as plain Python: callable anywhere, wrapped twice.

`addin/desktop_udfs.py` wraps them for the desktop xlwings add-in (=KPI_STATUS(...)) and
`addin/server/custom_functions` for the Office add-in (=KPI.STATUS(...)). Neither wrapper holds
logic; both turn `CellInputError` into the platform's cell error.

Arguments are raw cell values (numbers, "35%", "TBC", None, "#N/A", ...) or whole ranges:
a single column or a single row, as a 2-D list (`[[a], [b]]` or `[[a, b]]`) or a 1-D list.
A 1x1 range counts as a single value. When any argument is a range the result is a column
(`[[x], [y], ...]`, which spills in Excel); single-value arguments then apply to every row.
Ranges given together must have the same number of cells.

Polarity: "Bigger"/"Smaller" and the usual synonyms (Higher/Lower, Increase/Decrease,
Maximise/Minimise, "Bigger is better", "Low is good", ...). **Omitted or blank means bigger is
better**; any other word is not a known polarity and gives "not assessed", never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from kpi_rules.errors import KpiError

DEFAULT_POLARITY = "bigger"
DEFAULT_TOLERANCE = 0.10
DEFAULT_MODE = "relative"
MODES = ("relative", "points")
TREND_TEXT = {"improving": "Improving", "worsening": "Worsening", "no_change": "No change"}

HELP_ACTUAL = "The period's actual (outturn): a cell or a column. Text such as TBC or N/A is not assessed."
HELP_TARGET = "The target: a cell or a column of the same height as actual."
HELP_POLARITY = (
    'Optional. "Bigger" or "Smaller" is better (also Higher/Lower, Increase/Decrease, '
    "Maximise/Minimise). Omitted or blank: bigger is better."
)
HELP_TOLERANCE = (
    "Optional. Width of the 'within' band: 0.1 (or 10%) = within 10% of target in relative "
    "mode, or a number of units in points mode. Default 0.1."
)
HELP_MODE = 'Optional. "relative" (default: band = tolerance x |target|) or "points" (band = tolerance).'
HELP_CURRENT = "This period's value: a cell or a column."
HELP_PREVIOUS = "The previous value to compare with (last quarter, or same quarter last year)."
HELP_TREND_POLARITY = (
    'Optional. "Bigger" or "Smaller" is better. Omitted or blank: bigger is better.'
)


class CellInputError(KpiError):
    """Input a cell function cannot work with. The message is shown to the user as is."""


# --- engine access (imported lazily: kpi_rules is optional at import time) ---------------


@lru_cache(maxsize=1)
def _engine():
    import kpi_rules

    return kpi_rules


@lru_cache(maxsize=1)
def _rules():
    return _engine().default_rules()


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


# --- argument checks ---------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _tolerance(value: Any) -> float:
    if _is_blank(value):
        return DEFAULT_TOLERANCE
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            number = None
    if number is None or math.isnan(number) or math.isinf(number):
        raise CellInputError(f"tolerance must be a number such as 0.1 or 10%, not {value!r}")
    if number < 0:
        raise CellInputError(f"tolerance must not be negative, got {value!r}")
    return number


def _mode(value: Any) -> str:
    if _is_blank(value):
        return DEFAULT_MODE
    text = str(value).strip().lower()
    if text not in MODES:
        raise CellInputError(f'mode must be "relative" or "points", not {value!r}')
    return text


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


def _as_column(values: Sequence[Any]) -> list[list[Any]]:
    return [[value] for value in values]


# --- column path: one vectorised evaluate() call ------------------------------------------


def _evaluate(
    height: int,
    actual: Any,
    target: Any,
    polarity: Any,
    previous: Any = None,
    tolerance: Any = None,
    mode: Any = None,
):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "actual": _expand(actual, height),
            "target": _expand(target, height),
            "polarity": [_polarity(p) for p in _expand(polarity, height)],
            "previous": _expand(previous, height),
            "tolerance": [_tolerance(t) for t in _expand(tolerance, height)],
            "tolerance_mode": [_mode(m) for m in _expand(mode, height)],
        },
        dtype=object,
    )
    return _engine().evaluate(frame, _rules())


def _status_code(actual: Any, target: Any, polarity: Any, tolerance: Any, mode: Any) -> str:
    return _engine().status(
        actual, target, _polarity(polarity), tolerance=_tolerance(tolerance), mode=_mode(mode)
    )


def _status_like(
    column: str,
    scalar: Callable[[str], str],
    actual: Any,
    target: Any,
    polarity: Any,
    tolerance: Any,
    mode: Any,
) -> Any:
    height, (actual, target, polarity, tolerance, mode) = _broadcast(
        [
            ("actual", actual),
            ("target", target),
            ("polarity", polarity),
            ("tolerance", tolerance),
            ("mode", mode),
        ]
    )
    if height is None:
        return scalar(_status_code(actual, target, polarity, tolerance, mode))
    result = _evaluate(height, actual, target, polarity, tolerance=tolerance, mode=mode)
    return _as_column(_text_or_blank(v) for v in result[column].tolist())


# --- the five functions --------------------------------------------------------------------


def kpi_status(actual, target, polarity=None, tolerance=None, mode=None):
    """Status label for actual against target (the council's label for on / within / off /
    not assessed). Polarity omitted or blank: bigger is better."""
    return _status_like(
        "label", lambda code: _rules().label(code), actual, target, polarity, tolerance, mode
    )


def kpi_rag(actual, target, polarity=None, tolerance=None, mode=None):
    """RAG letter: "G" on target or better, "A" within tolerance, "R" off target, "" not
    assessed. Polarity omitted or blank: bigger is better."""
    return _status_like(
        "rag", lambda code: _rules().rag(code), actual, target, polarity, tolerance, mode
    )


def _variance_like(column: str, scalar_name: str, actual: Any, target: Any) -> Any:
    height, (actual, target) = _broadcast([("actual", actual), ("target", target)])
    if height is None:
        return _number_or_blank(getattr(_engine(), scalar_name)(actual, target))
    result = _evaluate(height, actual, target, None)
    return _as_column(_number_or_blank(v) for v in result[column].tolist())


def kpi_variance(actual, target):
    """Actual minus target, as the numbers say (blank when either is not a number)."""
    return _variance_like("variance", "variance", actual, target)


def kpi_variance_pct(actual, target):
    """(Actual - target) / |target| as a fraction (0.05 = 5%); blank when target is 0 or
    either is not a number."""
    return _variance_like("variance_pct", "variance_pct", actual, target)


def kpi_trend(current, previous, polarity=None):
    """Direction of travel: "Improving", "Worsening" or "No change" by polarity; blank when
    either value is missing. Polarity omitted or blank: bigger is better."""
    height, (current, previous, polarity) = _broadcast(
        [("current", current), ("previous", previous), ("polarity", polarity)]
    )
    if height is None:
        code = _engine().trend(current, previous, _polarity(polarity))
        return TREND_TEXT.get(code, "")
    result = _evaluate(height, current, None, polarity, previous=previous)
    return _as_column(TREND_TEXT.get(code, "") for code in result["trend"].tolist())


FUNCTIONS = {
    "KPI_STATUS": kpi_status,
    "KPI_RAG": kpi_rag,
    "KPI_VARIANCE": kpi_variance,
    "KPI_VARIANCE_PCT": kpi_variance_pct,
    "KPI_TREND": kpi_trend,
}
