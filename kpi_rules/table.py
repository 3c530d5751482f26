"""A whole table of indicators in, the same table with statuses, variances and trends out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rules import RAG_LETTERS, Rules, default_rules
from .status import (
    STATUSES,
    TRENDS,
    looks_like_percent_indicator,
    status_codes,
    trend_codes,
    unit_mismatches,
    variances,
)
from .values import (
    KIND_BLANK,
    KIND_ERROR,
    KIND_MARKER,
    parse_column,
    parse_polarity,
    parse_value,
)

OUTPUT_COLUMNS = (
    "actual_value", "target_value", "previous_value", "polarity_code", "tolerance",
    "tolerance_mode", "unit_mismatch", "status", "label", "rag", "colour", "variance",
    "variance_pct", "favourable", "trend", "typed_status",
)  # fmt: skip


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _flag(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    values = frame[name]
    if values.dtype == bool:
        return values.to_numpy(dtype=bool, copy=True)
    return values.astype(object).where(values.notna(), False).astype(bool).to_numpy()


def _by_unique(values: pd.Series, function, empty) -> np.ndarray:
    """function(value) for every row, computed once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:] = [function(u) for u in uniques] + [empty]
    return mapped[codes]


def _row_polarity(value) -> str | None:
    """'bigger' / 'smaller'; '' for a blank or marker cell (take the rules'); None when unreadable."""
    code = parse_polarity(value)
    if code is not None:
        return code
    if value is None or parse_value(value).kind in (KIND_BLANK, KIND_MARKER, KIND_ERROR):
        return ""
    return None


def _overrides(frame: pd.DataFrame, rules: Rules) -> np.ndarray:
    """The rules' per-indicator override for each row (or None), one look-up per distinct pair."""
    ref_codes, refs = pd.factorize(_column(frame, "reference"), use_na_sentinel=True)
    name_codes, names = pd.factorize(_column(frame, "indicator"), use_na_sentinel=True)
    pair_codes, pairs = pd.factorize((ref_codes + 1).astype(np.int64) * (len(names) + 1)
                                     + (name_codes + 1))  # fmt: skip
    refs, names = [None, *refs], [None, *names]
    mapped = np.empty(len(pairs), dtype=object)
    mapped[:] = [rules.override_for(refs[p // (len(names))], names[p % len(names)]) for p in pairs]
    return mapped[pair_codes]


def _settings(frame: pd.DataFrame, rules: Rules):
    """Polarity, tolerance and mode per row: the row's own, else an override, else the rules.

    A polarity cell that is filled in but unreadable ("Sideways") is not replaced by the rules'
    default: the indicator is not assessed (never guess a polarity silently).
    """
    n = len(frame)
    polarity = _by_unique(_column(frame, "polarity"), _row_polarity, "")
    blank = polarity == ""
    tolerance = np.full(n, rules.tolerance)
    points = np.full(n, rules.tolerance_mode == "points")
    if rules.indicators:
        overrides = _overrides(frame, rules)
        for i in np.flatnonzero(overrides != None):  # element-wise
            override = overrides[i]
            if blank[i] and override.polarity:
                polarity[i], blank[i] = override.polarity, False
            if override.tolerance is not None:
                tolerance[i] = override.tolerance
            if override.tolerance_mode is not None:
                points[i] = override.tolerance_mode == "points"
    if "tolerance" in frame:
        own, _ = parse_column(frame["tolerance"])
        tolerance = np.where(np.isnan(own), tolerance, own)
    if "tolerance_mode" in frame:
        modes = _by_unique(frame["tolerance_mode"], _mode_code, "")
        points = np.where(modes == "", points, modes == "points")
    polarity[blank] = rules.polarity
    return polarity, tolerance, points


def _mode_code(value) -> str:
    if not isinstance(value, str):
        return ""
    folded = value.strip().casefold()
    return folded if folded in ("points", "relative") else ""


def evaluate(frame: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """Add status, label, RAG, colour, variance, variance %, trend and checks to every row.

    Input columns (any may be missing): reference, indicator, polarity, actual, target, previous,
    commentary, status_typed, actual_is_percent, target_is_percent, previous_is_percent,
    tolerance, tolerance_mode.
    """
    rules = rules or default_rules()
    actual, actual_pct = parse_column(_column(frame, "actual"))
    target, target_pct = parse_column(_column(frame, "target"))
    previous, previous_pct = parse_column(_column(frame, "previous"))
    actual_pct |= _flag(frame, "actual_is_percent")
    target_pct |= _flag(frame, "target_is_percent")
    previous_pct |= _flag(frame, "previous_is_percent")
    polarity, tolerance, points = _settings(frame, rules)
    known = polarity != None  # element-wise
    bigger = polarity == "bigger"

    names = frame["indicator"].to_numpy(dtype=object) if "indicator" in frame else None

    def percent_indicator(rows: np.ndarray) -> np.ndarray:
        if names is None or not len(rows):
            return np.zeros(len(rows), dtype=bool)
        return _percent_indicators(pd.Series(names[rows], dtype=object))

    mismatch = unit_mismatches(actual, target, actual_pct, target_pct, percent_indicator)
    scales_differ = unit_mismatches(actual, previous, actual_pct, previous_pct, percent_indicator)
    codes = status_codes(actual, target, known & ~mismatch, bigger, tolerance, points)
    trends = trend_codes(actual, previous, known & ~scales_differ, bigger)
    raw, pct = variances(np.where(mismatch, np.nan, actual), target)

    # A shallow copy: the input is never changed (pandas copy-on-write), and no data is copied.
    out = frame.copy(deep=False)
    out["actual_value"], out["target_value"], out["previous_value"] = actual, target, previous
    out["polarity_code"] = _objects(polarity, out.index)
    out["tolerance"] = tolerance
    out["tolerance_mode"] = _pick(("relative", "points"), points.astype(np.int8), out.index)
    out["unit_mismatch"] = mismatch
    out["status"] = _pick(STATUSES, codes, out.index)
    out["label"] = _pick([rules.label(s) for s in STATUSES], codes, out.index)
    out["rag"] = _pick([RAG_LETTERS[s] for s in STATUSES], codes, out.index)
    out["colour"] = _pick([rules.colour(s) for s in STATUSES], codes, out.index)
    out["variance"], out["variance_pct"] = raw, pct
    out["favourable"] = _pick([True, False, False, None], codes, out.index)
    out["trend"] = _pick(TRENDS, trends, out.index)
    typed = (_typed_statuses(frame["status_typed"], rules) if "status_typed" in frame
             else np.full(len(frame), None, dtype=object))  # fmt: skip
    out["typed_status"] = _objects(typed, out.index)
    return out


def _objects(values: np.ndarray, index: pd.Index) -> pd.Series:
    """An object column, so that a missing value stays None (pandas would infer NaN)."""
    return pd.Series(np.asarray(values, dtype=object), index=index, dtype=object, copy=False)


def _pick(choices, codes: np.ndarray, index: pd.Index) -> pd.Series:
    return _objects(np.array(list(choices), dtype=object)[codes], index)


def _percent_indicators(names: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    mapped = np.array([looks_like_percent_indicator(u) for u in uniques] + [False], dtype=bool)
    return mapped[codes]


def _typed_statuses(values: pd.Series, rules: Rules) -> np.ndarray:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([rules.status_from_label(u) for u in uniques] + [None], dtype=object)
    return mapped[codes]


__all__ = ["OUTPUT_COLUMNS", "evaluate", "parse_polarity"]
