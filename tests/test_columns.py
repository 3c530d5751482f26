"""kpi_rules.columns: the pandas-free table the file path uses."""

from __future__ import annotations

import math

import numpy as np

from kpi_rules.columns import Columns, by_unique, factorize, first_occurrences, is_missing


def test_factorize_codes_in_first_seen_order_and_missing_values_are_minus_one():
    codes, distinct = factorize(np.array(["b", None, "a", "b", math.nan, float("nan")],
                                         dtype=object))  # fmt: skip
    assert distinct == ["b", "a"]
    assert codes.tolist() == [0, -1, 1, 0, -1, -1]


def test_factorize_takes_lists_of_tuples_and_unhashable_cells():
    codes, distinct = factorize([("A1", "KPIs"), ("A1", "Other"), ("A1", "KPIs")])
    assert codes.tolist() == [0, 1, 0] and distinct == [("A1", "KPIs"), ("A1", "Other")]
    codes, distinct = factorize(np.array([[1], None, [1]], dtype=object))
    assert codes.tolist() == [0, -1, 1]  # each unhashable cell is its own value


def test_factorize_on_mixed_cells():
    cells = np.array(["35%", 0.35, None, "35%", 7, 7.0, "", math.nan, "N/A", 0.35], dtype=object)
    codes, distinct = factorize(cells)
    assert codes.tolist() == [0, 1, -1, 0, 2, 2, 3, -1, 4, 1]
    assert distinct == ["35%", 0.35, 7, "", "N/A"]


def test_by_unique_calls_the_function_once_per_distinct_value():
    calls = []

    def upper(value):
        calls.append(value)
        return value.upper()

    out = by_unique(np.array(["x", "y", "x", None], dtype=object), upper, "blank")
    assert out.tolist() == ["X", "Y", "X", "blank"] and calls == ["x", "y"]


def test_concat_fills_a_column_a_part_lacks_with_none():
    first = Columns({"status": np.array(["on"], dtype=object), "row": np.array([4])})
    second = Columns({"row": np.array([9, 10]), "trend": np.array([None, "improving"], dtype=object)})
    both = Columns.concat([first, second])
    assert both.height == 3
    assert both["row"].tolist() == [4, 9, 10]
    assert both["status"].tolist() == ["on", None, None]
    assert both["trend"].tolist() == [None, None, "improving"]
    assert both.take(both["row"] > 5)["row"].tolist() == [9, 10]


def test_flags_read_missing_values_as_no():
    table = Columns({"flag": np.array([True, None, math.nan, False, 1], dtype=object)})
    assert table.flags("flag").tolist() == [True, False, False, False, True]
    assert table.flags("absent").tolist() == [False] * 5


def test_first_occurrences_and_missing_values():
    assert first_occurrences(np.array([3, 1, 3, -1, 1, -1])).tolist() == \
        [True, True, False, True, False, False]
    assert [is_missing(v) for v in (None, math.nan, np.float64("nan"), "", 0)] == \
        [True, True, True, False, False]
