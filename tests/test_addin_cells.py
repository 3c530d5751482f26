"""The five cell functions as plain Python (addin/cell_functions.py)."""

from __future__ import annotations

import pytest

from addin import cell_functions as cf
from addin.cell_functions import (
    CellInputError,
    kpi_rag,
    kpi_status,
    kpi_trend,
    kpi_variance,
    kpi_variance_pct,
)
from kpi_rules import default_rules

RULES = default_rules()
ON, WITHIN, OFF, NONE = (RULES.label(code) for code in ("on", "within", "off", "none"))


def col(*values):
    return [[v] for v in values]


# --- scalars -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "polarity", "expected"),
    [
        (80, 80, "Bigger", ON),
        (72, 80, "Bigger", WITHIN),  # the band edge belongs to "within"
        (71.9, 80, "Bigger", OFF),
        (5, 4, "Smaller is better", OFF),
        (4.2, 4, "smaller", WITHIN),
        (3, 4, "Low is good", ON),
        ("35%", 0.35, "Bigger", ON),
        ("TBC", 80, "Bigger", NONE),
        (None, 80, "Bigger", NONE),
        ("#N/A", 80, "Bigger", NONE),
        (80, "N/A", "Bigger", NONE),
        (80, 80, "sideways", NONE),  # an unknown polarity is never guessed
    ],
)
def test_status_scalars(actual, target, polarity, expected):
    assert kpi_status(actual, target, polarity) == expected


def test_polarity_omitted_or_blank_means_bigger():
    assert kpi_status(90, 80) == ON
    assert kpi_status(70, 80, None) == OFF
    assert kpi_status(70, 80, "") == OFF
    assert kpi_status(70, 80, "  ") == OFF
    assert "bigger is better" in cf.HELP_POLARITY.lower()
    assert "bigger is better" in (kpi_status.__doc__ or "").lower()


def test_rag_letters():
    assert [kpi_rag(a, 80) for a in (85, 75, 10, "TBC")] == ["G", "A", "R", ""]


def test_tolerance_and_mode():
    assert kpi_status(77, 80, "Bigger", 0.05) == WITHIN
    assert kpi_status(75, 80, "Bigger", 0.05) == OFF
    assert kpi_status(75, 80, "Bigger", "5%") == OFF
    assert kpi_status(78, 80, "Bigger", 2, "points") == WITHIN
    assert kpi_status(77, 80, "Bigger", 2, "Points") == OFF
    assert kpi_status(72, 80, "Bigger", None, None) == WITHIN  # defaults: 10%, relative


def test_target_zero_relative_has_no_band():
    assert kpi_status(0, 0, "Bigger") == ON
    assert kpi_status(-0.001, 0, "Bigger") == OFF


def test_variance_scalars():
    assert kpi_variance(72, 80) == pytest.approx(-8)
    assert kpi_variance_pct(72, 80) == pytest.approx(-0.1)
    assert kpi_variance_pct(72, -80) == pytest.approx(152 / 80)
    assert kpi_variance_pct(5, 0) == ""
    assert kpi_variance("TBC", 80) == ""
    assert kpi_variance_pct(None, 80) == ""


def test_trend_scalars():
    assert kpi_trend(5, 4) == "Improving"
    assert kpi_trend(5, 4, "Smaller") == "Worsening"
    assert kpi_trend(4, 4) == "No change"
    assert kpi_trend("TBC", 4) == ""
    assert kpi_trend(4, None, "Bigger") == ""


# --- columns and broadcasting ---------------------------------------------------------------------


def test_columns_spill_as_a_column():
    result = kpi_status(col(80, 72, 10, "TBC", None), col(80, 80, 80, 80, 80), col(*["Bigger"] * 5))
    assert result == col(ON, WITHIN, OFF, NONE, NONE)


def test_scalars_broadcast_over_a_column():
    assert kpi_status(col(80, 72, 10), 80) == col(ON, WITHIN, OFF)
    assert kpi_rag(col(80, 72, 10), 80, "Bigger", 0.05) == col("G", "R", "R")
    assert kpi_rag(col(5, 4.2, 9), col(4, 4, 4), "Smaller") == col("R", "A", "R")
    assert kpi_variance(col(1, 2, "x"), 2) == col(-1.0, 0.0, "")
    assert kpi_trend(col(3, 1, None), 2, "Lower") == col("Worsening", "Improving", "")


def test_a_row_is_a_line_of_values_too():
    assert kpi_status([[80, 72, 10]], 80) == col(ON, WITHIN, OFF)
    assert kpi_status([80, 72, 10], 80) == col(ON, WITHIN, OFF)


def test_one_cell_range_is_a_scalar():
    assert kpi_status([[72]], [[80]]) == WITHIN
    assert kpi_variance([[72]], 80) == pytest.approx(-8)


def test_column_and_scalar_paths_agree():
    actual = [80, 72, 71.9, "TBC", "35%", 0.36, -5, 0, None, "#DIV/0!"]
    target = [80, 80, 80, 80, 0.35, "35%", -4, 0, 1, 3]
    polarity = ["Bigger", "Higher", "bigger", "Bigger", "Smaller", "smaller", "Smaller", "Bigger",
                "Bigger", None]
    column = kpi_status(col(*actual), col(*target), col(*polarity))
    assert column == [[kpi_status(a, t, p)] for a, t, p in zip(actual, target, polarity)]
    rags = kpi_rag(col(*actual), col(*target), col(*polarity))
    assert rags == [[kpi_rag(a, t, p)] for a, t, p in zip(actual, target, polarity)]
    pct = kpi_variance_pct(col(*actual), col(*target))
    assert pct == [[kpi_variance_pct(a, t)] for a, t in zip(actual, target)]
    trends = kpi_trend(col(*actual), col(*target), col(*polarity))
    assert trends == [[kpi_trend(a, t, p)] for a, t, p in zip(actual, target, polarity)]


def test_per_row_tolerance_column():
    result = kpi_status(col(77, 77, 77), 80, "Bigger", col(0.01, 0.05, "10%"))
    assert result == col(OFF, WITHIN, WITHIN)


def test_ten_thousand_rows_in_one_call():
    n = 10_000
    result = kpi_status(col(*range(n)), n // 2, "Bigger")
    assert len(result) == n
    assert result[0] == [OFF] and result[-1] == [ON]


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: kpi_status(col(1, 2), col(1, 2, 3)), "same height"),
        (lambda: kpi_trend(col(1, 2), col(1, 2, 3)), "same height"),
        (lambda: kpi_variance(col(1, 2, 3), [[1, 2]]), "same height"),
        (lambda: kpi_status(1, 2, "Bigger", 0.1, "percent"), "mode"),
        (lambda: kpi_status(1, 2, "Bigger", "lots"), "tolerance"),
        (lambda: kpi_status(1, 2, "Bigger", -0.1), "0 or more"),
        (lambda: kpi_status(col(1, 2), 2, "Bigger", col(0.1, "x")), "tolerance"),
        (lambda: kpi_status([[1, 2], [3, 4]], 2), "single column or row"),
    ],
)
def test_bad_input_raises_cell_input_error(call, words):
    with pytest.raises(CellInputError) as info:
        call()
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_functions_table_lists_the_five():
    assert sorted(cf.FUNCTIONS) == [
        "KPI_RAG", "KPI_STATUS", "KPI_TREND", "KPI_VARIANCE", "KPI_VARIANCE_PCT"]
