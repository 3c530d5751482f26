"""Status bands, variance and trend: vectorised kernels and the one-indicator functions built on them.

The one-indicator functions call the same kernels with arrays of length one, so a cell function
and a whole-table refresh can never disagree.
"""

from __future__ import annotations

import math

import numpy as np

from .settings import (
    DEFAULT_MODE,
    DEFAULT_TOLERANCE,
    PERCENTAGE_POINTS,
    is_points,
    read_mode,
    read_tolerance,
)
from .units import YES_NO, align
from .values import parse_polarity, parse_value

STATUSES = ("on", "within", "off", "none")
ON, WITHIN, OFF, NONE = range(4)
TRENDS = ("improving", "worsening", "no_change", None)
IMPROVING, WORSENING, NO_CHANGE, NO_TREND = range(4)

# Relative epsilon: float noise (0.1 + 0.2) never moves a value across a band edge.
EPSILON = 1e-9

PERCENT_WORDS = ("%", "percent", "percentage")


def _edge_epsilon(scale: np.ndarray) -> np.ndarray:
    """The slack at an edge: EPSILON relative to the edge's size (at least EPSILON absolute).

    It depends on the target (and band) only, never on the actual, so that improving the actual
    can never worsen the status, and float noise (0.1 + 0.2 against 0.3) never crosses an edge.
    """
    return EPSILON * np.maximum(np.abs(scale), 1.0)


def gaps(actual: np.ndarray, target: np.ndarray, bigger: np.ndarray) -> np.ndarray:
    """Positive gap = better than target, whatever the polarity."""
    return np.where(bigger, actual - target, target - actual)


def status_codes(
    actual: np.ndarray,
    target: np.ndarray,
    polarity_known: np.ndarray,
    bigger: np.ndarray,
    tolerance: np.ndarray,
    points_mode: np.ndarray,
) -> np.ndarray:
    """Status code per row (ON/WITHIN/OFF/NONE) from parsed numbers; NaN anywhere -> NONE."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = gaps(actual, target, bigger)
        band = np.where(points_mode, tolerance, tolerance * np.abs(target))
        on = gap >= -_edge_epsilon(target)
        within = ~on & (-gap <= band + _edge_epsilon(np.abs(target) + band))
        assessed = polarity_known & np.isfinite(gap) & np.isfinite(band) & (band >= 0)
    codes = np.where(on, ON, np.where(within, WITHIN, OFF))
    return np.where(assessed, codes, NONE).astype(np.int8)


def yes_no_codes(codes: np.ndarray, actual: np.ndarray, target: np.ndarray,
                 yes_no: np.ndarray) -> np.ndarray:
    """A Yes/No indicator is on when the actual equals the target, otherwise off: no band, and
    no polarity needed."""
    if not yes_no.any():
        return codes
    with np.errstate(invalid="ignore"):
        equal = actual == target
    assessed = yes_no & np.isfinite(actual) & np.isfinite(target)
    return np.where(assessed, np.where(equal, ON, OFF), codes).astype(np.int8)


def trend_codes(
    current: np.ndarray, previous: np.ndarray, polarity_known: np.ndarray, bigger: np.ndarray
) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        change = gaps(current, previous, bigger)
        eps = _edge_epsilon(np.maximum(np.abs(current), np.abs(previous)))
        codes = np.where(change > eps, IMPROVING, np.where(change < -eps, WORSENING, NO_CHANGE))
        known = polarity_known & np.isfinite(change)
    return np.where(known, codes, NO_TREND).astype(np.int8)


def variances(actual: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A - T, (A - T) / |T|); NaN where either is missing, the percentage NaN where T = 0."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        raw = actual - target
        pct = np.where(target != 0, raw / np.abs(target), np.nan)
    # Beyond float range (a target of 1e-310) is no figure a report can show.
    return np.where(np.isfinite(raw), raw, np.nan), np.where(np.isfinite(pct), pct, np.nan)


def figure_tolerance(tolerance: np.ndarray, points_mode: np.ndarray,
                     percent_scale: np.ndarray) -> np.ndarray:
    """The tolerance on the figures' own scale. Points are in the units the sheet shows, so on a
    percentage indicator (held as fractions: 87% is 0.87) 2 points are 0.02."""
    return np.where(points_mode & percent_scale, tolerance / 100.0, tolerance)


def unit_mismatches(
    actual: np.ndarray,
    target: np.ndarray,
    actual_percent: np.ndarray,
    target_percent: np.ndarray,
    percent_indicator,
) -> np.ndarray:
    """Actual and target on different scales (0.35 against 35): reported, never guessed.

    - One side written as a percentage (a fraction), the other a plain number well above it:
      "35%" against 35.
    - Neither marked but the indicator is a percentage: 0.35 against 35.

    `percent_indicator` is a boolean per row, or a function of row positions giving them.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        a, t = np.abs(actual), np.abs(target)
        plain = np.where(actual_percent, t, a)
        fraction = np.where(actual_percent, a, t)
        one_marked = actual_percent != target_percent
        mixed = one_marked & (plain > 1.5) & (plain >= 10 * fraction)
        small, large = np.minimum(a, t), np.maximum(a, t)
        unmarked = (~actual_percent & ~target_percent
                    & (small > 0) & (small <= 1.5) & (large > 1.5) & (large >= 20 * small))  # fmt: skip
        both = np.isfinite(actual) & np.isfinite(target)
    if callable(percent_indicator):  # names looked at only where they matter
        rows = np.flatnonzero(unmarked)
        unmarked[rows] = percent_indicator(rows)
    else:
        unmarked &= percent_indicator
    return both & (mixed | unmarked)


def looks_like_percent_indicator(name) -> bool:
    if not isinstance(name, str):
        return False
    lowered = name.casefold()
    return any(word in lowered for word in PERCENT_WORDS)


# One indicator ------------------------------------------------------------------------------


def _one(value):
    parsed = parse_value(value)
    return np.array([parsed.number]), np.array([parsed.percent]), np.array([parsed.unit], dtype=object)


def _sides(actual, target, indicator):
    """(actual in the target's unit, target, cannot be compared, Yes/No, either side shown as a
    percentage) for one indicator: the same steps as a table (kpi_rules.table)."""
    a, a_pct, a_unit = _one(actual)
    t, t_pct, t_unit = _one(target)
    a, unit, units_differ = align(t, t_unit, t_pct, a, a_unit, a_pct)
    mismatch = units_differ | unit_mismatches(
        a, t, a_pct, t_pct, np.array([looks_like_percent_indicator(indicator)]))
    return a, t, bool(mismatch[0]), unit[0] == YES_NO, a_pct | t_pct


def _polarity_arrays(polarity) -> tuple[np.ndarray, np.ndarray]:
    code = polarity if polarity in ("bigger", "smaller") else parse_polarity(polarity)
    return np.array([code is not None]), np.array([code == "bigger"])


def status(actual, target, polarity, tolerance=DEFAULT_TOLERANCE, mode=DEFAULT_MODE,
           indicator=None) -> str:
    """'on' / 'within' / 'off' / 'none' for one indicator; raw cell values are accepted.

    Tolerance and mode are read by kpi_rules.settings (blank: the defaults; a bad one raises
    SettingError). `indicator` (the indicator's name) is only used to spot a unit mismatch in a
    "%" indicator.
    """
    mode = read_mode(mode) or DEFAULT_MODE
    tolerance = read_tolerance(tolerance, mode)
    a, t, mismatch, yes_no, shown_pct = _sides(actual, target, indicator)
    known, bigger = _polarity_arrays(polarity)
    if mismatch:
        return "none"
    points = np.array([is_points(mode)])
    band = figure_tolerance(np.array([DEFAULT_TOLERANCE if tolerance is None else tolerance]),
                            points, shown_pct | (mode == PERCENTAGE_POINTS))  # fmt: skip
    code = status_codes(a, t, known | yes_no, bigger, band, points)
    return STATUSES[yes_no_codes(code, a, t, np.array([yes_no]))[0]]


def _variances(actual, target, indicator) -> tuple[float, float]:
    a, t, mismatch, yes_no, _ = _sides(actual, target, indicator)
    if mismatch or yes_no:
        return math.nan, math.nan
    raw, pct = variances(a, t)
    return float(raw[0]), float(pct[0])


def variance(actual, target, indicator=None) -> float | None:
    """A - T; None when either is not a number or they are on different scales."""
    raw, _ = _variances(actual, target, indicator)
    return None if math.isnan(raw) else raw


def variance_pct(actual, target, indicator=None) -> float | None:
    """(A - T) / |T|; None also when T = 0."""
    _, pct = _variances(actual, target, indicator)
    return None if math.isnan(pct) else pct


def trend(current, previous, polarity, indicator=None) -> str | None:
    """'improving' / 'worsening' / 'no_change', or None when either value is missing, the polarity
    is unknown, or the two are on different scales ("35%" against 35)."""
    known, bigger = _polarity_arrays(polarity)
    p, c, mismatch, _, _ = _sides(previous, current, indicator)  # the previous, in the current's unit
    if mismatch:
        return None
    return TRENDS[trend_codes(c, p, known, bigger)[0]]


def favourable(actual, target, polarity) -> bool | None:
    code = status(actual, target, polarity, tolerance=0.0, mode="points")
    return None if code == "none" else code == "on"
