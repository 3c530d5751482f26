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
from .values import parse_column, parse_polarity, parse_polarity_column

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
    return frame[name].fillna(False).to_numpy(dtype=bool)


def _settings(frame: pd.DataFrame, rules: Rules):
    """Polarity, tolerance and mode per row: the row's own, else an override, else the rules."""
    n = len(frame)
    polarity = parse_polarity_column(_column(frame, "polarity"))
    tolerance = np.full(n, rules.tolerance)
    points = np.full(n, rules.tolerance_mode == "points")
    if rules.indicators:
        references, names = _column(frame, "reference"), _column(frame, "indicator")
        for i, (ref, name) in enumerate(zip(references, names)):
            override = rules.override_for(ref, name)
            if override is None:
                continue
            if polarity[i] is None and override.polarity:
                polarity[i] = override.polarity
            if override.tolerance is not None:
                tolerance[i] = override.tolerance
            if override.tolerance_mode is not None:
                points[i] = override.tolerance_mode == "points"
    if "tolerance" in frame:
        own = pd.to_numeric(frame["tolerance"], errors="coerce").to_numpy(dtype=float)
        tolerance = np.where(np.isnan(own), tolerance, own)
    if "tolerance_mode" in frame:
        modes = frame["tolerance_mode"].to_numpy(dtype=object)
        given = np.array([isinstance(m, str) for m in modes])
        points = np.where(given, modes == "points", points)
    if rules.polarity:
        polarity = np.where(pd.isna(polarity), rules.polarity, polarity)
    return polarity, tolerance, points


def evaluate(frame: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """Add status, label, RAG, colour, variance, variance %, trend and checks to every row.

    Input columns (any may be missing): reference, indicator, polarity, actual, target, previous,
    commentary, status_typed, actual_is_percent, target_is_percent, previous_is_percent,
    tolerance, tolerance_mode.
    """
    rules = rules or default_rules()
    actual, actual_pct = parse_column(_column(frame, "actual"))
    target, target_pct = parse_column(_column(frame, "target"))
    previous, _ = parse_column(_column(frame, "previous"))
    actual_pct |= _flag(frame, "actual_is_percent")
    target_pct |= _flag(frame, "target_is_percent")
    polarity, tolerance, points = _settings(frame, rules)
    known = pd.notna(polarity)
    bigger = polarity == "bigger"

    percent_indicator = _percent_indicators(_column(frame, "indicator"))
    mismatch = unit_mismatches(actual, target, actual_pct, target_pct, percent_indicator)
    codes = status_codes(actual, target, known & ~mismatch, bigger, tolerance, points)
    trends = trend_codes(actual, previous, known, bigger)
    raw, pct = variances(np.where(mismatch, np.nan, actual), target)

    out = frame.copy()
    out["actual_value"], out["target_value"], out["previous_value"] = actual, target, previous
    out["polarity_code"] = _objects(polarity, out.index)
    out["tolerance"], out["tolerance_mode"] = tolerance, np.where(points, "points", "relative")
    out["unit_mismatch"] = mismatch
    out["status"] = _pick(STATUSES, codes, out.index)
    out["label"] = _pick([rules.label(s) for s in STATUSES], codes, out.index)
    out["rag"] = _pick([RAG_LETTERS[s] for s in STATUSES], codes, out.index)
    out["colour"] = _pick([rules.colour(s) for s in STATUSES], codes, out.index)
    out["variance"], out["variance_pct"] = raw, pct
    out["favourable"] = _pick([True, False, False, None], codes, out.index)
    out["trend"] = _pick(TRENDS, trends, out.index)
    out["typed_status"] = _objects(_typed_statuses(_column(frame, "status_typed"), rules), out.index)
    return out


def _objects(values: np.ndarray, index: pd.Index) -> pd.Series:
    """An object column, so that a missing value stays None (pandas would infer NaN)."""
    return pd.Series(np.asarray(values, dtype=object), index=index, dtype=object)


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


__all__ = ["evaluate", "OUTPUT_COLUMNS", "parse_polarity"]
