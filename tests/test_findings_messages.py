"""Findings a performance officer reads: which rows get one and what the message says."""

import pandas as pd

from kpi_rules import evaluate, find_findings

COLUMNS = {"reference": "A", "indicator": "B", "polarity": "C", "actual": "D", "target": "E",
           "commentary": "F", "status": "G"}  # fmt: skip


def findings(**row):
    frame = pd.DataFrame([{"sheet": "KPIs", "row": 8, "reference": "HR 01", "indicator": "x",
                           "polarity": "Bigger", **row}])  # fmt: skip
    return find_findings(evaluate(frame), None, COLUMNS)


def test_a_typed_status_beside_figures_that_cannot_be_assessed_is_not_questioned():
    """Issue 11: the finding about the figures says why; a mismatch beside it was noise."""
    found = findings(actual="New", target=0.9, status_typed="On target")
    assert list(found["code"]) == ["missing_actual"]
    no_polarity = find_findings(evaluate(pd.DataFrame([{
        "reference": "R1", "actual": 5, "target": 4, "status_typed": "G"}], dtype=object)))
    assert list(no_polarity["code"]) == ["unknown_polarity"]


def test_an_unknown_typed_label_is_reported_even_beside_unassessable_figures():
    found = findings(actual="New", target=0.9, status_typed="Smashing it")
    mismatch = found[found["code"] == "status_mismatch"].iloc[0]
    assert mismatch["cell"] == "G8"
    assert "is not a known label" in mismatch["message"]


def test_typed_not_assessed_beside_unassessable_figures_is_fine():
    found = findings(actual="New", target=0.9, status_typed="Not assessed")
    assert "status_mismatch" not in set(found["code"])


def test_unit_mismatch_message_shows_each_value_as_written():
    found = findings(actual="35%", target=35, commentary="Explained")
    message = found[found["code"] == "unit_mismatch"].iloc[0]["message"]
    assert message.startswith("Actual 35% and target 35 look like different units")


def test_off_target_message_shows_percentages_when_either_side_is_one():
    found = findings(actual="44.4%", target=0.5)
    message = found[found["code"] == "missing_commentary"].iloc[0]["message"]
    assert message == "Off target (44.4% against 50%) and no commentary"


def test_many_findings_are_built_in_one_pass():
    frame = pd.DataFrame({"sheet": "KPIs", "row": range(2, 2002), "reference": "R",
                          "polarity": "Bigger", "actual": 1.0, "target": 2.0})  # fmt: skip
    found = find_findings(evaluate(frame), None, COLUMNS)
    counts = found["code"].value_counts()
    assert counts["missing_commentary"] == 2000 and counts["duplicate_reference"] == 1999
    assert found["row"].is_monotonic_increasing
