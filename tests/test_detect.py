"""Table detection on in-memory grids (what the add-in's scripts receive): header synonyms,
sections, several tables, and rows that only look like headers."""

from __future__ import annotations

import pytest

from workbook.addresses import column_letter
from workbook.read.grid import Grid
from workbook.read.tables import find_tables


def letters(layout) -> dict[str, str]:
    return {role: column_letter(column) for role, column in layout.columns.items()}


def grid(rows: list[list], name: str = "KPIs") -> Grid:
    return Grid(name, [list(row) for row in rows])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Ref", "Indicator", "Actual", "Target"],
         {"reference": "A", "indicator": "B", "actual": "C", "target": "D"}),
        (["PI Code", "Measure", "Outturn", "Target", "Good is", "Narrative"],
         {"reference": "A", "indicator": "B", "actual": "C", "target": "D", "polarity": "E",
          "commentary": "F"}),
        (["Code", "KPI", "Result", "Annual Target", "Quarterly Target", "RAG"],
         {"reference": "A", "indicator": "B", "actual": "C", "target": "E", "status": "F"}),
        (["Reference", "Description", "Value", "Target", "Polarity", "Comments"],
         {"reference": "A", "indicator": "B", "actual": "C", "target": "D", "polarity": "E",
          "commentary": "F"}),
        (["Performance Indicator", "Last quarter", "Q2 2024/25", "Target", "Notes"],
         {"indicator": "A", "previous": "B", "actual": "C", "target": "D", "commentary": "E"}),
        (["Indicator", "Q2 2024/25", "Q1 2024/25", "Last year", "Target 2024/25", "Status"],
         {"indicator": "A", "actual": "B", "previous": "D", "target": "E", "status": "F"}),
        (["Indicator", "Q1 2024/25", "Q2 2024/25", "Target 2023/24", "Target 2024/25"],
         {"indicator": "A", "previous": "B", "actual": "C", "target": "E"}),
        (["KPI", "Direction of travel", "Current", "Target", "Bigger is better/ Smaller is better"],
         {"indicator": "A", "actual": "C", "target": "D", "polarity": "E"}),
    ],
)  # fmt: skip
def test_header_synonyms(header, expected):
    rows = [header, ["Thing counted"] + [1.0] * (len(header) - 1),
            ["Other thing"] + [2.0] * (len(header) - 1)]  # a table has two rows with figures
    (layout,) = find_tables(grid(rows))
    assert letters(layout) == expected


def test_header_with_offset_title_and_key_then_sections_and_footnote():
    rows = [
        ["Quarterly performance report"],
        [],
        [None, "Key:", "On target", "Within 10% of target", "More than 10% off target"],
        [],
        [None, "Ref", "Indicator", "Polarity", "Actual", "Target", "Comments"],
        [None, "Waste"],
        [None, "W1", "Recycling rate", "Bigger", "45%", "50%", None],
        [None, "W2", "Missed bins per 100k", "Smaller", 40, 50, "ok"],
        [None, "Housing"],
        [None, "H1", "Homes delivered", "Bigger", 61, 75, None],
        [],
        [None, "Source: service returns"],
    ]
    (layout,) = find_tables(grid(rows))
    assert (layout.header_row, layout.first_row, layout.last_row) == (5, 7, 10)
    assert layout.sections == {7: "Waste", 8: "Waste", 10: "Housing"}
    assert letters(layout)["reference"] == "B"


def test_two_tables_stacked_on_one_sheet():
    header = ["Ref", "Indicator", "Actual", "Target"]
    rows = [["Adults"], header, ["A1", "One", 1, 2], ["A2", "Two", 3, 4], [], ["Children"],
            header, ["C1", "Three", 5, 6], ["C2", "Four", 7, 8]]  # fmt: skip
    first, second = find_tables(grid(rows))
    assert (first.header_row, first.data_rows) == (2, [3, 4])
    assert (second.header_row, second.data_rows) == (7, [8, 9])


def test_a_wordy_first_data_row_is_not_taken_for_the_header():
    rows = [
        ["Ref", "Indicator", "Polarity", "Actual", "Target", "Commentary"],
        ["R1", "Current value against target", "Bigger", "New", "TBC", "Status to follow"],
        ["R2", "Second", "Bigger", 5, 4, None],
    ]
    (layout,) = find_tables(grid(rows))
    assert layout.header_row == 1
    assert layout.data_rows == [2, 3]


def test_ragged_rows_and_none_from_the_addin():
    rows = [[None, None], ["Indicator", "Actual", "Target", "Polarity"], ["Thing", 3],
            ["Other", None, 4, "Smaller", None, None, "stray"]]  # fmt: skip
    (layout,) = find_tables(grid(rows))
    assert layout.data_rows == [3, 4]


def test_no_indicator_header_takes_the_text_column_and_first_section():
    rows = [["Finance", "Q2 Actual", "Q2 Target", "Status"],
            ["01. Invoices paid in 30 days", 0.9, 0.95, "Amber"],
            ["Revenues"],
            ["01. Council tax collected", 0.5, 0.55, "Amber"]]  # fmt: skip
    (layout,) = find_tables(grid(rows))
    assert letters(layout) == {"actual": "B", "target": "C", "status": "D", "indicator": "A"}
    assert layout.reference_in_indicator
    assert layout.sections == {2: "Finance", 4: "Revenues"}


def test_nothing_that_looks_like_a_kpi_table():
    rows = [["Minutes of the meeting"], ["Present", "Cllr Smith, Cllr Jones"],
            ["Target audience", "Residents"]]  # fmt: skip
    assert find_tables(grid(rows)) == []


def test_current_value_is_the_actual_and_latest_notes_the_commentary():
    """Issue 11's flat table: "Latest notes" was taken for the actual, a text column."""
    rows = [["PI code", "Description", "Current value (Q1 2014/15)", "Target", "Latest notes"],
            ["NI 192", "Household waste recycled", "43.1%", "45%", "Garden waste down"],
            ["NI 191", "Residual waste per household (kg)", 112, 110, "Dry spring"]]  # fmt: skip
    (layout,) = find_tables(grid(rows))
    assert letters(layout) == {"reference": "A", "indicator": "B", "actual": "C", "target": "D",
                               "commentary": "E"}  # fmt: skip


def test_a_status_column_of_other_words_is_not_the_typed_status():
    rows = [["Measure", "Current Target", "Current Performance", "Status"],
            ["Missed bins per 100,000", 40, 35, "Up to date"],
            ["Green flag parks", 12, 13, "Overdue"]]  # fmt: skip
    (layout,) = find_tables(grid(rows))
    assert "status" not in layout.columns
    assert layout.skipped[4].startswith("'Status': no status labels")
