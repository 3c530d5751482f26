"""Valid packages are read and refreshed as Excel's own layout is (issue 10, "Valid packages
read"): the package relationships, not fixed part names, say where the workbook and its sheets
are. Each case is built by the test from one small KPI book (tests/package_books.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kpi_cli.main import main
from tests import package_books as books
from workbook.read.grid import read_grids

READABLE = [
    books.workbook_elsewhere,
    books.at_package_root,
    books.backslash_names,
    books.macro_sheet,
    books.dialog_sheet,
    books.sheet_without_rid,
    books.relationship_not_found,
    books.dimension_without_column,
    books.without_styles,
]


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _summary(out: str) -> str:
    return next(line for line in out.splitlines() if " indicators in " in line)


@pytest.fixture
def good(tmp_path) -> Path:
    return books.kpi_book(tmp_path / "good.xlsx")


@pytest.mark.parametrize("change", READABLE, ids=lambda change: change.__name__)
def test_a_valid_package_is_validated_as_the_plain_book_is(change, good, tmp_path, capsys):
    path = books.write_members(tmp_path / "book.xlsx", change(books.members(good)))
    expected_code, expected_out, _ = _run(["validate", str(good)], capsys)
    code, out, err = _run(["validate", str(path)], capsys)
    assert (code, err) == (expected_code, "")
    assert _summary(out) == _summary(expected_out)


@pytest.mark.parametrize("change", READABLE, ids=lambda change: change.__name__)
def test_a_valid_package_is_refreshed_and_its_output_reads_back(change, good, tmp_path, capsys):
    path = books.write_members(tmp_path / "book.xlsx", change(books.members(good)))
    before = path.read_bytes()
    code, _out, err = _run(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")], capsys)
    assert code in (0, 1) and err == "", err
    assert path.read_bytes() == before
    assert _run(["refresh", str(good), "-o", str(tmp_path / "plain.xlsx")], capsys)[0] == code
    grids = read_grids(tmp_path / "out.xlsx")
    assert {books.KPI_SHEET, "KPI Validation", "KPI Summary"} <= set(grids)
    plain = read_grids(tmp_path / "plain.xlsx")[books.KPI_SHEET].values
    assert grids[books.KPI_SHEET].values == plain  # statuses, variances, trends as on the plain book
    assert plain[0][7] == "KPI variance" and plain[2][6] != "On target"  # the refresh wrote them
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        assert archive.testzip() is None


def test_the_workbook_part_found_through_the_relationships_is_the_one_rewritten(good, tmp_path, capsys):
    path = books.write_members(tmp_path / "book.xlsx", books.workbook_elsewhere(books.members(good)))
    assert _run(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")], capsys)[0] in (0, 1)
    names = set(books.members(tmp_path / "out.xlsx"))
    assert "book/wb.xml" in names and "xl/workbook.xml" not in names


@pytest.mark.parametrize("change,part", [
    (books.macro_sheet, "xl/macrosheets/sheet1.xml"),
    (books.dialog_sheet, "xl/dialogsheets/sheet1.xml"),
], ids=["macro_sheet", "dialog_sheet"])
def test_macro_and_dialog_sheets_are_kept_byte_identical(change, part, good, tmp_path, capsys):
    path = books.write_members(tmp_path / "book.xlsx", change(books.members(good)))
    assert _run(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")], capsys)[0] in (0, 1)
    assert books.members(tmp_path / "out.xlsx")[part] == books.members(path)[part]


def test_a_chart_sheet_is_accepted_and_kept_byte_identical(tmp_path, capsys):
    path = books.kpi_book(tmp_path / "chart.xlsx", chart_sheet=True)
    code, _out, err = _run(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")], capsys)
    assert code in (0, 1) and err == ""
    source, output = books.members(path), books.members(tmp_path / "out.xlsx")
    chart_parts = [name for name in source if "chartsheets/" in name or "/charts/" in name
                   or "drawings/" in name]
    assert chart_parts
    assert all(output[name] == source[name] for name in chart_parts)
    assert "Chart" not in read_grids(tmp_path / "out.xlsx")  # no table is looked for there


def test_a_book_without_styles_gets_a_styles_part_with_relationship_and_content_type(good, tmp_path, capsys):
    path = books.write_members(tmp_path / "book.xlsx", books.without_styles(books.members(good)))
    assert _run(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")], capsys)[0] in (0, 1)
    output = books.members(tmp_path / "out.xlsx")
    assert "xl/styles.xml" in output
    assert b'/styles" Target="styles.xml"' in output["xl/_rels/workbook.xml.rels"]
    assert b'PartName="/xl/styles.xml"' in output["[Content_Types].xml"]
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")[books.KPI_SHEET]
    assert sheet["H1"].font.b  # our bold header: the new styles part is used


@pytest.mark.parametrize("command", ["validate", "refresh"])
def test_strict_open_xml_is_refused_by_both_commands_saying_what_to_do(command, good, tmp_path, capsys):
    path = books.write_members(tmp_path / "strict.xlsx", books.strict_open_xml(books.members(good)))
    code, out, err = _run([command, str(path)], capsys)
    assert code == 2 and out == ""
    assert err == (f"kpi: {path}: saved as Strict Open XML: save it as Excel Workbook (.xlsx) "
                   f"in Excel and try again\n")
    assert not (tmp_path / "strict-refreshed.xlsx").exists()


@pytest.mark.parametrize("command", ["validate", "refresh"])
def test_a_merged_range_without_a_row_is_refused_naming_the_sheet(command, good, tmp_path, capsys):
    path = books.write_members(tmp_path / "merge.xlsx", books.merge_without_row(books.members(good)))
    code, _out, err = _run([command, str(path)], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and len(err) <= 260
    assert "sheet KPIs: a merged range is not a range of cells" in err
    assert "damaged workbook" not in err and "not an Excel workbook" not in err


@pytest.mark.parametrize("change", [books.workbook_elsewhere, books.without_styles, books.macro_sheet],
                         ids=lambda change: change.__name__)
def test_libreoffice_opens_the_refreshed_package(change, good, tmp_path, capsys):
    from tests.test_package_writer import _libreoffice_convert

    path = books.write_members(tmp_path / "book.xlsx", change(books.members(good)))
    assert _run(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")], capsys)[0] in (0, 1)
    converted = _libreoffice_convert(tmp_path / "out.xlsx", tmp_path, "xlsx")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(converted)
    assert {books.KPI_SHEET, "KPI Validation", "KPI Summary"} <= set(book.sheetnames)
    expected = read_grids(tmp_path / "out.xlsx")[books.KPI_SHEET]
    sheet = book[books.KPI_SHEET]
    assert [sheet.cell(row, 7).value for row in (2, 3, 4)] == [expected.cell(row, 7) for row in (2, 3, 4)]
    assert sheet["H1"].value == "KPI variance" and sheet["H1"].font.b
