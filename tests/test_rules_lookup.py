"""Where the rules come from (--rules, kpi.toml beside the book, a "KPI Rules" sheet, defaults),
what `[columns]` and `[commentary]` do, and the values-only path of the add-in."""

from __future__ import annotations

import json
import shutil

import pytest
import xlsxwriter

from kpi_cli.main import main
from tests.layout_books import FIXED_DATE, layout1_book, layout2_book
from workbook.check import check_book, check_grids
from workbook.read.grid import Grid, read_grids
from workbook.read.rules_source import find_rules

KPI_ROWS = [
    ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"],
    ["HR 01", "Sickness days per FTE", "Smaller", 2.3, 2.0, None],
]


def _book_with_rules_sheet(path, tolerance):
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED_DATE})
    sheet = book.add_worksheet("KPIs")
    for r, row in enumerate(KPI_ROWS):
        sheet.write_row(r, 0, row)
    rules = book.add_worksheet("KPI Rules")
    rules.write_row(0, 0, ["Key", "Value"])
    rules.write_row(1, 0, ["tolerance", tolerance])
    book.close()
    return path


def test_lookup_order(tmp_path):
    book = _book_with_rules_sheet(tmp_path / "book.xlsx", 0.2)
    grids = read_grids(book)
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("tolerance = 0.3\n")
    (tmp_path / "kpi.toml").write_text("tolerance = 0.05\n")

    rules = find_rules(book, explicit, grids)
    assert (rules.source, rules.tolerance) == ("explicit.toml", 0.3)
    rules = find_rules(book, None, grids)
    assert (rules.source, rules.tolerance) == ("kpi.toml", 0.05)
    (tmp_path / "kpi.toml").unlink()
    rules = find_rules(book, None, grids)
    assert (rules.source, rules.tolerance) == ('"KPI Rules" sheet', 0.2)
    rules = find_rules(book, None, {"KPIs": grids["KPIs"]})
    assert (rules.source, rules.tolerance) == ("defaults", 0.1)


def test_rules_sheet_changes_the_status(tmp_path, capsys):
    # 2.3 days against 2.0 (smaller is better) is 15% worse: off at 10%, within at 20%
    strict = check_book(_book_with_rules_sheet(tmp_path / "strict.xlsx", 0.1))
    loose = check_book(_book_with_rules_sheet(tmp_path / "loose.xlsx", 0.2))
    assert strict.indicators["status"].tolist() == ["off"]
    assert loose.indicators["status"].tolist() == ["within"]
    assert main(["validate", str(tmp_path / "loose.xlsx")]) == 0
    assert '(rules: "KPI Rules" sheet)' in capsys.readouterr().out


def test_columns_by_header_text_and_by_letter(tmp_path, capsys):
    book = layout1_book(tmp_path / "q1.xlsx")
    (tmp_path / "kpi.toml").write_text(
        '[columns]\nactual = "q4 OUTTURN   2020/21"\ntarget = "h"\nsheet = "Partnerships & Communities"\n'
    )
    assert main(["validate", str(book), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    columns = document["tables"][0]["columns"]
    assert (columns["actual"], columns["target"]) == ("F", "H")
    assert columns["reference"] == "A" and columns["commentary"] == "K"  # the rest by synonyms


def test_columns_letter_that_is_also_a_header(tmp_path, capsys):
    # "KPI" looks like a column letter, but the sheet has a "KPI" header: the header wins
    book = xlsxwriter.Workbook(str(tmp_path / "kpi.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["Ref", "KPI", "Polarity", "Outturn", "Target"])
    sheet.write_row(1, 0, ["A1", "Missed bins per 100,000", "Smaller", 40, 50])
    book.close()
    (tmp_path / "kpi.toml").write_text('[columns]\nindicator = "KPI"\n')
    assert main(["validate", str(tmp_path / "kpi.xlsx"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"][0]["columns"]["indicator"] == "B"


def test_commentary_sheet_named_in_rules(tmp_path, capsys):
    book = layout2_book(tmp_path / "scorecard.xlsx")
    rules = tmp_path / "kpi.toml"
    rules.write_text(rules.read_text() + '\n[commentary]\nsheet = "exception notes"\n'
                     'key = "Indicator"\ntext = "Note"\n')  # fmt: skip
    assert main(["validate", str(book), "--json"]) == 1
    codes = [(f["code"], f["row"]) for f in json.loads(capsys.readouterr().out)["findings"]]
    assert ("missing_commentary", 9) in codes
    assert ("missing_commentary", 11) not in codes  # the note on "Sickness absence days per FTE"


def test_commentary_sheet_without_the_named_header(tmp_path, capsys):
    book = layout2_book(tmp_path / "scorecard.xlsx")
    (tmp_path / "kpi.toml").write_text('[commentary]\nsheet = "Exception Notes"\ntext = "Remarks"\n')
    assert main(["validate", str(book)]) == 2
    err = capsys.readouterr().err
    assert ('rules [commentary]: notes sheet "Exception Notes" has no header row with a reference '
            'or indicator column and "Remarks"') in err  # fmt: skip


@pytest.mark.parametrize("keys", ["", 'key = "Indicator"\n', 'text = "Note"\n'],
                         ids=["sheet alone", "key given", "text given"])  # fmt: skip
def test_commentary_keys_left_out_are_found_by_synonyms(tmp_path, capsys, keys):
    """[commentary] sheet = "Exception Notes" alone finds the notes that no [commentary] finds."""
    book = layout2_book(tmp_path / "scorecard.xlsx")
    assert main(["validate", str(book), "--json"]) == 1
    without = json.loads(capsys.readouterr().out)["findings"]
    rules = tmp_path / "kpi.toml"
    rules.write_text(rules.read_text() + f'\n[commentary]\nsheet = "Exception Notes"\n{keys}')
    assert main(["validate", str(book), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"] == without
    assert ("missing_commentary", 11) not in [(f["code"], f["row"]) for f in without]


def _values_only(grids: dict[str, Grid]) -> dict[str, Grid]:
    """What an add-in script receives: values, None for blanks, nothing about formats."""
    return {
        name: Grid(name, [[None if value == "" else value for value in row] for row in grid.values])
        for name, grid in grids.items()
    }


@pytest.mark.parametrize("maker", [layout1_book, layout2_book])
def test_values_only_grids_give_the_same_statuses(maker, tmp_path):
    book = maker(tmp_path / "book.xlsx")
    from_file = check_book(book)
    grids = _values_only(read_grids(book))
    in_memory = check_grids(grids, find_rules(book, None, grids), "book.xlsx")
    columns = ["sheet", "row", "reference", "status", "trend", "polarity_code"]
    for name in columns:
        assert in_memory.indicators[name].tolist() == from_file.indicators[name].tolist(), name
    assert in_memory.to_json()["tables"] == from_file.to_json()["tables"]
    assert [(f.code, f.cell) for f in in_memory.findings] == \
        [(f.code, f.cell) for f in from_file.findings]


def test_sheet_with_data_offset_keeps_worksheet_rows(tmp_path):
    # calamine's to_python() starts at the first used cell unless asked not to
    book = xlsxwriter.Workbook(str(tmp_path / "offset.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row(11, 3, ["Ref", "Indicator", "Polarity", "Actual", "Target"])
    sheet.write_row(12, 3, ["X1", "Thing", "Bigger", 5, 4])
    book.close()
    check = check_book(tmp_path / "offset.xlsx")
    assert check.to_json()["tables"][0] == {
        "sheet": "S", "header_row": 12,
        "columns": {"reference": "D", "indicator": "E", "polarity": "F", "actual": "G",
                    "target": "H"},
    }  # fmt: skip
    assert check.to_json()["indicators"][0]["row"] == 13


def test_lock_files_and_copies_do_not_matter(tmp_path):
    book = layout1_book(tmp_path / "q1.xlsx")
    shutil.copy(book, tmp_path / "~$q1.xlsx")
    assert check_book(book).indicators.height == 9


def test_notes_sheet_keyed_by_reference_found_by_its_name():
    kpis = Grid("Scorecard", [
        ["Ref", "Indicator", "Polarity", "Actual", "Target"],
        ["HR 01", "Sickness days per FTE", "Smaller", 2.6, 2.0],
        ["HR 02", "Staff turnover", "Smaller", 0.2, 0.1],
    ])  # fmt: skip
    notes = Grid("KPI Exception Notes", [["Ref", "Commentary"], ["hr01", "Flu season."]])
    check = check_grids({"Scorecard": kpis, "KPI Exception Notes": notes},
                        find_rules(None), "book.xlsx")  # fmt: skip
    assert check.notes_sheet == "KPI Exception Notes"
    assert check.indicators["status"].tolist() == ["off", "off"]
    assert [(f.code, f.cell) for f in check.findings] == [("missing_commentary", "D3")]
