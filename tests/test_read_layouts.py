"""The three workbook layouts of domain.md, read from files and checked end to end (`--json`).

Expected values are worked out from domain.md by hand: status bands (10% relative), trend by
polarity, the findings and the cells they point at.
"""

from __future__ import annotations

import json

import pytest

from kpi_cli.main import main
from tests.layout_books import layout1_book, layout2_book, layout3_book

approx = pytest.approx


def validate_json(path, capsys, *extra) -> tuple[int, dict]:
    code = main(["validate", str(path), "--json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def statuses(document) -> dict[tuple[str, int], tuple]:
    return {
        (item["sheet"], item["row"]): (item["reference"], item["status"], item["trend"],
                                       item["polarity"])
        for item in document["indicators"]
    }  # fmt: skip


def findings(document) -> list[tuple]:
    return [(f["code"], f["sheet"], f["row"], f["cell"], f["severity"]) for f in document["findings"]]


# --- layout 1: title rows, colour key, one header row --------------------------------------------

LAYOUT1_SHEET = "Partnerships & Communities"


@pytest.fixture(scope="module")
def layout1(tmp_path_factory):
    return layout1_book(tmp_path_factory.mktemp("layout1") / "q1.xlsx")


def test_layout1_table_and_columns(layout1, capsys):
    code, document = validate_json(layout1, capsys)
    assert code == 1  # error findings present
    assert document["book"] == "q1.xlsx"
    assert document["tables"] == [{
        "sheet": LAYOUT1_SHEET, "header_row": 7,
        "columns": {"reference": "A", "indicator": "B", "polarity": "D", "actual": "J",
                    "target": "I", "previous": "F", "commentary": "K"},
    }]  # fmt: skip


def test_layout1_every_indicator(layout1, capsys):
    _, document = validate_json(layout1, capsys)
    S = LAYOUT1_SHEET
    assert statuses(document) == {
        (S, 8): ("MKC 1423", "on", "no_change", "smaller"),
        (S, 9): ("MKC1611", "off", "worsening", "bigger"),  # 44.4% v 50%: 5.6 pts > 5 pts band
        (S, 10): ("MKC 1700", "none", None, "smaller"),  # actual "New"
        (S, 11): ("MKC 1801", "within", "improving", "smaller"),  # 1,085 v 1,000: within 100
        (S, 12): ("MKC 1905", "off", "worsening", "bigger"),
        (S, 13): ("MKC 2001", "none", None, "bigger"),  # no target
        (S, 14): ("MKC 2002", "none", None, None),  # no polarity anywhere
        (S, 15): ("MKC 2003", "none", "improving", "bigger"),  # 97.5% against 96: units differ
        (S, 16): ("MKC 1611", "none", None, "bigger"),  # #N/A actual
    }
    first, second, _, households, *_ = document["indicators"]
    assert first["indicator"] == "% Avoidable contact Demand Capture"
    assert (first["actual"], first["target"], first["previous"]) == (0.35, 0.35, 0.35)
    assert (first["variance"], first["variance_pct"]) == (0.0, 0.0)
    assert second["actual"] == approx(0.444) and second["target"] == approx(0.5)
    assert second["variance"] == approx(-0.056) and second["variance_pct"] == approx(-0.112)
    assert (households["actual"], households["target"], households["previous"]) == (1085, 1000, 1210)
    assert households["variance_pct"] == approx(0.085)
    parks = document["indicators"][5]
    assert parks["actual"] == approx(0.87) and parks["target"] is None
    assert all(item["section"] is None for item in document["indicators"])


def test_layout1_every_finding(layout1, capsys):
    _, document = validate_json(layout1, capsys)
    S = LAYOUT1_SHEET
    assert findings(document) == [
        ("missing_commentary", S, 9, "K9", "error"),  # "  " is no commentary
        ("missing_actual", S, 10, "J10", "warning"),
        ("missing_target", S, 13, "I13", "info"),
        ("unknown_polarity", S, 14, "D14", "error"),
        ("unit_mismatch", S, 15, "J15", "error"),
        ("duplicate_reference", S, 16, "A16", "warning"),  # "MKC 1611 " = "MKC1611"
        ("missing_actual", S, 16, "J16", "warning"),
    ]
    assert document["findings"][0]["message"] == "Off target (44.4% against 50%) and no commentary"
    assert document["findings"][0]["reference"] == "MKC1611"


def test_layout1_mapping_is_printed(layout1, capsys):
    assert main(["validate", str(layout1)]) == 1
    out = capsys.readouterr().out
    assert 'sheet "Partnerships & Communities", header row 7' in out
    for line in ("reference   A       Reference", "actual      J       Q1",
                 "target      I       Quarterly Target 2021/22",
                 "previous    F       Q4 Outturn 2020/21"):  # fmt: skip
        assert line in out
    assert "K9" in out and "missing_commentary" in out


# --- layout 2: sections, references inside the text, typed status, notes sheet -----------------

LAYOUT2_SHEET = "Corporate Scorecard"


@pytest.fixture(scope="module")
def layout2(tmp_path_factory):
    return layout2_book(tmp_path_factory.mktemp("layout2") / "scorecard.xlsx")


def test_layout2_table_and_columns(layout2, capsys):
    code, document = validate_json(layout2, capsys)
    assert code == 1
    assert document["tables"] == [{
        "sheet": LAYOUT2_SHEET, "header_row": 4,
        "columns": {"indicator": "A", "actual": "C", "target": "D", "previous": "B", "status": "E"},
    }]  # fmt: skip


def test_layout2_every_indicator(layout2, capsys):
    _, document = validate_json(layout2, capsys)
    S = LAYOUT2_SHEET
    assert statuses(document) == {
        (S, 5): ("01", "within", "improving", "bigger"),
        (S, 6): ("02", "within", "improving", "bigger"),
        (S, 8): ("01", "within", "improving", "bigger"),  # "01" again, under Revenues
        (S, 9): ("02", "off", "worsening", "smaller"),  # [indicators."Average days ..."]
        (S, 11): ("HR 01", "off", "worsening", "smaller"),  # [indicators."HR 01"]
        (S, 12): ("HR 02", "none", None, "bigger"),  # actual "N/A"
        (S, 14): ("IT 01/11", "on", "improving", "bigger"),
        (S, 15): ("IT 02", "within", "worsening", "bigger"),  # 81% v 90%: on the 10% edge
        (S, 16): ("PLA 157a", "none", None, "bigger"),  # actual "–"
    }
    sections = {item["row"]: item["section"] for item in document["indicators"]}
    assert sections == {5: "Finance", 6: "Finance", 8: "Revenues", 9: "Revenues", 11: "HR",
                        12: "HR", 14: "ICT", 15: "ICT", 16: "ICT"}  # fmt: skip
    names = [item["indicator"] for item in document["indicators"]]
    assert names[0] == "% of invoices paid within 30 days"
    assert names[5] == "Staff turnover"
    assert names[6] == "Server availability"
    assert names[8] == "Major planning applications in 13 weeks"
    growth = document["indicators"][1]
    assert (growth["actual"], growth["target"], growth["previous"]) == (31510, 32000, 31243)


def test_layout2_every_finding(layout2, capsys):
    _, document = validate_json(layout2, capsys)
    S = LAYOUT2_SHEET
    # Row 5 and 11 are off/within with a note in "Exception Notes"; row 9's note is "TBC".
    assert findings(document) == [
        ("status_mismatch", S, 6, "E6", "warning"),  # typed "On target", figures say within
        ("missing_commentary", S, 9, "E9", "error"),
        ("missing_actual", S, 12, "C12", "warning"),
        ("missing_actual", S, 16, "C16", "warning"),
    ]
    assert "no commentary" in document["findings"][1]["message"]


def test_layout2_without_rules_reports_unknown_polarity(tmp_path, capsys):
    book = layout2_book(tmp_path / "scorecard.xlsx", with_rules=False)
    _, document = validate_json(book, capsys)
    codes = {f["code"] for f in document["findings"]}
    assert "unknown_polarity" in codes
    assert {item["status"] for item in document["indicators"]} == {"none"}


# --- layout 3: several tables, merged two-row header, hidden column, ListObject -----------------

@pytest.fixture(scope="module")
def layout3(tmp_path_factory):
    return layout3_book(tmp_path_factory.mktemp("layout3") / "directorates.xlsx")


def test_layout3_tables_and_columns(layout3, capsys):
    code, document = validate_json(layout3, capsys)
    assert code == 1
    directorate = {"reference": "A", "indicator": "B", "polarity": "F", "actual": "D",
                   "target": "E", "commentary": "G"}  # fmt: skip
    assert document["tables"] == [
        {"sheet": "Directorates", "header_row": 3, "columns": directorate},
        # the hidden column C is also headed "Target": the visible one wins
        {"sheet": "Directorates", "header_row": 10, "columns": directorate},
        {"sheet": "Place", "header_row": 3,
         "columns": {"reference": "B", "indicator": "C", "polarity": "D", "actual": "E",
                     "target": "F", "previous": "G", "commentary": "H"}},
    ]  # fmt: skip


def test_layout3_every_indicator(layout3, capsys):
    _, document = validate_json(layout3, capsys)
    assert statuses(document) == {
        ("Directorates", 4): ("ASC 01", "off", None, "bigger"),
        ("Directorates", 5): ("ASC 02", "within", None, "smaller"),
        ("Directorates", 6): ("ASC 03", "on", None, "bigger"),
        ("Directorates", 7): ("ASC 04", "none", None, "smaller"),
        ("Directorates", 11): ("CSC 01", "on", None, "smaller"),
        ("Directorates", 12): ("CSC 02", "off", None, "bigger"),
        ("Directorates", 13): ("CSC 03", "none", None, None),
        ("Place", 4): ("PL 01", "within", "improving", "bigger"),
        ("Place", 5): ("PL 02", "within", "improving", "smaller"),
        ("Place", 6): ("PL 03", "off", "worsening", "bigger"),
        ("Place", 7): ("PL 04", "on", "no_change", "bigger"),
    }
    place = document["indicators"][7]
    assert (place["actual"], place["target"], place["previous"]) == (
        approx(0.412), approx(0.45), approx(0.401))
    # the hidden stale target (column C) is not the one read
    assert document["indicators"][4]["target"] == approx(0.04)


def test_layout3_every_finding(layout3, capsys):
    _, document = validate_json(layout3, capsys)
    assert findings(document) == [
        ("missing_commentary", "Directorates", 4, "G4", "error"),
        ("missing_actual", "Directorates", 7, "D7", "warning"),
        ("missing_commentary", "Directorates", 12, "G12", "error"),  # "-" is no commentary
        ("unknown_polarity", "Directorates", 13, "F13", "error"),
        ("missing_commentary", "Place", 6, "H6", "error"),
    ]
    assert document["findings"][2]["message"] == "Off target (48% against 60%) and no commentary"


def test_summary_counts_by_section(layout2, capsys):
    assert main(["summary", str(layout2), "--json"]) == 0  # summary counts; findings are validate's business
    document = json.loads(capsys.readouterr().out)
    rows = {row["section"]: row for row in document["summary"]}
    assert list(rows) == ["Finance", "Revenues", "HR", "ICT"]
    assert rows["Revenues"] | {} == {"sheet": LAYOUT2_SHEET, "header_row": 4,
                                     "section": "Revenues", "on": 0, "within": 1, "off": 1,
                                     "none": 0, "total": 2}  # fmt: skip
    assert rows["ICT"]["on"] == 1 and rows["ICT"]["none"] == 1 and rows["ICT"]["total"] == 3


def test_what_the_file_adds_to_the_values(layout1, layout3):
    """Percent formats (sheet name with "&"), hidden columns, merged cells, Excel tables."""
    from workbook.read.grid import MergedRange, TableRange, read_grids

    sheet = read_grids(layout1)[LAYOUT1_SHEET]
    assert all((8, column) in sheet.percent_cells for column in range(6, 11))  # F8:J8 are 0.0%
    assert (9, 10) not in sheet.percent_cells  # "44.4%" is text
    assert sheet.cell(8, 10) == 0.35 and sheet.cell(7, 10) == "Q1"
    grids = read_grids(layout3)
    assert grids["Directorates"].hidden_columns == {3}
    assert MergedRange(2, 4, 2, 5) in grids["Directorates"].merged
    assert grids["Place"].tables == [TableRange("PlaceKPIs", 3, 2, 7, 8)]
