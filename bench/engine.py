"""Benchmark of the rules engine: indicators per second for status + variance + trend.

One run measures, side by side, on the same realistic rows:
  evaluate()       the engine's core, kpi_rules.table.evaluate_columns, on 1,000,000 rows as
                   named numpy columns (median of 3 runs): what the file path and the cell
                   functions call (the DataFrame adapter `kpi_rules.evaluate` wraps it);
  plain loop       a straightforward pure-Python loop: parse_value on each cell, then float
                   arithmetic for status, variance, variance % and trend (the way a person would
                   write it), on a 100,000-row slice;
  one-indicator    status() / variance() / variance_pct() / trend() called per row, on a
                   100,000-row slice.
Loop rates are measured on the slice and reported per second (rows/s does not depend on n for a
loop, so the slice is scaled, not extrapolated in time). Before timing, the two loops are checked
to give exactly what evaluate() gives on the slice.

The rows are what the workbook reader hands the engine: object columns mixing plain numbers,
percent-formatted fractions, text percentages ("87.5%"), counts with thousands separators
("31,243"), markers ("N/A", "TBC", "-", "#N/A", blanks), polarity words, indicator names.
Mix per value cell: 55% numbers, 30% percent-formatted fractions, 10% text percentages, 5% counts
typed as text; then 5% of cells are markers (MIX below). A text-heavy worst case is reported too.

Run: make bench (or .venv/bin/python bench/engine.py [rows]). Targets: >= 1,000,000 indicators/s
and >= 20x the plain loop. The machine is shared and noisy: read the ratios.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpi_rules import (
    parse_column,
    parse_polarity,
    parse_value,
    status,
    trend,
    variance,
    variance_pct,
)
from kpi_rules.columns import Columns
from kpi_rules.table import evaluate_columns as evaluate

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
SLICE = min(100_000, ROWS)
TARGET_RATE, TARGET_RATIO = 1_000_000, 20
EPSILON = 1e-9

POLARITY_WORDS = np.array(
    ["Bigger is better", "Smaller is better", "Higher", "Lower", "Bigger", "Smaller",
     "High is good", "Low is good", None], dtype=object,
)  # fmt: skip
POLARITY_WEIGHTS = [0.3, 0.25, 0.1, 0.1, 0.07, 0.07, 0.03, 0.03, 0.05]
MARKERS = np.array(["N/A", "TBC", "-", "#N/A", "New", "", None, "n/a"], dtype=object)
NAMES = np.array(
    [f"% of {thing} within {days} days" for thing in ("calls answered", "FOI requests",
                                                       "invoices paid", "complaints closed")
     for days in (5, 10, 20, 28)]
    + [f"Number of {thing}" for thing in ("missed bins", "homeless acceptances",
                                         "fly-tipping incidents", "library visits")]
    + ["Sickness absence days per FTE", "Council tax collected", "Average days to re-let",
       None],
    dtype=object,
)  # fmt: skip


# Cell kinds: a number (count or rate), a percent-formatted fraction, a text percentage
# ("87.5%"), a count typed as text with separators ("31,243"); then 5% of cells become markers.
MIX = (0.55, 0.30, 0.10, 0.05)
TEXT_HEAVY_MIX = (0.35, 0.20, 0.20, 0.25)  # a worst case, reported alongside


def make_frame(n: int, seed: int = 20241015, mix=MIX) -> Columns:
    """n indicator rows as the reader gives them (object columns)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(4, size=n, p=mix)
    base = np.where(kind == 1, rng.uniform(0.2, 1.0, n), rng.uniform(10, 50_000, n))

    def column(spread: float) -> np.ndarray:
        value = base * rng.normal(1.0, spread, n)
        cells = np.where(kind == 1, np.round(value, 3), np.round(value, 0)).astype(object)
        text_pct = np.flatnonzero(kind == 2)
        cells[text_pct] = [f"{v:.1f}%" for v in rng.uniform(20, 100, len(text_pct))]
        text_count = np.flatnonzero(kind == 3)
        cells[text_count] = [f"{v:,.0f}" for v in value[text_count]]
        marked = np.flatnonzero(rng.random(n) < 0.05)
        cells[marked] = MARKERS[rng.integers(0, len(MARKERS), len(marked))]
        return cells

    return Columns({
        "reference": np.array([f"KPI {i % 5000:04d}" for i in range(n)], dtype=object),
        "indicator": NAMES[rng.integers(0, len(NAMES), n)],
        "polarity": rng.choice(POLARITY_WORDS, size=n, p=POLARITY_WEIGHTS),
        "actual": column(0.12), "target": column(0.0), "previous": column(0.12),
        "actual_is_percent": kind == 1, "target_is_percent": kind == 1,
        "previous_is_percent": kind == 1,
    })  # fmt: skip


# (a) The plain loop --------------------------------------------------------------------------


def _mismatch(a, a_pct, b, b_pct, percent_name) -> bool:
    """The same unit check as the engine (docs/engine.md), written out for one row."""
    if math.isnan(a) or math.isnan(b):
        return False
    a, b = abs(a), abs(b)
    if a_pct != b_pct:
        plain, fraction = (b, a) if a_pct else (a, b)
        return plain > 1.5 and plain >= 10 * fraction
    small, large = min(a, b), max(a, b)
    return percent_name and 0 < small <= 1.5 and large > 1.5 and large >= 20 * small


def plain_loop(frame: Columns) -> list[tuple]:
    """Status, variance, variance % and trend, one row at a time, in plain Python."""
    out = []
    columns = ("actual", "target", "previous", "polarity", "indicator", "actual_is_percent",
               "target_is_percent", "previous_is_percent")  # fmt: skip
    for actual, target, previous, polarity, name, a_flag, t_flag, p_flag in zip(
        *(frame[c].tolist() for c in columns)
    ):
        a, t, p = parse_value(actual), parse_value(target), parse_value(previous)
        a_pct, t_pct, p_pct = a.percent or a_flag, t.percent or t_flag, p.percent or p_flag
        a, t, p = a.number, t.number, p.number
        direction = parse_polarity(polarity)
        percent_name = isinstance(name, str) and ("%" in name or "percent" in name.casefold())
        mismatch = _mismatch(a, a_pct, t, t_pct, percent_name)

        state = "none"
        if direction and not mismatch and not math.isnan(a) and not math.isnan(t):
            gap = a - t if direction == "bigger" else t - a
            band = 0.10 * abs(t)
            if gap >= -EPSILON * max(abs(t), 1.0):
                state = "on"
            elif -gap <= band + EPSILON * max(abs(t) + band, 1.0):
                state = "within"
            else:
                state = "off"
        var = var_pct = None
        if not mismatch and not math.isnan(a) and not math.isnan(t):
            var = a - t
            var_pct = var / abs(t) if t != 0 else None
        change = None
        if direction and not math.isnan(a) and not math.isnan(p) \
                and not _mismatch(a, a_pct, p, p_pct, percent_name):
            delta = a - p if direction == "bigger" else p - a
            eps = EPSILON * max(abs(a), abs(p), 1.0)
            change = "improving" if delta > eps else "worsening" if delta < -eps else "no_change"
        out.append((state, var, var_pct, change))
    return out


# (b) The one-indicator API in a loop ---------------------------------------------------------


def api_loop(frame: Columns) -> list[tuple]:
    out = []
    for actual, target, previous, polarity, name, a_flag in zip(
        frame["actual"].tolist(), frame["target"].tolist(), frame["previous"].tolist(),
        frame["polarity"].tolist(), frame["indicator"].tolist(), frame["actual_is_percent"].tolist(),
    ):
        if a_flag:  # a percent-formatted cell: the one-indicator API reads a typed "35%"
            actual, target, previous = (_as_percent_text(v) for v in (actual, target, previous))
        out.append((
            status(actual, target, polarity, indicator=name),
            variance(actual, target, indicator=name),
            variance_pct(actual, target, indicator=name),
            trend(actual, previous, polarity, indicator=name),
        ))  # fmt: skip
    return out


def _as_percent_text(value):
    return f"{value * 100!r}%" if isinstance(value, float) else value


# Checking and timing -----------------------------------------------------------------------


def vectorised(out: Columns) -> list[tuple]:
    def num(x):
        return None if math.isnan(x) else x

    return [(s, num(v), num(p), t) for s, v, p, t in zip(
        out["status"], out["variance"], out["variance_pct"], out["trend"])]  # fmt: skip


def same(left: list[tuple], right: list[tuple]) -> bool:
    def close(x, y):
        if x is None or y is None or isinstance(x, str) or isinstance(y, str):
            return x == y
        return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)

    return len(left) == len(right) and all(
        all(close(x, y) for x, y in zip(a, b)) for a, b in zip(left, right)
    )


def timed(function, *args, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    start = time.perf_counter()
    frame = make_frame(ROWS)
    part = frame.take(np.arange(SLICE))
    kinds = dict(Counter(type(v).__name__ for v in frame["actual"].tolist()))
    print(f"{ROWS:,} rows made in {time.perf_counter() - start:.1f} s; cell types in actual: {kinds}")

    expected = vectorised(evaluate(part))
    plain_ok = same(plain_loop(part), expected)
    api_ok = same(api_loop(part), expected)
    counts = dict(Counter(row[0] for row in expected))
    print(f"check on {SLICE:,} rows: plain loop agrees: {plain_ok}, one-indicator API agrees: "
          f"{api_ok}; statuses {counts}")  # fmt: skip

    t_vec, _ = timed(evaluate, frame, repeat=3)
    t_plain, _ = timed(plain_loop, part)
    t_api, _ = timed(api_loop, part)
    rate_vec, rate_plain, rate_api = ROWS / t_vec, SLICE / t_plain, SLICE / t_api

    print(f"{'method':<34}{'rows':>11}{'seconds':>10}{'indicators/s':>15}{'vs evaluate':>13}")
    for label, rows, seconds, rate in (
        ("evaluate() (median of 3)", ROWS, t_vec, rate_vec),
        ("plain loop, parse_value + floats", SLICE, t_plain, rate_plain),
        ("one-indicator API in a loop", SLICE, t_api, rate_api),
    ):
        print(f"{label:<34}{rows:>11,}{seconds:>10.3f}{rate:>15,.0f}{rate_vec / rate:>12.1f}x")
    print(f"plain loop scaled to {ROWS:,} rows: {ROWS / rate_plain:.1f} s; "
          f"one-indicator API: {ROWS / rate_api:.1f} s")  # fmt: skip
    numeric = Columns(frame, frame.height)  # as a reader could hand it: float64 plus flags
    for name in ("actual", "target", "previous"):
        numbers, percent = parse_column(frame[name])
        numeric[name], numeric[f"{name}_is_percent"] = numbers, numeric[f"{name}_is_percent"] | percent
    t_numeric, _ = timed(evaluate, numeric, repeat=3)
    print(f"same rows with the values already numeric (float64 + flags, not timed: the parse): "
          f"evaluate() {ROWS / t_numeric:,.0f} indicators/s, "
          f"{ROWS / t_numeric / rate_plain:.1f}x the plain loop above")  # fmt: skip
    heavy = make_frame(ROWS, mix=TEXT_HEAVY_MIX)
    t_heavy, _ = timed(evaluate, heavy, repeat=3)
    print(f"text-heavy worst case ({sum(TEXT_HEAVY_MIX[2:]):.0%} of cells typed as text, most of them "
          f"distinct): evaluate() {ROWS / t_heavy:,.0f} indicators/s, "
          f"{ROWS / t_heavy / rate_plain:.1f}x the plain loop above")  # fmt: skip
    met_rate, met_ratio = rate_vec >= TARGET_RATE, rate_vec / rate_plain >= TARGET_RATIO
    print(f"targets: >= {TARGET_RATE:,} indicators/s: {'met' if met_rate else 'MISSED'}; "
          f">= {TARGET_RATIO}x the plain loop: {'met' if met_ratio else 'MISSED'}")  # fmt: skip
    return 0 if plain_ok and api_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
