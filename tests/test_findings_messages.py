"""Findings a performance officer reads: which rows get one and what the message says."""

from collections import Counter

from kpi_rules.findings import table_findings
from kpi_rules.table import evaluate_columns
from tests.test_status_spec import _frame

COLUMNS = {"reference": "A", "indicator": "B", "polarity": "C", "actual": "D", "target": "E",
           "commentary": "F", "status": "G"}  # fmt: skip


def findings(**row):
    table = _frame([{"sheet": "KPIs", "row": 8, "reference": "HR 01", "indicator": "x",
                     "polarity": "Bigger", **row}])  # fmt: skip
    return [f.to_json() for f in table_findings(evaluate_columns(table), None, COLUMNS)]


def first(found: list[dict], code: str) -> dict:
    return next(f for f in found if f["code"] == code)


def test_a_typed_status_beside_figures_that_cannot_be_assessed_is_not_questioned():
    """Issue 11: the finding about the figures says why; a mismatch beside it was noise."""
    found = findings(actual="New", target=0.9, status_typed="On target")
    assert [f["code"] for f in found] == ["missing_actual"]
    no_polarity = [f.to_json() for f in table_findings(evaluate_columns(_frame([{
        "reference": "R1", "actual": 5, "target": 4, "status_typed": "G"}])))]
    assert [f["code"] for f in no_polarity] == ["unknown_polarity"]


def test_an_unknown_typed_label_is_reported_even_beside_unassessable_figures():
    found = findings(actual="New", target=0.9, status_typed="Smashing it")
    mismatch = first(found, "status_mismatch")
    assert mismatch["cell"] == "G8"
    assert "is not a known label" in mismatch["message"]


def test_typed_not_assessed_beside_unassessable_figures_is_fine():
    found = findings(actual="New", target=0.9, status_typed="Not assessed")
    assert "status_mismatch" not in {f["code"] for f in found}


def test_unit_mismatch_message_shows_each_value_as_written():
    found = findings(actual="35%", target=35, commentary="Explained")
    message = first(found, "unit_mismatch")["message"]
    assert message.startswith("Actual 35% and target 35 look like different units")


def test_off_target_message_shows_percentages_when_either_side_is_one():
    found = findings(actual="44.4%", target=0.5)
    message = first(found, "missing_commentary")["message"]
    assert message == "Off target (44.4% against 50%) and no commentary"


def test_many_findings_are_built_in_one_pass():
    table = _frame([{"sheet": "KPIs", "row": row, "reference": "R", "polarity": "Bigger",
                     "actual": 1.0, "target": 2.0} for row in range(2, 2002)])  # fmt: skip
    found = table_findings(evaluate_columns(table), None, COLUMNS)
    counts = Counter(str(f.code) for f in found)
    assert counts["missing_commentary"] == 2000 and counts["duplicate_reference"] == 1999
    rows = [f.row for f in found]
    assert rows == sorted(rows)
