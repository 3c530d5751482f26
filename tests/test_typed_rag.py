"""Typed statuses as councils type them (issue 11, point 2), through the command line: RAG letters
and colour words need no rules file, Blue (BRAG's "exceeded") reads as on and Info as none, and
refresh writes the status back in the style the column had."""

from __future__ import annotations

import json

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from kpi_cli.main import main

HEADER = ["Ref", "Indicator", "Polarity", "Actual", "Target", "RAG"]
# (typed, actual, what the figures say, whether the typed status disagrees)
ROWS = [
    ("G", 100, "on", False), ("A", 95, "within", False), ("R", 50, "off", False),
    ("B", 120, "on", False), ("Info", "N/A", "none", False), ("G", 50, "off", True),
]  # fmt: skip
WORDS = ["Green", "Amber", "Red", "Blue", "Data only", "Green"]


def book(path, typed: list[str]):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("KPIs")
    sheet.write_row(0, 0, HEADER)
    for index, ((_, actual, _, _), status) in enumerate(zip(ROWS, typed, strict=True), start=1):
        target = None if actual == "N/A" else 100
        sheet.write_row(index, 0, [f"A{index}", f"Indicator {index}", "Bigger", actual])
        if target is not None:
            sheet.write(index, 4, target)
        sheet.write(index, 5, status)
    workbook.close()
    return path


@pytest.mark.parametrize("typed", [[row[0] for row in ROWS], WORDS], ids=["letters", "words"])
def test_rag_letters_and_words_need_no_rules(typed, tmp_path, capsys):
    main(["validate", str(book(tmp_path / "rag.xlsx", typed)), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert document["tables"][0]["columns"]["status"] == "F"
    assert [item["status"] for item in document["indicators"]] == [row[2] for row in ROWS]
    mismatches = [f["row"] for f in document["findings"] if f["code"] == "status_mismatch"]
    assert mismatches == [7]  # only "G" / "Green" beside figures that are off target


@pytest.mark.parametrize(("typed", "written"), [
    ([row[0] for row in ROWS], ["G", "A", "R", "G", "N/A", "R"]),
    (WORDS, ["Green", "Amber", "Red", "Green", "N/A", "Red"]),
], ids=["letters", "words"])  # fmt: skip
def test_refresh_writes_the_status_back_in_the_columns_style(typed, written, tmp_path, capsys):
    source = book(tmp_path / "rag.xlsx", typed)
    main(["refresh", str(source)])
    capsys.readouterr()
    sheet = CalamineWorkbook.from_path(str(tmp_path / "rag-refreshed.xlsx")).get_sheet_by_name("KPIs")
    assert [row[5] for row in sheet.to_python()[1:]] == written
