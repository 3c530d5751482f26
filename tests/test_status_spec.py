"""The status bands, values, variance, trend and findings of domain.md, as a table a reviewer can read.

Each row is one case; its last field says why, and is the test id. A case is checked through the
one-indicator function and through the engine's core, `evaluate_columns` (both must agree with the
row). The DataFrame adapters are compared with the core in tests/test_status_dataframe.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kpi_rules import (
    name_key,
    parse_polarity,
    parse_value,
    reference_key,
    rules_from_dict,
    split_reference,
    status,
    trend,
    variance,
    variance_pct,
)
from kpi_rules.columns import Columns
from kpi_rules.findings import table_findings
from kpi_rules.matching import notes_commentary
from kpi_rules.table import evaluate_columns

NOISE = 0.1 + 0.2  # 0.30000000000000004

# (actual, target, polarity, tolerance, mode, expected_status, why)
STATUS_CASES = [
    # Band edges, bigger is better (10% relative band: 80 +- 8)
    (80, 80, "bigger", 0.10, "relative", "on", "bigger: exactly on target is on"),
    (81, 80, "bigger", 0.10, "relative", "on", "bigger: beating the target is on"),
    (79.99, 80, "bigger", 0.10, "relative", "within", "bigger: just under target is within"),
    (72, 80, "bigger", 0.10, "relative", "within", "bigger: 72 vs 80 is within (edge belongs to within)"),
    (71.9, 80, "bigger", 0.10, "relative", "off", "bigger: 71.9 vs 80 is off"),
    (0, 80, "bigger", 0.10, "relative", "off", "bigger: 0 vs 80 is off"),
    (1e9, 80, "bigger", 0.10, "relative", "on", "bigger: far above target is on"),
    # Band edges, smaller is better
    (80, 80, "smaller", 0.10, "relative", "on", "smaller: exactly on target is on"),
    (72, 80, "smaller", 0.10, "relative", "on", "smaller: under target is on"),
    (80.01, 80, "smaller", 0.10, "relative", "within", "smaller: just over target is within"),
    (88, 80, "smaller", 0.10, "relative", "within", "smaller: 88 vs 80 is within (edge)"),
    (88.1, 80, "smaller", 0.10, "relative", "off", "smaller: 88.1 vs 80 is off"),
    # Other band widths
    (95, 100, "bigger", 0.05, "relative", "within", "5% band: 95 vs 100 is within (edge)"),
    (94.9, 100, "bigger", 0.05, "relative", "off", "5% band: 94.9 vs 100 is off"),
    (99, 100, "bigger", 0.01, "relative", "within", "1% band: 99 vs 100 is within (edge)"),
    (99, 100, "bigger", 0.0, "relative", "off", "zero tolerance: any shortfall is off"),
    (100, 100, "bigger", 0.0, "relative", "on", "zero tolerance: meeting the target is on"),
    # Points mode: band in the indicator's own units
    (78, 80, "bigger", 2, "points", "within", "points: 78 vs 80 with 2 points is within (edge)"),
    (77.9, 80, "bigger", 2, "points", "off", "points: 77.9 vs 80 with 2 points is off"),
    (82, 80, "smaller", 2, "points", "within", "points smaller: 82 vs 80 with 2 points is within"),
    (82.1, 80, "smaller", 2, "points", "off", "points smaller: 82.1 vs 80 with 2 points is off"),
    (0.33, 0.35, "bigger", 0.02, "points", "within", "points on fractions: 33% vs 35%, 2 points"),
    ("33%", "35%", "bigger", 2, "points", "within", "points on text percentages are percentage points"),
    ("87%", "90%", "bigger", 2, "points", "off", "3 percentage points short of 2 points is off"),
    ("88.5%", "90%", "bigger", 2, "points", "within", "1.5 percentage points short is within"),
    (0.87, 0.9, "bigger", 2, "percentage points", "off", "percentage points mode on fractions"),
    (-1, 0, "bigger", 1, "points", "within", "points: target 0 still has a band"),
    (78, 80, "bigger", 2, "Points", "within", "mode is case-insensitive"),
    # Zero targets, relative mode: no band
    (0, 0, "bigger", 0.10, "relative", "on", "target 0: 0 is on"),
    (3, 0, "bigger", 0.10, "relative", "on", "target 0 bigger: above is on"),
    (-0.5, 0, "bigger", 0.10, "relative", "off", "target 0 bigger: anything below is off"),
    (1, 0, "smaller", 0.10, "relative", "off", "target 0 smaller: one complaint is off"),
    (0, 0, "smaller", 0.10, "relative", "on", "target 0 smaller: none is on"),
    # Negative targets use |T|
    (-100, -100, "bigger", 0.10, "relative", "on", "negative target: on target is on"),
    (-108, -100, "bigger", 0.10, "relative", "within", "negative target bigger: band is 10% of |T|"),
    (-110, -100, "bigger", 0.10, "relative", "within", "negative target bigger: edge is within"),
    (-110.1, -100, "bigger", 0.10, "relative", "off", "negative target bigger: past edge is off"),
    (-90, -100, "smaller", 0.10, "relative", "within", "negative target smaller: edge is within"),
    (-89.9, -100, "smaller", 0.10, "relative", "off", "negative target smaller: past edge is off"),
    # Markers: not a number -> none, never an exception
    ("New", 80, "bigger", 0.10, "relative", "none", "marker New"),
    ("TBC", 80, "bigger", 0.10, "relative", "none", "marker TBC"),
    ("N/A", 80, "bigger", 0.10, "relative", "none", "marker N/A"),
    ("n/a", 80, "bigger", 0.10, "relative", "none", "marker n/a"),
    ("Not Available", 80, "bigger", 0.10, "relative", "none", "marker Not Available"),
    ("-", 80, "bigger", 0.10, "relative", "none", "marker hyphen"),
    ("\u2013", 80, "bigger", 0.10, "relative", "none", "marker en dash"),
    ("", 80, "bigger", 0.10, "relative", "none", "marker empty text"),
    ("   ", 80, "bigger", 0.10, "relative", "none", "marker whitespace"),
    (None, 80, "bigger", 0.10, "relative", "none", "marker None"),
    (math.nan, 80, "bigger", 0.10, "relative", "none", "marker NaN"),
    ("#N/A", 80, "bigger", 0.10, "relative", "none", "Excel error #N/A"),
    ("#DIV/0!", 80, "bigger", 0.10, "relative", "none", "Excel error #DIV/0!"),
    ("#VALUE!", 80, "bigger", 0.10, "relative", "none", "Excel error #VALUE!"),
    ("#REF!", 80, "bigger", 0.10, "relative", "none", "Excel error #REF!"),
    ("#NAME?", 80, "bigger", 0.10, "relative", "none", "Excel error #NAME?"),
    ("#NUM!", 80, "bigger", 0.10, "relative", "none", "Excel error #NUM!"),
    ("#NULL!", 80, "bigger", 0.10, "relative", "none", "Excel error #NULL!"),
    ("#SPILL!", 80, "bigger", 0.10, "relative", "none", "Excel error #SPILL!"),
    ("Awaiting data", 80, "bigger", 0.10, "relative", "none", "free text is not a number"),
    (True, 80, "bigger", 0.10, "relative", "none", "a TRUE cell is not a number"),
    (75, "TBC", "bigger", 0.10, "relative", "none", "marker in the target"),
    (75, "#N/A", "bigger", 0.10, "relative", "none", "Excel error in the target"),
    (75, None, "bigger", 0.10, "relative", "none", "no target: data only"),
    # Text vs formatted percentages
    ("35%", 0.35, "bigger", 0.10, "relative", "on", "text 35% equals 0.35"),
    ("35.0%", 0.35, "smaller", 0.10, "relative", "on", "text 35.0% equals 0.35"),
    (" 87 % ", 0.87, "bigger", 0.10, "relative", "on", "text with spaces ' 87 % ' equals 0.87"),
    ("87%", "90%", "bigger", 0.10, "relative", "within", "text percent against text percent"),
    ("80%", 0.9, "bigger", 0.10, "relative", "off", "text percent against a fraction, off"),
    (0.35, "35%", "smaller", 0.10, "relative", "on", "fraction against text percent"),
    ("72%", "80%", "bigger", 0.10, "relative", "within", "text percent band edge is within"),
    # Thousands separators
    ("31,243", 30000, "bigger", 0.10, "relative", "on", "thousands separator in the actual"),
    ("31,500", "35,000", "bigger", 0.10, "relative", "within", "thousands separators, band edge"),
    ("31,499", "35,000", "bigger", 0.10, "relative", "off", "thousands separators, off"),
    ("1,234,567", 1234567, "bigger", 0.10, "relative", "on", "two thousands separators"),
    # Unit mismatch: report, don't guess
    ("35%", 35, "bigger", 0.10, "relative", "none", "35% against 35 is a unit mismatch"),
    (35, "35%", "smaller", 0.10, "relative", "none", "35 against 35% is a unit mismatch"),
    # Polarity words (85 vs 80: on when bigger is better, within when smaller is better)
    (85, 80, "Bigger", 0.10, "relative", "on", "polarity Bigger"),
    (85, 80, "Higher", 0.10, "relative", "on", "polarity Higher"),
    (85, 80, "Increase", 0.10, "relative", "on", "polarity Increase"),
    (85, 80, "Maximise", 0.10, "relative", "on", "polarity Maximise"),
    (85, 80, "Bigger is better", 0.10, "relative", "on", "polarity Bigger is better"),
    (85, 80, "High is good", 0.10, "relative", "on", "polarity High is good"),
    (85, 80, "BIGGER IS BETTER", 0.10, "relative", "on", "polarity upper case"),
    (85, 80, "  higher   is better ", 0.10, "relative", "on", "polarity spaces folded"),
    (85, 80, "Smaller", 0.10, "relative", "within", "polarity Smaller"),
    (85, 80, "Lower", 0.10, "relative", "within", "polarity Lower"),
    (85, 80, "Decrease", 0.10, "relative", "within", "polarity Decrease"),
    (85, 80, "Minimise", 0.10, "relative", "within", "polarity Minimise"),
    (85, 80, "Smaller is better", 0.10, "relative", "within", "polarity Smaller is better"),
    (85, 80, "Low is good", 0.10, "relative", "within", "polarity Low is good"),
    (85, 80, "low IS GOOD", 0.10, "relative", "within", "polarity mixed case"),
    (85, 80, "Neutral", 0.10, "relative", "none", "unknown polarity word is none"),
    (85, 80, "Bigger or smaller", 0.10, "relative", "none", "ambiguous polarity is none"),
    (85, 80, None, 0.10, "relative", "none", "no polarity is none"),
    (85, 80, "", 0.10, "relative", "none", "blank polarity is none"),
    # Float noise never moves a value across an edge
    (NOISE, 0.3, "bigger", 0.10, "relative", "on", "float noise: 0.1+0.2 vs 0.3 bigger is on"),
    (NOISE, 0.3, "smaller", 0.10, "relative", "on", "float noise: 0.1+0.2 vs 0.3 smaller is on"),
    (0.3, NOISE, "bigger", 0.10, "relative", "on", "float noise: 0.3 vs 0.1+0.2 is on"),
    (0.72, 0.8, "bigger", 0.10, "relative", "within", "float noise at the band edge: 0.72 vs 0.80"),
    (0.88, 0.8, "smaller", 0.10, "relative", "within", "float noise at the band edge: 0.88 vs 0.80"),
    (0.78, 0.8, "bigger", 0.02, "points", "within", "float noise at a points edge: 0.78 vs 0.80"),
]


def _frame(rows: list[dict]) -> Columns:
    """Rows as the engine's table: one object column per key (None where a row lacks it)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    columns = {}
    for name in names:
        columns[name] = np.empty(len(rows), dtype=object)
        columns[name][:] = [row.get(name) for row in rows]
    return Columns(columns, len(rows))


def evaluate(table: Columns, rules=None) -> Columns:
    return evaluate_columns(table, rules)


@pytest.mark.parametrize(
    "actual, target, polarity, tolerance, mode, expected, why",
    STATUS_CASES,
    ids=[case[-1] for case in STATUS_CASES],
)
def test_status(actual, target, polarity, tolerance, mode, expected, why):
    assert status(actual, target, polarity, tolerance, mode) == expected
    row = {"actual": actual, "target": target, "polarity": polarity, "tolerance": tolerance,
           "tolerance_mode": mode}  # fmt: skip
    assert evaluate(_frame([row]))["status"][0] == expected


def test_status_cases_cover_the_issue():
    assert len(STATUS_CASES) >= 60
    assert len({case[-1] for case in STATUS_CASES}) == len(STATUS_CASES), "ids must be unique"


# (actual, target, indicator name, expected_status, expected_unit_mismatch, why)
UNIT_CASES = [
    (0.35, 35, "% of calls answered", "none", True, "0.35 against 35 in a % indicator"),
    (35, 0.35, "% of calls answered", "none", True, "35 against 0.35 in a % indicator"),
    (0.35, 0.35, "% of calls answered", "on", False, "fraction against fraction"),
    (35, 35, "% of calls answered", "on", False, "points against points"),
    (0, 35, "% of calls answered", "off", False, "zero actual is not a unit mismatch"),
    (0.35, 35, "Calls answered", "off", False, "not a % indicator: plain numbers compared"),
    ("35%", 35, "Calls answered", "none", True, "35% against 35, whatever the name"),
    ("35%", 0.35, "% of calls answered", "on", False, "35% against 0.35 is one scale"),
    ("150%", 1.5, "Percentage of budget spent", "on", False, "over 100% still one scale"),
]


@pytest.mark.parametrize(
    "actual, target, indicator, expected, mismatch, why", UNIT_CASES, ids=[c[-1] for c in UNIT_CASES]
)
def test_unit_mismatch(actual, target, indicator, expected, mismatch, why):
    assert status(actual, target, "bigger", indicator=indicator) == expected
    out = evaluate(_frame([{"actual": actual, "target": target, "polarity": "bigger",
                            "indicator": indicator}]))  # fmt: skip
    assert out["status"][0] == expected
    assert bool(out["unit_mismatch"][0]) is mismatch
    if mismatch:
        assert np.isnan(out["variance"]).all() and np.isnan(out["variance_pct"]).all()


# (value, expected number or None, written as a percentage, why)
VALUE_CASES = [
    (0.35, 0.35, False, "a number"),
    (31243, 31243.0, False, "an integer"),
    ("35%", 0.35, True, "text percentage"),
    ("35.0%", 0.35, True, "text percentage with a decimal"),
    (" 87 % ", 0.87, True, "text percentage with spaces"),
    ("31,243", 31243.0, False, "thousands separator"),
    ("-4.5", -4.5, False, "negative text"),
    ("\u22124.5", -4.5, False, "unicode minus"),
    ("(1,200)", -1200.0, False, "accounting negative"),
    ("£1,200", 1200.0, False, "currency sign"),
    ("1,23", None, False, "a comma that is not a thousands separator"),
    ("12 weeks ahead of plan in May", None, False, "text with a number in it"),
    ("#N/A", None, False, "Excel error"),
    ("n/a", None, False, "marker"),
    (math.inf, None, False, "infinity is not a figure"),
]


@pytest.mark.parametrize("value, number, percent, why", VALUE_CASES, ids=[c[-1] for c in VALUE_CASES])
def test_parse_value(value, number, percent, why):
    parsed = parse_value(value)
    if number is None:
        assert math.isnan(parsed.number)
    else:
        assert parsed.number == pytest.approx(number, rel=1e-12)
    assert parsed.percent is percent


# (actual, target, variance, variance_pct, why)
VARIANCE_CASES = [
    (85, 80, 5.0, 0.0625, "above target: positive variance"),
    (75, 80, -5.0, -0.0625, "below target: negative variance"),
    (80, 80, 0.0, 0.0, "on target: zero"),
    (75, 80, -5.0, -0.0625, "sign as the numbers say, whatever the polarity"),
    (5, 0, 5.0, None, "target 0: variance % is blank"),
    (0, 0, 0.0, None, "0 against 0: variance % is blank"),
    (-90, -100, 10.0, 0.1, "negative target: divided by |T|"),
    (-110, -100, -10.0, -0.1, "negative target, below"),
    ("35%", "40%", -0.05, -0.125, "text percentages as fractions"),
    ("31,243", "30,000", 1243.0, 1243 / 30000, "thousands separators"),
    ("N/A", 80, None, None, "marker actual: blank"),
    (80, "TBC", None, None, "marker target: blank"),
    (None, None, None, None, "both missing: blank"),
    ("#DIV/0!", 5, None, None, "Excel error: blank"),
    ("35%", 35, None, None, "unit mismatch: blank"),
]


@pytest.mark.parametrize(
    "actual, target, expected, expected_pct, why", VARIANCE_CASES, ids=[c[-1] for c in VARIANCE_CASES]
)
def test_variance(actual, target, expected, expected_pct, why):
    out = evaluate(_frame([{"actual": actual, "target": target, "polarity": "bigger"}]))
    for got, want in ((variance(actual, target), expected),
                      (variance_pct(actual, target), expected_pct)):  # fmt: skip
        if want is None:
            assert got is None
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15)
    for column, want in (("variance", expected), ("variance_pct", expected_pct)):
        got = out[column][0]
        if want is None:
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


# (current, previous, polarity, expected trend, why)
TREND_CASES = [
    (85, 80, "bigger", "improving", "bigger: up is improving"),
    (75, 80, "bigger", "worsening", "bigger: down is worsening"),
    (80, 80, "bigger", "no_change", "bigger: same is no change"),
    (85, 80, "smaller", "worsening", "smaller: up is worsening"),
    (75, 80, "smaller", "improving", "smaller: down is improving"),
    (80, 80, "smaller", "no_change", "smaller: same is no change"),
    ("87%", "85%", "Higher", "improving", "text percentages, polarity word"),
    ("35%", 0.35, "bigger", "no_change", "text percent against the same fraction"),
    (NOISE, 0.3, "bigger", "no_change", "float noise is no change"),
    ("N/A", 80, "bigger", None, "marker current: no trend"),
    (80, None, "bigger", None, "no previous: no trend"),
    (None, None, "bigger", None, "both missing: no trend"),
    (80, "#N/A", "smaller", None, "Excel error previous: no trend"),
    (85, 80, "Neutral", None, "unknown polarity: no trend"),
    ("35%", 35, "bigger", None, "different scales: no trend"),
]


@pytest.mark.parametrize(
    "current, previous, polarity, expected, why", TREND_CASES, ids=[c[-1] for c in TREND_CASES]
)
def test_trend(current, previous, polarity, expected, why):
    assert trend(current, previous, polarity) == expected
    out = evaluate(_frame([{"actual": current, "previous": previous, "polarity": polarity}]))
    assert out["trend"][0] == expected


# Polarity words on their own ---------------------------------------------------------------------

POLARITY_CASES = [
    ("Bigger", "bigger"), ("Higher", "bigger"), ("Increase", "bigger"), ("Maximise", "bigger"),
    ("Bigger is better", "bigger"), ("High is good", "bigger"), ("bigger IS better", "bigger"),
    ("Smaller", "smaller"), ("Lower", "smaller"), ("Decrease", "smaller"), ("Minimise", "smaller"),
    ("Smaller is better", "smaller"), ("Low is good", "smaller"), ("SMALLER  is better", "smaller"),
    ("Neutral", None), ("", None), (None, None), (1, None), ("Bigger is better/ Smaller is better", None),
]  # fmt: skip


@pytest.mark.parametrize("text, expected", POLARITY_CASES, ids=[repr(c[0]) for c in POLARITY_CASES])
def test_parse_polarity(text, expected):
    assert parse_polarity(text) == expected


# Findings --------------------------------------------------------------------------------------

LETTERS = {"reference": "A", "indicator": "B", "polarity": "C", "actual": "D", "target": "E",
           "previous": "F", "commentary": "G", "status": "H"}  # fmt: skip
BASE = {"sheet": "KPIs", "row": 10, "reference": "HR 01", "indicator": "Sickness absence days",
        "polarity": "smaller", "actual": 8, "target": 8, "commentary": None, "status_typed": None}  # fmt: skip
OFF = {"actual": 12}  # 12 vs 8, smaller is better: off


def findings_for(rows: list[dict], rules=None, notes=None) -> list[dict]:
    """The findings (as their JSON records) of rows like BASE, numbered from worksheet row 10."""
    table = _frame([{**BASE, "row": 10 + i, **row} for i, row in enumerate(rows)])
    if notes is not None:
        table["commentary"] = notes_commentary(table, notes)
    return [f.to_json() for f in table_findings(evaluate(table, rules), rules, LETTERS)]


def values(found: list[dict], key: str) -> list:
    return [finding[key] for finding in found]


# (changes to one row, expected findings as (code, severity, cell), why)
FINDING_CASES = [
    ({}, [], "on target with no commentary: nothing to report"),
    (OFF, [("missing_commentary", "error", "G10")], "off target and no commentary"),
    ({**OFF, "commentary": "-"}, [("missing_commentary", "error", "G10")], "commentary '-' is none"),
    ({**OFF, "commentary": "TBC"}, [("missing_commentary", "error", "G10")], "commentary 'TBC' is none"),
    ({**OFF, "commentary": "N/A"}, [("missing_commentary", "error", "G10")], "commentary 'N/A' is none"),
    ({**OFF, "commentary": "n/a"}, [("missing_commentary", "error", "G10")], "commentary 'n/a' is none"),
    ({**OFF, "commentary": "  \n "}, [("missing_commentary", "error", "G10")],
     "whitespace commentary is none"),
    ({**OFF, "commentary": "tbc."}, [("missing_commentary", "error", "G10")],
     "commentary 'tbc.' is none"),
    ({**OFF, "commentary": "Two long-term absences in the depot team."}, [],
     "off target with commentary: nothing to report"),
    ({"actual": 8.5}, [], "within tolerance needs no commentary by default"),
    ({"actual": 12, "status_typed": "Off target", "commentary": "Known"}, [],
     "typed status agrees"),
    ({"status_typed": "Off target"}, [("status_mismatch", "warning", "H10")],
     "typed status disagrees with the figures"),
    ({"status_typed": "  ON   TARGET "}, [], "typed label read case-insensitively, spaces folded"),
    ({"status_typed": "on target or better"}, [], "typed synonym recognised"),
    ({"status_typed": "Green"}, [], "typed colour word recognised"),
    ({"status_typed": "Smashing it"}, [("status_mismatch", "warning", "H10")],
     "typed text that is no label is reported"),
    ({"actual": "TBC"}, [("missing_actual", "warning", "D10")], "target but actual is a marker"),
    ({"actual": None}, [("missing_actual", "warning", "D10")], "target but actual is blank"),
    ({"target": None}, [("missing_target", "info", "E10")], "actual but no target: data only"),
    ({"actual": None, "target": None}, [], "neither figure: nothing to check"),
    ({"polarity": None}, [("unknown_polarity", "error", "C10")], "no polarity in row or rules"),
    ({"polarity": "Sideways"}, [("unknown_polarity", "error", "C10")], "unreadable polarity"),
    ({"indicator": "% of return to work interviews", "actual": 0.35, "target": 35},
     [("unit_mismatch", "error", "D10")], "0.35 against 35 in a % indicator"),
    ({"actual": "35%", "target": 35}, [("unit_mismatch", "error", "D10")], "35% against 35"),
]  # fmt: skip


@pytest.mark.parametrize("changes, expected, why", FINDING_CASES, ids=[c[-1] for c in FINDING_CASES])
def test_findings(changes, expected, why):
    found = findings_for([changes])
    got = sorted(zip(values(found, "code"), values(found, "severity"), values(found, "cell")))
    assert got == sorted(expected)
    assert set(values(found, "sheet")) <= {"KPIs"} and set(values(found, "row")) <= {10}
    assert set(values(found, "reference")) <= {"HR 01"}


def test_finding_uses_the_rules_commentary_required():
    rules = rules_from_dict({"commentary_required": ["off", "within"]})
    found = findings_for([{"actual": 8.5}], rules)
    assert values(found, "code") == ["missing_commentary"]


def test_findings_default_polarity_from_the_rules():
    rules = rules_from_dict({"polarity": "smaller"})
    assert findings_for([{"polarity": None}], rules) == []


def test_unreadable_polarity_is_not_replaced_by_the_default():
    rules = rules_from_dict({"polarity": "bigger"})
    found = findings_for([{"polarity": "Sideways"}], rules)
    assert values(found, "code") == ["unknown_polarity"]
    assert "Sideways" in found[0]["message"]
    out = evaluate(_frame([{**BASE, "polarity": "Sideways"}]), rules)
    assert out["status"][0] == "none"


def test_a_data_only_indicator_gets_no_trend_from_the_default_polarity():
    """'Number of children looked after' rising is no improvement: nobody said bigger is better.
    A target left blank or "TBC" is a target not given, not a data-only indicator."""
    rules = rules_from_dict({"polarity": "bigger"})
    rows = {"indicator": ["Children looked after", "Children looked after", "Data only", "Visits",
                          "Deaths", "Calls"],
            "polarity": [None, "Smaller", None, None, None, None],
            "previous": [412, 412, 5, 90, 3, 7], "actual": [419, 419, 6, 100, 4, 8],
            "target": ["N/A", "N/A", " data  ONLY", 95, None, "TBC"]}
    out = evaluate_columns({name: np.array(column, dtype=object) for name, column in rows.items()},
                           rules)
    assert list(out["trend"]) == [None, "worsening", None, "improving", "improving", "improving"]


@pytest.mark.parametrize("typed", ["-", "TBC", "", "   "])
def test_typed_placeholder_status_is_not_a_mismatch(typed):
    assert findings_for([{"status_typed": typed}]) == []


def test_finding_message_shows_the_figures():
    found = findings_for([{"actual": "44.4%", "target": "50%", "polarity": "bigger"}])
    assert values(found, "code") == ["missing_commentary"]
    assert "44.4%" in found[0]["message"] and "50%" in found[0]["message"]


# (references of rows in one table, [section per row], rows (0-based) flagged, why)
DUPLICATE_CASES = [
    (["HR 01", "HR 02"], None, [], "different references"),
    (["HR 01", "HR 01"], None, [1], "same reference twice: the second is flagged"),
    (["HR 01", "hr01", "HR-01."], None, [1, 2], "references match ignoring case and punctuation"),
    (["01.", "01."], ["Finance", "Revenues"], [], "same reference in two sections is fine"),
    (["01.", "01."], ["Finance", "Finance"], [1], "same reference twice in one section"),
    ([None, None], None, [], "no reference is no duplicate"),
]


@pytest.mark.parametrize("refs, sections, flagged, why", DUPLICATE_CASES,
                         ids=[c[-1] for c in DUPLICATE_CASES])  # fmt: skip
def test_duplicate_reference(refs, sections, flagged, why):
    rows = [{"reference": ref} for ref in refs]
    if sections:
        rows = [{**row, "section": s} for row, s in zip(rows, sections)]
    found = findings_for(rows)
    dup = [f for f in found if f["code"] == "duplicate_reference"]
    assert values(dup, "row") == [10 + i for i in flagged]
    assert set(values(dup, "severity")) <= {"warning"}
    assert values(dup, "cell") == [f"A{10 + i}" for i in flagged]


def test_duplicate_reference_is_per_table():
    frames = []
    for table in (0, 1):
        frame = _frame([{**BASE, "table": table, "row": 10 + table}])
        frames.append(table_findings(evaluate(frame), None, LETTERS))
    assert all(f == [] for f in frames)
    both = _frame([{**BASE, "table": 0, "row": 10}, {**BASE, "table": 1, "row": 30}])
    assert table_findings(evaluate(both), None, LETTERS) == []


# Commentary kept in a notes sheet: (row reference, row indicator, note key, matched, why)
NOTE_CASES = [
    ("HR 01", "Sickness absence days", "HR 01", True, "note keyed by the same reference"),
    ("HR 01", "Sickness absence days", "hr01", True, "reference ignoring case and spacing"),
    ("HR 01", "Sickness absence days", "HR-01.", True, "reference ignoring punctuation"),
    ("HR 01", "Sickness absence days", "sickness absence days", True, "name ignoring case"),
    ("HR 01", "Sickness absence days", "Sickness  absence - days.", True,
     "name ignoring spacing and punctuation"),
    (None, "% Calls answered within 20 secs", "CSP 01. % Calls answered within 20 secs", True,
     "note name with a leading 'CSP 01.' code"),
    (None, "CSP 01. % Calls answered within 20 secs", "% calls answered within 20 secs", True,
     "row name with a leading code, note without"),
    (None, "Server uptime", "IT 01/11 - Server uptime", True, "leading 'IT 01/11 -' code"),
    (None, "Major planning applications in 13 weeks", "PLA 157a Major planning applications in 13 weeks",
     True, "leading 'PLA 157a' code"),
    (None, "Sundry debt collected", "01. Sundry debt collected", True, "leading '01.' code"),
    (None, "CSP 01. % Calls answered within 20 secs", "CSP 01", True,
     "note keyed by the reference at the start of the row's name"),
    ("HR 01", "Sickness absence days", "HR 02", False, "another reference does not match"),
    ("HR 01", "Sickness absence days", "Staff turnover", False, "another name does not match"),
]  # fmt: skip


@pytest.mark.parametrize("reference, indicator, key, matched, why", NOTE_CASES,
                         ids=[c[-1] for c in NOTE_CASES])  # fmt: skip
def test_notes_matching(reference, indicator, key, matched, why):
    row = {**OFF, "reference": reference, "indicator": indicator}
    found = findings_for([row], notes=[(key, "Explained in the notes sheet")])
    assert ("missing_commentary" in values(found, "code")) is not matched


def test_placeholder_note_is_no_commentary():
    found = findings_for([OFF], notes=[("HR 01", "TBC")])
    assert values(found, "code") == ["missing_commentary"]


def test_own_commentary_wins_over_a_note():
    table = _frame([{**BASE, "commentary": "Own words"}])
    assert notes_commentary(table, [("HR 01", "From the notes")]).tolist() == ["Own words"]


# Matching helpers: (text, reference, rest)
SPLIT_CASES = [
    ("CSP 01. % Calls answered within 20 secs", "CSP 01", "% Calls answered within 20 secs"),
    ("IT 01/11 - Server uptime", "IT 01/11", "Server uptime"),
    ("PLA 157a Major planning applications", "PLA 157a", "Major planning applications"),
    ("01. Sundry debt collected", "01", "Sundry debt collected"),
    ("16-18 year olds in education", None, "16-18 year olds in education"),
    ("35 days to process claims", None, "35 days to process claims"),
    ("Q1 outturn", None, "Q1 outturn"),
]


@pytest.mark.parametrize("text, reference, rest", SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_reference(text, reference, rest):
    assert split_reference(text) == (reference, rest)


def test_keys():
    assert reference_key("HR 01") == reference_key("hr01") == reference_key("HR-01.")
    assert reference_key(101.0) == reference_key("101")
    assert name_key("CSP 01. % Calls answered") == name_key("calls  answered!")
