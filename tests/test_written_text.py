"""Text we write comes back exactly as it was, in every place the writer puts cell text: an
existing cell replaced, a new cell in an existing row, a new row, and the product's own sheets.

Excel reads `_xHHHH_` in cell text as the character U+HHHH (ECMA-376 Part 1, 22.9.2.19
ST_Xstring), so a literal `_x0041_` must be written `_x005F_x0041_`, as Excel and XlsxWriter do.
python-calamine (our reader) and LibreOffice follow that rule. openpyxl reads cell text as the
XML holds it (`_x005F_x0041_`), so it is asked two things: the XML text, decoded by openpyxl's
own ST_Xstring decoder, is the text written; and a text without such sequences reads back as
it is.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from lxml import etree
from openpyxl.utils.escape import unescape

from tests.xlsx_fixture import KPI_SHEET, build_fixture
from workbook.plan.blocks import (
    CellBlock,
    ChartSpec,
    Hyperlink,
    SheetContent,
    StatusColourRule,
    WorkbookPlan,
)
from workbook.xlsx.ooxml import NS_MAIN
from workbook.xlsx.writer import apply_plan

TEXTS = (
    "Ref _x0041_ and _x000D_ end",  # issue 9: read back as "Ref A and \r end"
    "_x005F_",
    "lower-case hex _x005f_x004a_ too",
    "not an escape: _x41_ _x00G1_ x0041_",
    "bell \x07, nul \x00 and \x1f",
    "carriage\rreturn, line\nfeed, tab\t",
    "\r",
    "  leading and trailing spaces  ",
    "=SUM(A1:A3)",
    "+44 20 7946 0000",
    "-5 days",
    "@risk",
    "a & b < c > d \"quoted\" 'single'",
    "x" * 32767,  # Excel's longest cell text
)
# No XML can carry these: they are written as Excel's escapes, which python-calamine leaves as
# they are (it has no string for a lone surrogate, and keeps non-characters escaped).
UNREPRESENTABLE = ("non-characters \ufffe\uffff", "lone surrogate \ud800")
ESCAPE_LIKE = re.compile(r"_x[0-9A-Fa-f]{4}_")
OPENPYXL_CANNOT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ALL_TEXTS = TEXTS + UNREPRESENTABLE
FIRST_ROW = 2  # the fixture's rows 2-6 exist; 7 on are new rows
PLACES = {
    "existing cells": 7,  # G: commentary, present in most of the fixture's rows
    "new cells": 12,  # L: right of every cell of the fixture's rows
}


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def written(fixture_book, tmp_path_factory) -> Path:
    """Each text in column G and in column L from row 2 down (existing rows, then new rows),
    and in the "KPI Validation" sheet, one per row."""
    blocks = [CellBlock(KPI_SHEET, FIRST_ROW, column, tuple((text,) for text in ALL_TEXTS))
              for column in PLACES.values()]
    validation = SheetContent("KPI Validation", [["Message"], *([text] for text in ALL_TEXTS)])
    target = tmp_path_factory.mktemp("out") / "texts.xlsm"
    apply_plan(fixture_book, target, WorkbookPlan(blocks=blocks, sheets=[validation]))
    return target


def calamine_column(path: Path, sheet: str, column: int, first: int) -> list:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        sheet).to_python(skip_empty_area=False)
    return [row[column - 1] for row in rows[first - 1: first - 1 + len(TEXTS)]]


@pytest.mark.parametrize("place", PLACES)
def test_calamine_reads_back_every_text_exactly(written, place):
    assert calamine_column(written, KPI_SHEET, PLACES[place], FIRST_ROW) == list(TEXTS)


def test_calamine_reads_back_the_product_sheets_text_exactly(written):
    assert calamine_column(written, "KPI Validation", 1, 2) == list(TEXTS)


def test_openpyxl_reads_the_xml_text_that_decodes_to_every_text(written):
    book = openpyxl.load_workbook(written)
    for sheet, column, first in [(KPI_SHEET, c, FIRST_ROW) for c in PLACES.values()] + [
            ("KPI Validation", 1, 2)]:
        for row, text in enumerate(ALL_TEXTS, start=first):
            cell = book[sheet].cell(row, column)
            assert cell.data_type == "s" and unescape(cell.value) == text, (sheet, cell.coordinate)
            if not (ESCAPE_LIKE.search(text) or OPENPYXL_CANNOT.search(text)):
                assert cell.value == text, (sheet, cell.coordinate)


def test_what_no_xml_can_carry_is_written_as_excels_escapes(written):
    with zipfile.ZipFile(written) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    etree.fromstring(sheet)  # well-formed
    assert b"non-characters _xFFFE__xFFFF_" in sheet and b"lone surrogate _xD800_" in sheet


def test_labels_in_rules_links_and_the_chart_keep_their_text(fixture_book, tmp_path):
    """A colour rule's formula, a hyperlink's location and a chart's cached labels are
    ST_Xstring too: a label "Off _x0041_" in a rule would otherwise never match its cells."""
    label, table = "Off _x0041_", "Tab _x0042_"
    summary = SheetContent("KPI Summary", [["Table", label], [table, 3]],
                           hyperlinks=[Hyperlink(2, 1, "'Q _x0043_'!A1")],
                           chart=ChartSpec("Indicators by status", (1, 2, 1, 2),
                                           [(table, (2, 2, 2, 2), "#4472C4")]))
    rule = StatusColourRule(KPI_SHEET, 2, 8, 6, 8, label, "off", "#FF0000")
    target = tmp_path / "labels.xlsm"
    apply_plan(fixture_book, target, WorkbookPlan(colour_rules=[rule], sheets=[summary]))
    book = openpyxl.load_workbook(target)
    formulas = [r.formula[0] for cf in book[KPI_SHEET].conditional_formatting for r in cf.rules
                if str(cf.sqref) == "H2:H6"]
    assert [unescape(formula) for formula in formulas] == [f'"{label}"']
    assert unescape(book["KPI Summary"]["A2"].hyperlink.location) == "'Q _x0043_'!A1"
    with zipfile.ZipFile(target) as archive:
        chart = etree.fromstring(archive.read("xl/charts/chart2.xml"))
    cached = [unescape(v.text) for v in chart.iter("{*}v")]
    assert cached == [table, label, "3"]


def test_text_is_never_a_formula_and_shared_strings_are_untouched(fixture_book, written):
    with zipfile.ZipFile(written) as new, zipfile.ZipFile(fixture_book) as old:
        sheet = etree.fromstring(new.read("xl/worksheets/sheet1.xml"))
        assert new.read("xl/sharedStrings.xml") == old.read("xl/sharedStrings.xml")
    for letter in ("G", "L"):
        for row in range(FIRST_ROW, FIRST_ROW + len(ALL_TEXTS)):
            cell = sheet.find(f".//{{{NS_MAIN}}}c[@r='{letter}{row}']")
            assert cell.get("t") == "inlineStr" and cell.find(f"{{{NS_MAIN}}}f") is None


def test_a_text_written_twice_is_written_the_same_way(fixture_book, written, tmp_path):
    again = tmp_path / "again.xlsm"
    blocks = [CellBlock(KPI_SHEET, FIRST_ROW, column, tuple((text,) for text in ALL_TEXTS))
              for column in PLACES.values()]
    apply_plan(written, again, WorkbookPlan(blocks=blocks))
    with zipfile.ZipFile(written) as first, zipfile.ZipFile(again) as second:
        assert first.read("xl/worksheets/sheet1.xml") == second.read("xl/worksheets/sheet1.xml")


def test_libreoffice_reads_back_every_text(written, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "csv", "--outdir", str(tmp_path / "lo"), str(written)],
                   check=False, capture_output=True, timeout=180)
    with open(tmp_path / "lo" / "texts.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))

    def line_breaks_as_lf(text: str) -> str:  # LibreOffice keeps a line break as LF
        return text.replace("\r", "\n") if len(text) > 1 else text

    for column in PLACES.values():
        got = [rows[row - 1][column - 1] for row in range(FIRST_ROW, FIRST_ROW + len(TEXTS))]
        assert got == [line_breaks_as_lf(text) for text in TEXTS]
