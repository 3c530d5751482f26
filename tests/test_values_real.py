"""Values as real reports write them (issue 11, point 1), one table of cases.

Each case: the actual and target as typed, the polarity, the status a performance officer works
out by hand (10% relative band unless said), and the numbers they are compared as (the actual in
the target's unit). The one-indicator function and the table engine must both give it.
"""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

from kpi_rules import parse_value, status
from kpi_rules.findings import table_findings
from kpi_rules.table import evaluate_columns

NONE = None  # no number
# (actual, target, polarity, expected status, actual compared as, target compared as, why)
CASES = [
    # currency and k/m/bn
    ("£1.2m", "£1m", "bigger", "on", 1.2e6, 1e6, "millions against millions"),
    ("£450k", "£500k", "bigger", "within", 450e3, 500e3, "thousands: 10% short is within"),
    ("£440k", "£500k", "bigger", "off", 440e3, 500e3, "thousands: 12% short is off"),
    ("£2.5bn", "£2.4bn", "smaller", "within", 2.5e9, 2.4e9, "billions, spending smaller is better"),
    ("£1,250", 1000, "smaller", "off", 1250, 1000, "a currency sign against a plain number"),
    ("£1.2m", 1200000, "bigger", "on", 1.2e6, 1.2e6, "a plain target in pounds"),
    ("1.2k", 1000, "bigger", "on", 1200, 1000, "k without a currency"),
    ("1.2k", "1,100", "smaller", "within", 1200, 1100, "k against a thousands separator"),
    ("(£1.2m)", "-£1.1m", "bigger", "within", -1.2e6, -1.1e6, "accounting brackets around money"),
    ("£563.3m", "£563.4m", "smaller", "on", 563.3e6, 563.4e6, "gross budget in £m"),
    ("£5 per visit", "£4 per visit", "smaller", "off", 5, 4, "a unit after the money"),
    ("£1.2m", "1.2m visits", "bigger", "none", 1.2e6, 1.2e6, "money against visits"),
    # durations: clock forms, Excel time cells and words, compared in one unit
    ("00:03:30", "00:03:00", "smaller", "off", 210, 180, "hh:mm:ss: 30 s over 3 min is off"),
    ("00:03:10", "00:03:00", "smaller", "within", 190, 180, "hh:mm:ss within 10%"),
    ("3:10", "3:00", "smaller", "within", 190, 180, "mm:ss"),
    ("2:45", "00:03:00", "smaller", "on", 165, 180, "mm:ss against hh:mm:ss"),
    (datetime.time(0, 3, 30), datetime.time(0, 3, 0), "smaller", "off", 210, 180,
     "Excel time cells (an mm:ss format) read as durations"),
    (datetime.timedelta(hours=26), datetime.timedelta(hours=24), "smaller", "within",
     93600, 86400, "an elapsed-time [h]:mm:ss cell"),
    (datetime.time(0, 7, 30), "00:07:00", "smaller", "within", 450, 420, "time cell against text"),
    ("3.5 mins", "3 mins", "smaller", "off", 3.5, 3, "minutes"),
    ("3.2 mins", "3 minutes", "smaller", "within", 3.2, 3, "mins and minutes are one unit"),
    ("2 hrs", "90 mins", "smaller", "off", 120, 90, "hours against minutes, in minutes"),
    ("1.5 hours", "90 mins", "smaller", "on", 90, 90, "one and a half hours is 90 minutes"),
    ("5.3 days", "5 days", "smaller", "within", 5.3, 5, "days"),
    ("18.4 days", "15.0 days", "smaller", "off", 18.4, 15, "benefits: 18.4 days against 15"),
    ("12 weeks", "18 weeks", "smaller", "on", 12, 18, "weeks"),
    ("2 weeks", "15 days", "smaller", "on", 14, 15, "weeks against days, in days"),
    ("45 secs", "1 min", "smaller", "on", 0.75, 1, "seconds against a minute"),
    ("4 minutes (Quarterly target)", "4 minutes", "smaller", "on", 4, 4,
     "a bracketed remark is a note"),
    ("5.3 days", 5, "smaller", "within", 5.3, 5, "a plain target in the actual's unit"),
    (16.4, "15 days", "smaller", "within", 16.4, 15, "a plain actual in the target's unit"),
    ("00:03:30", 180, "smaller", "none", 210, 180, "a clock time against a plain number"),
    ("5 days", "00:03:00", "smaller", "off", 432000, 180, "compared as durations, in seconds"),
    ("5 days", "£5", "smaller", "none", 5, 5, "days against money"),
    ("80%", "5 days", "bigger", "none", 0.8, 5, "a percentage against days"),
    # other unit suffixes
    ("4,039 visits", "4,000 visits", "bigger", "on", 4039, 4000, "the same suffix"),
    ("3,900 visits", "4,000 visit", "bigger", "within", 3900, 4000, "singular and plural"),
    ("12 visits", "15 calls", "bigger", "none", 12, 15, "different suffixes: unit_mismatch"),
    ("150 kg", 140, "smaller", "within", 150, 140, "kg against a plain number"),
    # footnote marks, provisional and revised, approximations
    ("80%*", "85%", "bigger", "within", 0.8, 0.85, "footnote mark kept as a note"),
    ("88% (p)", "90%", "bigger", "within", 0.88, 0.9, "provisional"),
    ("91% (r)", "90%", "bigger", "on", 0.91, 0.9, "revised"),
    ("86.4%(provisional)", "95%", "bigger", "within", 0.864, 0.95, "provisional spelt out"),
    ("79%†", "90%", "bigger", "off", 0.79, 0.9, "a dagger"),
    ("92.4% [note 3]", "92%", "bigger", "on", 0.924, 0.92, "[note 3]"),
    ("c. 80%", "90%", "bigger", "off", 0.8, 0.9, "c. is read as the number"),
    ("approx. 80", "85", "bigger", "within", 80, 85, "approx."),
    ("~80", 100, "bigger", "off", 80, 100, "a tilde"),
    ("about 95", "c. 100", "bigger", "within", 95, 100, "both approximate"),
    # suppressed small numbers
    ("<5", 3, "smaller", "none", NONE, 3, "a suppressed count is not assessed"),
    ("< 10", 12, "smaller", "none", NONE, 12, "< with a space"),
    ("*", 3, "smaller", "none", NONE, 3, "a lone asterisk is a suppressed value"),
    ("[c]", 3, "smaller", "none", NONE, 3, "[c], the ONS mark for confidential"),
    (4, "<5", "smaller", "none", 4, NONE, "a suppressed target"),
    # Yes/No indicators: on when equal, else off; no band, no polarity needed
    ("Yes", "Yes", None, "on", 1, 1, "Yes against Yes"),
    ("No", "Yes", None, "off", 0, 1, "No against Yes is off, not within"),
    ("no", "No", "smaller", "on", 0, 0, "No against No, case-insensitive"),
    ("Yes", "No", "bigger", "off", 1, 0, "Yes where No is wanted is off, whatever the polarity"),
    ("Yes", 1, "bigger", "none", 1, 1, "Yes against a number cannot be compared"),
    # plain values still read as before
    ("37%", "40%", "bigger", "within", 0.37, 0.4, "text percentages"),
    ("31,243", "30,000", "bigger", "on", 31243, 30000, "thousands separators"),
    ("(11)", -10, "bigger", "within", -11, -10, "(11) is -11: 1 short of -10 is on the edge"),
    ("N/A", 80, "bigger", "none", NONE, 80, "a marker"),
]


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@pytest.mark.parametrize("actual, target, polarity, expected, a_number, t_number, why", CASES,
                         ids=[case[-1] for case in CASES])  # fmt: skip
def test_value_case(actual, target, polarity, expected, a_number, t_number, why):
    assert status(actual, target, polarity) == expected
    table = evaluate_columns({"actual": _objects([actual]), "target": _objects([target]),
                              "polarity": _objects([polarity])})  # fmt: skip
    assert table["status"][0] == expected
    for got, want in ((table["actual_value"][0], a_number), (table["target_value"][0], t_number)):
        if want is None:
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want, rel=1e-9)


def _objects(values) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def test_every_kind_of_point_1_is_covered():
    assert len(CASES) >= 60
    assert len({case[-1] for case in CASES}) == len(CASES), "ids must be unique"


@pytest.mark.parametrize(("text", "note"), [
    ("80%*", "*"), ("88% (p)", "provisional"), ("90% (r)", "revised"), ("c. 80%", "approximate"),
    ("88% (provisional)", "provisional"), ("12.5 days (e)", "estimated"),
    ("~80 (p)", "approximate, provisional"), ("80%", None),
])  # fmt: skip
def test_marks_are_kept_as_a_note_beside_the_number(text, note):
    assert parse_value(text).note == note
    table = evaluate_columns({"actual": _objects([text]), "target": _objects(["90%"])})
    assert table["actual_note"][0] == note


def test_a_suppressed_value_gets_a_finding_that_says_why_and_no_missing_actual():
    table = evaluate_columns({"actual": _objects(["<5", 4]), "target": _objects([3, "*"]),
                              "polarity": _objects(["smaller", "smaller"]),
                              "row": np.array([8, 9])})  # fmt: skip
    found = table_findings(table, None, {"actual": "D", "target": "E"})
    assert [(f.code, f.severity, f.cell) for f in found] == [
        ("suppressed_value", "info", "D8"), ("suppressed_value", "info", "D9")]
    assert found[0].message == ("Actual '<5' is a suppressed small number (withheld for "
                                "privacy): not assessed")
    assert found[1].message.startswith("Target '*' is a suppressed small number")


def test_values_in_different_units_are_a_unit_mismatch_with_the_values_as_written():
    table = evaluate_columns({"actual": _objects(["12 visits"]), "target": _objects(["£5"]),
                              "polarity": _objects(["bigger"]), "row": np.array([3])})  # fmt: skip
    (found,) = table_findings(table, None, {"actual": "C"})
    assert (found.code, found.cell) == ("unit_mismatch", "C3")
    assert found.message == "Actual '12 visits' and target '£5' are in different units: not assessed"
    assert math.isnan(table["variance"][0])


def test_durations_variance_is_in_the_targets_unit_and_messages_show_it():
    table = evaluate_columns({"actual": _objects(["2 hrs", "00:03:30"]),
                              "target": _objects(["90 mins", "00:03:00"]),
                              "polarity": _objects(["smaller", "smaller"]),
                              "row": np.array([4, 5])})  # fmt: skip
    assert table["variance"].tolist() == [30.0, 30.0]  # 30 minutes; 30 seconds
    assert table["unit"].tolist() == ["minutes", "hh:mm:ss"]
    found = table_findings(table, None, {"actual": "C", "commentary": "F"})
    assert [f.message for f in found] == [
        "Off target (120 minutes against 90 minutes) and no commentary",
        "Off target (0:03:30 against 0:03:00) and no commentary"]


def test_yes_no_needs_no_polarity_and_has_no_variance():
    table = evaluate_columns({"actual": _objects(["No"]), "target": _objects(["Yes"]),
                              "previous": _objects(["Yes"]), "row": np.array([2])})  # fmt: skip
    assert table["status"][0] == "off" and math.isnan(table["variance"][0])
    codes = [f.code for f in table_findings(table)]
    assert "unknown_polarity" not in codes and "missing_commentary" in codes


def test_a_unit_column_applies_its_unit_to_the_row():
    table = evaluate_columns({
        "actual": _objects([450, 5.3, 87, "Yes", 4]),
        "target": _objects([500, "5 days", 90, "Yes", 3]),
        "unit": _objects(["£k", "days", "%", "Yes/No", "£m"]),
        "polarity": _objects(["bigger", "smaller", "bigger", None, "smaller"]),
    })  # fmt: skip
    assert table["status"].tolist() == ["within", "within", "within", "on", "off"]
    assert table["actual_value"].tolist()[0] == 450_000 and table["unit"][0] == "£"
    assert table["target_value"].tolist()[4] == 3e6
    percent = evaluate_columns({"actual": _objects([0.35]), "target": _objects([35]),
                                "unit": _objects(["%"]), "polarity": _objects(["bigger"])})
    assert bool(percent["unit_mismatch"][0])  # a "%" row is a percentage indicator: 0.35 vs 35
