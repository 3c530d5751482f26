"""Properties of the status bands that hold for every input, checked with hypothesis.

1. Monotonic: moving the actual in the polarity's direction never worsens the status.
2. Mirror: negating actual and target and swapping the polarity gives the same status, i.e.
   status(-A, -T, smaller) == status(A, T, bigger) in both modes. The spec guarantees this
   exactly: the gap is A - T in both, and the band t * |T| (or t points) is unchanged by the
   sign of T. (The other mirror, status(2T - A, T, smaller), holds only up to float rounding.)
   Variance and variance % change sign; trend is mirrored the same way.
3. `on` exactly when favourable: status is "on" iff favourable() (gap >= 0, noise aside); on
   whole numbers, where the arithmetic is exact, the status is the spec's definition
   (on: gap >= 0, within: |gap| <= band, off: beyond) computed in exact integer arithmetic.
4. The engine's core (evaluate_columns) equals the one-indicator functions row by row (status,
   variance, variance %, trend) on random tables with markers, text percentages, None and NaN.
   (The DataFrame adapters equal the core: tests/test_status_dataframe.py.)
5. The column reader (parse_column, with its fast path for common texts) equals parse_value
   cell by cell, on arbitrary number-like text, numbers, booleans, NaN and infinities.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_rules import (
    favourable,
    parse_column,
    parse_value,
    status,
    trend,
    variance,
    variance_pct,
)
from kpi_rules.columns import Columns
from kpi_rules.table import evaluate_columns

RANK = {"off": 0, "within": 1, "on": 2}
PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

figures = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
small_figures = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)
polarities = st.sampled_from(["bigger", "smaller"])


@st.composite
def bands(draw):
    """(tolerance, mode): relative 0..100%, or points 0..50."""
    mode = draw(st.sampled_from(["relative", "points"]))
    if mode == "relative":
        return draw(st.floats(min_value=0, max_value=1)), mode
    return draw(st.floats(min_value=0, max_value=50)), mode


# 1. Monotonic -------------------------------------------------------------------------------


@PROFILE
@given(a1=figures, a2=figures, target=figures, polarity=polarities, band=bands())
def test_improving_the_actual_never_worsens_the_status(a1, a2, target, polarity, band):
    worse, better = sorted((a1, a2)) if polarity == "bigger" else sorted((a1, a2), reverse=True)
    tolerance, mode = band
    s_worse = status(worse, target, polarity, tolerance, mode)
    s_better = status(better, target, polarity, tolerance, mode)
    assert RANK[s_better] >= RANK[s_worse], (s_worse, s_better)


@PROFILE
@given(actual=figures, target=figures, polarity=polarities, band=bands(),
       wider=st.floats(min_value=0, max_value=1))  # fmt: skip
def test_a_wider_band_never_worsens_the_status(actual, target, polarity, band, wider):
    tolerance, mode = band
    narrow = status(actual, target, polarity, tolerance, mode)
    widened = min(tolerance + wider, 1.0) if mode == "relative" else tolerance + wider
    wide = status(actual, target, polarity, widened, mode)
    assert RANK[wide] >= RANK[narrow]


# 2. Mirror ------------------------------------------------------------------------------------


@PROFILE
@given(actual=figures, target=figures, previous=figures, band=bands())
def test_negating_the_figures_and_swapping_polarity_mirrors_the_result(actual, target, previous, band):
    tolerance, mode = band
    assert status(-actual, -target, "smaller", tolerance, mode) == status(
        actual, target, "bigger", tolerance, mode
    )
    assert status(-actual, -target, "bigger", tolerance, mode) == status(
        actual, target, "smaller", tolerance, mode
    )
    assert trend(-actual, -previous, "smaller") == trend(actual, previous, "bigger")
    assert variance(-actual, -target) == -variance(actual, target)
    pct = variance_pct(actual, target)
    assert variance_pct(-actual, -target) == (None if pct is None else -pct)


# 3. `on` exactly when favourable ---------------------------------------------------------------


@PROFILE
@given(actual=figures, target=figures, polarity=polarities, band=bands())
def test_on_exactly_when_favourable(actual, target, polarity, band):
    tolerance, mode = band
    assert (status(actual, target, polarity, tolerance, mode) == "on") is favourable(
        actual, target, polarity
    )


whole = st.integers(min_value=-100_000, max_value=100_000)


@PROFILE
@given(actual=whole, target=whole, polarity=polarities, percent=st.integers(0, 100))
def test_relative_bands_on_whole_numbers_match_exact_arithmetic(actual, target, polarity, percent):
    gap = actual - target if polarity == "bigger" else target - actual
    # within: |gap| <= (percent / 100) * |T|, i.e. 100 * |gap| <= percent * |T|, exactly
    if gap >= 0:
        expected = "on"
    elif -gap * 100 <= percent * abs(target):
        expected = "within"
    else:
        expected = "off"
    assert status(actual, target, polarity, percent / 100, "relative") == expected


@PROFILE
@given(actual=whole, target=whole, polarity=polarities, points=st.integers(0, 1000))
def test_points_bands_on_whole_numbers_match_exact_arithmetic(actual, target, polarity, points):
    gap = actual - target if polarity == "bigger" else target - actual
    expected = "on" if gap >= 0 else "within" if -gap <= points else "off"
    assert status(actual, target, polarity, points, "points") == expected


# 4. evaluate_columns() == the one-indicator functions, row by row -----------------------------------

MARKERS = ["New", "TBC", "N/A", "n/a", "Not Available", "-", "\u2013", "", "  ", "#N/A",
           "#DIV/0!", "#VALUE!", "Awaiting data", None, math.nan]  # fmt: skip


def _text_percent(x: float) -> str:
    return f"{x:.1f}%"


def _thousands(x: float) -> str:
    return f"{x:,.0f}"


cell_values = st.one_of(
    small_figures,
    st.integers(min_value=-5000, max_value=5000),
    st.floats(min_value=0, max_value=1.5, allow_nan=False),  # fractions, as formatted percentages
    st.floats(min_value=-50, max_value=150, allow_nan=False).map(_text_percent),
    st.floats(min_value=0, max_value=1e7, allow_nan=False).map(_thousands),
    st.sampled_from(MARKERS),
    st.sampled_from([" 87 % ", "35%", 35, 0.35, 0.0, 0, "0%"]),  # unit mismatches and zeros
)
polarity_cells = st.sampled_from(
    ["bigger", "smaller", "Bigger is better", "Smaller is better", "Higher", "Lower",
     "High is good", "low is good", "Maximise", "Minimise", "Neutral", "", None, math.nan]
)  # fmt: skip
indicator_names = st.sampled_from(
    ["% of calls answered", "Calls answered", "Percentage of invoices paid", "Sickness days",
     None]
)  # fmt: skip


@st.composite
def tables(draw):
    rows = draw(st.lists(
        st.fixed_dictionaries({
            "actual": cell_values, "target": cell_values, "previous": cell_values,
            "polarity": polarity_cells, "indicator": indicator_names, "band": bands(),
        }), min_size=1, max_size=25))  # fmt: skip
    for row in rows:
        row["tolerance"], row["tolerance_mode"] = row.pop("band")
    return rows


def _same_number(vectorised, scalar) -> bool:
    if scalar is None:
        return math.isnan(vectorised)
    return vectorised == scalar


def object_table(rows: list[dict]) -> Columns:
    """Rows as the reader gives them: one object column per key."""
    table = Columns({}, len(rows))
    for name in rows[0]:
        table[name] = np.empty(len(rows), dtype=object)
        table[name][:] = [row[name] for row in rows]
    return table


def _check_rows(rows: list[dict], table: Columns) -> None:
    before = {name: values.copy() for name, values in table.items()}
    out = evaluate_columns(table)
    for name, values in before.items():  # the input is never changed
        assert [_comparable(v) for v in table[name].tolist()] == \
            [_comparable(v) for v in values.tolist()]
    assert out.height == len(rows)
    for i, row in enumerate(rows):
        args = (row["actual"], row["target"])
        polarity, name = row["polarity"], row["indicator"]
        expected_status = status(*args, polarity, row["tolerance"], row["tolerance_mode"],
                                 indicator=name)  # fmt: skip
        assert out["status"][i] == expected_status, row
        assert _same_number(out["variance"][i], variance(*args, indicator=name)), row
        assert _same_number(out["variance_pct"][i], variance_pct(*args, indicator=name)), row
        expected_trend = trend(row["actual"], row["previous"], polarity, indicator=name)
        assert out["trend"][i] == expected_trend, row


@PROFILE
@given(rows=tables())
def test_evaluate_equals_the_one_indicator_functions(rows):
    _check_rows(rows, object_table(rows))


@PROFILE
@given(rows=st.lists(st.fixed_dictionaries({
    "actual": small_figures, "target": small_figures, "previous": small_figures,
    "polarity": polarities, "indicator": st.just("Sickness days"), "band": bands(),
}), min_size=1, max_size=25))  # fmt: skip
def test_evaluate_on_numeric_columns_equals_the_one_indicator_functions(rows):
    for row in rows:
        row["tolerance"], row["tolerance_mode"] = row.pop("band")
    table = Columns({name: np.array([row[name] for row in rows]) for name in rows[0]}, len(rows))
    assert table["actual"].dtype == np.float64  # the numeric fast path of parse_column
    _check_rows(rows, table)


# 5. The column reader equals the cell reader ------------------------------------------------

numeric_text = st.text(alphabet="0123456789,.%-+eE ()£\u2212\u00a0\u0663x", max_size=12)
any_cell = st.one_of(numeric_text, cell_values, st.booleans(), st.integers(),
                     st.floats(allow_nan=True, allow_infinity=True))  # fmt: skip


@PROFILE
@given(cells=st.lists(any_cell, min_size=1, max_size=30))
def test_parse_column_equals_parse_value(cells):
    column = np.empty(len(cells), dtype=object)
    column[:] = cells
    numbers, percent = parse_column(column)
    for cell, number, is_percent in zip(cells, numbers, percent):
        parsed = parse_value(cell)
        assert (math.isnan(number) and math.isnan(parsed.number)) or number == parsed.number, cell
        assert bool(is_percent) is parsed.percent, cell


def _comparable(value):
    return "NaN" if isinstance(value, float) and math.isnan(value) else value
