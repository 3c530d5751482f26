"""What officers print and read (issue 15): the page setup of every sheet a refresh creates or
writes into, the KPI Validation sheet's columns, heading and links, the summary's chart, and the
refreshed demo printed through LibreOffice (a handful of pages, the header row on each page of
the validation sheet)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from lxml import etree

from kpi_cli.demo import sample_path
from workbook.plan.summary import HEADER_ROW as SUMMARY_HEADER
from workbook.plan.validation import HEADER_ROW
from workbook.refresh import refresh_book

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"}
OWNED = ("KPI Validation", "KPI Summary")
FOOTER = "&L&F&C&A&RPage &P of &N"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1760000000")
        refresh_book(sample_path(), target)
    return target


def test_every_sheet_we_create_prints_landscape_a4_one_page_wide_with_titles_and_footer(demo):
    book = openpyxl.load_workbook(demo)
    for name, header_row in zip(OWNED, (HEADER_ROW, SUMMARY_HEADER), strict=True):
        sheet = book[name]
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == \
            ("landscape", 9, 1, 0), name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.print_title_rows == f"${header_row}:${header_row}", name
        footer = sheet.oddFooter
        assert (footer.left.text, footer.center.text, footer.right.text) == \
            ("&F", "&A", "Page &P of &N"), name
        assert sheet.freeze_panes == f"A{header_row + 1}", name


def test_the_kpi_tables_print_their_reference_and_indicator_columns_on_every_page(demo):
    book = openpyxl.load_workbook(demo)
    assert (book["Corporate KPIs"].print_title_cols, book["Corporate KPIs"].print_title_rows) \
        == ("$A:$B", "$6:$6")
    assert (book["Service Scorecard"].print_title_cols,
            book["Service Scorecard"].print_title_rows) == ("$A:$A", "$4:$4")
    for name in ("Corporate KPIs", "Service Scorecard"):
        setup = book[name].page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert book["Exception Notes"].print_title_cols is None  # no KPI table: refresh adds none


def test_the_samples_notes_and_rules_sheets_print_like_the_sheets_we_create(demo):
    """The sample is ours too: its "Exception Notes" and "KPI Rules" sheets, which no refresh
    touches, print landscape on A4, one page wide, their header row on every page, our footer."""
    book = openpyxl.load_workbook(demo)
    for name in ("Exception Notes", "KPI Rules"):
        sheet = book[name]
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth or 1, setup.fitToHeight) == \
            ("landscape", 9, 1, 0), name  # fitToWidth left out means 1 (ECMA-376's default)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.print_title_rows == "$1:$1", name
        footer = sheet.oddFooter
        assert (footer.left.text, footer.center.text, footer.right.text) == \
            ("&F", "&A", "Page &P of &N"), name


def test_a_sheets_own_print_titles_and_page_setup_are_kept(tmp_path):
    path = tmp_path / "own.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"])
    sheet.write_row(1, 0, ["CS 01", "Calls answered", "Bigger", 70, 80])
    sheet.repeat_rows(0)
    sheet.set_portrait()
    sheet.fit_to_pages(1, 1)
    book.close()
    refresh_book(path, tmp_path / "out.xlsx")
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(tmp_path / "out.xlsx") as after:
        names = [etree.fromstring(z.read("xl/workbook.xml")) for z in (before, after)]
        sheets = [etree.fromstring(z.read("xl/worksheets/sheet1.xml")) for z in (before, after)]
    own = "_xlnm.Print_Titles"
    titles = [{d.get("localSheetId"): d.text for d in root.iterfind(".//m:definedName", NS)
               if d.get("name") == own} for root in names]
    assert titles[1]["0"] == titles[0]["0"] == "KPIs!$1:$1"
    setups = [etree.tostring(root.find("m:pageSetup", NS)) for root in sheets]
    assert setups[0] == setups[1]


def test_a_refresh_that_finds_the_same_leaves_the_workbook_part_as_it_was(demo, tmp_path):
    # The demo's first refresh corrected a typed status: the second finds one finding fewer
    # (the filter's range moves); the third finds what the second did.
    second, third = tmp_path / "second.xlsx", tmp_path / "third.xlsx"
    refresh_book(demo, second)
    refresh_book(second, third)
    with zipfile.ZipFile(second) as before, zipfile.ZipFile(third) as after:
        assert before.read("xl/workbook.xml") == after.read("xl/workbook.xml")


def test_the_validation_sheet_says_where_to_fix_what_and_who(demo):
    sheet = openpyxl.load_workbook(demo)["KPI Validation"]
    heading = [(row[0], row[1]) for row in sheet.iter_rows(min_row=2, max_row=4, values_only=True)]
    assert heading == [("Run on", "9 October 2025 08:53"), ("Source file", "council_kpis_q2.xlsx"),
                       ("Rules", '"KPI Rules" sheet')]
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == ["Severity", "Cell", "Reference", "Indicator", "Problem", "Details",
                      "What to do", "Owner", "Marked"]
    assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:I")
    rows = {(r[2], r[4]): dict(zip(header, r))
            for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    # The Service Scorecard has no commentary column: its notes live in "Exception Notes".
    placeholder = rows[("PH 03", "Commentary missing")]
    assert placeholder["Cell"] == "'Exception Notes'!B5"  # its note says only "TBC"
    assert placeholder["Owner"] == "Director of Public Health"
    new_notes = [rows[(ref, "Commentary missing")]["Cell"] for ref in ("ASC 04", "HOU 01")]
    assert new_notes == ["'Exception Notes'!A6", "'Exception Notes'!A7"]  # under the last note
    assert rows[("CS 02", "Commentary missing")]["Cell"] == "'Corporate KPIs'!K8"
    corrected = rows[("ASC 04", "Status corrected by refresh")]
    assert corrected["Details"] == ("Refresh changed the status from 'Within target' to "
                                    "'Off target': check the figures")
    assert ("Revenues 02", "No target") in rows  # two sections have an "02"
    assert not any(re.fullmatch(r"[a-z]+(_[a-z]+)+", str(key[1])) for key in rows)  # no codes
    links = {c.value: c.hyperlink.location for c in sheet["B"][HEADER_ROW:] if c.hyperlink}
    assert links["'Exception Notes'!B5"] == "'Exception Notes'!B5"


def test_the_summary_chart_is_a_100_percent_stacked_bar_per_section_under_the_table(demo):
    with zipfile.ZipFile(demo) as package:
        chart = etree.fromstring(package.read(_one(package, r"xl/charts/chart\d+\.xml")))
        drawing = etree.fromstring(package.read(_one(package, r"xl/drawings/drawing\d+\.xml")))
    assert chart.find(".//c:grouping", NS).get("val") == "percentStacked"
    assert chart.find(".//c:overlap", NS).get("val") == "100"
    names = [s.findtext("c:tx/c:v", namespaces=NS) for s in chart.iterfind(".//c:ser", NS)]
    assert names == ["On target", "Within target", "Off target", "Not assessed"]
    assert all(s.find("c:dLbls/c:showVal", NS).get("val") == "1" for s in chart.iterfind(".//c:ser", NS))
    sections = chart.find(".//c:ser/c:cat//c:ptCount", NS).get("val")
    assert sections == "7"  # Corporate KPIs and six sections of the Service Scorecard
    corner = drawing.find(".//xdr:from", NS)
    summary = openpyxl.load_workbook(demo)["KPI Summary"]
    assert summary["A1"].value == "KPI Summary: Quarter 2 2024/25 (July to September)"
    assert int(corner.findtext("xdr:col", namespaces=NS)) == 0  # at column A, not off screen
    assert int(corner.findtext("xdr:row", namespaces=NS)) >= summary.max_row  # under the table
    header = [c.value for c in summary[SUMMARY_HEADER]]
    assert header[-1] == "% on target" and summary.cell(SUMMARY_HEADER + 1, 7).value == 0.381


def _one(package: zipfile.ZipFile, pattern: str) -> str:
    (name,) = [n for n in package.namelist() if re.fullmatch(pattern, n)]
    return name


# -- printed through LibreOffice -------------------------------------------------------------
needs_printing = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice and poppler-utils (apt-get install libreoffice-calc-nogui "
           "poppler-utils)")


def _pdf_pages(book: Path, folder: Path) -> list[str]:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "pdf", "--outdir", str(folder), str(book)],
                   check=True, capture_output=True, timeout=180)
    pdf = folder / f"{book.stem}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, pages + 1)]


@needs_printing
def test_the_demo_prints_on_a_handful_of_pages(demo, tmp_path):
    pages = _pdf_pages(demo, tmp_path)
    assert len(pages) <= 10  # it was 22 before the sheets had a page setup
    for sheet in ("Corporate KPIs", "Service Scorecard", *OWNED, "Exception Notes", "KPI Rules"):
        printed = [page for page in pages if _footer_sheet(page) == sheet]
        assert len(printed) == 1, sheet  # every column on one page width
    scorecard = next(page for page in pages if _footer_sheet(page) == "Corporate KPIs")
    assert "KPI status" in scorecard and "Performance Indicator" in scorecard


@needs_printing
def test_every_printed_page_of_the_validation_sheet_has_its_header_row(tmp_path):
    source = tmp_path / "many.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"])
    for row in range(1, 121):  # off target, no commentary: 120 findings
        sheet.write_row(row, 0, [f"HR {row:03}", f"Indicator number {row}", "Bigger", 50, 80])
    book.close()
    refresh_book(source, tmp_path / "many-refreshed.xlsx")
    pages = [page for page in _pdf_pages(tmp_path / "many-refreshed.xlsx", tmp_path)
             if _footer_sheet(page) == "KPI Validation"]
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert re.search(r"Severity\s+Cell\s+Reference\s+Indicator\s+Problem", page), number


def _footer_sheet(page: str) -> str | None:
    """The sheet a printed page belongs to, from its footer: file, sheet, "Page x of y"."""
    lines = [line for line in page.splitlines() if line.strip()]
    match = re.search(r"\S\s{2,}(.+?)\s{2,}Page \d+ of \d+\s*$", lines[-1]) if lines else None
    return match.group(1).strip() if match else None
