"""The package writer keeps every part it does not need byte-identical, and writes what the plan asks."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.xlsx_fixture import KPI_SHEET, LABELS, build_fixture, realistic_plan
from workbook.plan.blocks import CellBlock, StatusColourRule, WorkbookPlan
from workbook.xlsx.writer import WorkbookWriteError, apply_plan

ROOT = Path(__file__).resolve().parents[1]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
KPI_PART = "xl/worksheets/sheet1.xml"
CHANGED_BY_FIRST_REFRESH = {
    KPI_PART,  # cells and status colour rules
    "xl/styles.xml",  # bold header, "0.0%", status fills
    "xl/workbook.xml",  # two new sheets ...
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "docProps/app.xml",  # ... listed in the app properties
}
ADDED_BY_FIRST_REFRESH = {
    "xl/worksheets/sheet3.xml",  # KPI Validation
    "xl/worksheets/sheet4.xml",  # KPI Summary, with its chart:
    "xl/worksheets/_rels/sheet4.xml.rels",
    "xl/drawings/drawing2.xml",
    "xl/drawings/_rels/drawing2.xml.rels",
    "xl/charts/chart2.xml",
}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sheet_root(path: Path, part: str = KPI_PART) -> etree._Element:
    return etree.fromstring(parts(path)[part])


def cell(root: etree._Element, ref: str) -> etree._Element:
    return root.find(f".//m:c[@r='{ref}']", NS)


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def refreshed(fixture_book, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("out") / "refreshed.xlsm"
    apply_plan(fixture_book, target, realistic_plan())
    return target


# -- fidelity ------------------------------------------------------------------------------------
def test_only_the_parts_the_plan_needs_change(fixture_book, refreshed):
    before, after = parts(fixture_book), parts(refreshed)
    changed = {name for name in before if name in after and before[name] != after[name]}
    assert changed == CHANGED_BY_FIRST_REFRESH
    assert set(after) - set(before) == ADDED_BY_FIRST_REFRESH
    assert set(before) - set(after) == set()


def test_untouched_members_are_copied_compressed_as_they_were(fixture_book, refreshed):
    with zipfile.ZipFile(fixture_book) as old, zipfile.ZipFile(refreshed) as new:
        for info in old.infolist():
            if info.filename in CHANGED_BY_FIRST_REFRESH:
                continue
            copy = new.getinfo(info.filename)
            assert (copy.CRC, copy.compress_size, copy.compress_type) == (
                info.CRC, info.compress_size, info.compress_type), info.filename
        assert new.testzip() is None


def test_vba_shared_strings_comments_and_chart_are_identical(fixture_book, refreshed):
    before, after = parts(fixture_book), parts(refreshed)
    for name in ("xl/vbaProject.bin", "xl/sharedStrings.xml", "xl/comments1.xml",
                 "xl/drawings/vmlDrawing1.vml", "xl/charts/chart1.xml", "xl/media/image1.png",
                 "xl/tables/table1.xml", "xl/worksheets/sheet2.xml"):
        assert after[name] == before[name], name


def test_untouched_cells_keep_formulas_cached_values_and_array_metadata(refreshed):
    root = sheet_root(refreshed)
    total = cell(root, "M2")
    assert total.findtext("m:f", namespaces=NS) == "SUM(D2:D6)"
    assert total.findtext("m:v", namespaces=NS) == "419.6"
    spill = cell(root, "M3")
    assert spill.get("cm") == "1"
    assert spill.find("m:f", NS).get("t") == "array"
    assert cell(root, "A2").get("t") == "s"  # shared string reference untouched
    assert root.find(".//m:mergeCell", NS).get("ref") == "O1:P1"
    assert root.find(".//m:extLst", NS) is not None  # x14 data bars and sparklines


def test_overwritten_formula_becomes_a_value(refreshed):
    status = cell(sheet_root(refreshed), "H6")
    assert status.find("m:f", NS) is None
    assert status.get("t") == "inlineStr"
    assert status.findtext("m:is/m:t", namespaces=NS) == LABELS["off"]


def test_dimension_covers_the_written_cells(refreshed):
    assert sheet_root(refreshed).find("m:dimension", NS).get("ref") == "A1:P7"


def test_openpyxl_sees_the_planned_values_formats_and_rules(refreshed):
    book = openpyxl.load_workbook(refreshed)
    sheet = book[KPI_SHEET]
    assert [sheet.cell(row, 8).value for row in range(2, 7)] == [
        "On target", "Within 10%", "Off target", "On target", "Off target"]
    assert [c.value for c in sheet[1][8:11]] == ["Variance", "Variance %", "Trend"]
    assert all(c.font.b for c in sheet[1][8:11])
    assert sheet["J2"].number_format == "0.0%"
    assert sheet["D3"].number_format == "0%"  # untouched cells keep their style
    status_rules = [rule for cf in sheet.conditional_formatting for rule in cf.rules
                    if str(cf.sqref) == "H2:H6"]
    assert sorted(rule.formula[0] for rule in status_rules) == sorted(
        f'"{label}"' for label in LABELS.values())
    fills = {rule.formula[0]: rule.dxf.fill.bgColor.rgb for rule in status_rules}
    assert fills['"Off target"'] == "FFFF0000"


def test_product_sheets_are_added_after_the_existing_ones(refreshed):
    book = openpyxl.load_workbook(refreshed)
    assert book.sheetnames == [KPI_SHEET, "Data", "KPI Validation", "KPI Summary"]
    validation = book["KPI Validation"]
    assert validation["A1"].font.b
    assert validation["F3"].value == "=typed Off, computed off"
    assert validation["F3"].data_type == "s"
    assert validation["B2"].hyperlink.location == f"'{KPI_SHEET}'!G4"
    assert validation["E2"].fill.fgColor.rgb == "FFFF0000"
    assert validation.column_dimensions["F"].width == 60
    summary = book["KPI Summary"]
    assert summary["B2"].value == 2
    assert len(summary._charts) == 1


def test_app_properties_list_the_new_sheets(refreshed):
    app = parts(refreshed)["docProps/app.xml"].decode()
    assert "<vt:lpstr>KPI Validation</vt:lpstr>" in app
    assert "Example Council" in app


# -- idempotence ---------------------------------------------------------------------------------
def test_rerun_changes_nothing(refreshed, tmp_path):
    again = tmp_path / "again.xlsm"
    apply_plan(refreshed, again, realistic_plan())
    first, second = parts(refreshed), parts(again)
    assert set(first) == set(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_rerun_with_new_statuses_replaces_rules_without_adding_styles(refreshed, tmp_path):
    again = tmp_path / "again.xlsm"
    apply_plan(refreshed, again, realistic_plan(statuses=("off", "off", "on", "none", "within")))
    before, after = sheet_root(refreshed), sheet_root(again)
    assert len(after.findall("m:conditionalFormatting", NS)) == len(
        before.findall("m:conditionalFormatting", NS))
    assert cell(after, "H5").findtext("m:is/m:t", namespaces=NS) == "Not assessed"
    assert parts(again)["xl/styles.xml"] == parts(refreshed)["xl/styles.xml"]
    assert set(parts(again)) == set(parts(refreshed))


def test_rerun_over_a_longer_table_replaces_the_old_rules(refreshed, tmp_path):
    plan = realistic_plan()
    plan.colour_rules = [StatusColourRule(r.sheet, r.top, r.left, r.bottom + 3, r.right, r.label,
                                          r.status, r.fill) for r in plan.colour_rules]
    again = tmp_path / "again.xlsm"
    apply_plan(refreshed, again, plan)
    ranges = [cf.get("sqref") for cf in sheet_root(again).findall("m:conditionalFormatting", NS)]
    assert ranges.count("H2:H9") == 4 and "H2:H6" not in ranges


# -- text is never a formula ---------------------------------------------------------------------
TRICKY_TEXTS = ("=SUM(A1)", "+44 20", "-5 days", "@risk", " padded ", "tab\tand\x01control")


def test_text_that_looks_like_a_formula_stays_text(fixture_book, tmp_path):
    plan = WorkbookPlan(blocks=[CellBlock(KPI_SHEET, 2, 7, tuple((t,) for t in TRICKY_TEXTS))])
    target = tmp_path / "text.xlsm"
    apply_plan(fixture_book, target, plan)
    root = sheet_root(target)
    for row in range(2, 2 + len(TRICKY_TEXTS)):
        written = cell(root, f"G{row}")
        assert written.get("t") == "inlineStr" and written.find("m:f", NS) is None
    sheet = openpyxl.load_workbook(target)[KPI_SHEET]
    for row, text in enumerate(TRICKY_TEXTS[:5], start=2):
        assert (sheet.cell(row, 7).value, sheet.cell(row, 7).data_type) == (text, "s")
    assert parts(target)["xl/sharedStrings.xml"] == parts(fixture_book)["xl/sharedStrings.xml"]


def test_styles_change_only_when_a_written_cell_needs_a_new_format(fixture_book, tmp_path):
    # The header cells are bold already: writing bold text into them needs no new format,
    # although bold text in a new cell would.
    plan = WorkbookPlan(blocks=[CellBlock(KPI_SHEET, 1, 1, (("Reference", "Indicator"),), bold=True)])
    target = tmp_path / "bold.xlsm"
    apply_plan(fixture_book, target, plan)
    assert parts(target)["xl/styles.xml"] == parts(fixture_book)["xl/styles.xml"]
    assert openpyxl.load_workbook(target)[KPI_SHEET]["B1"].font.b


def test_values_blanks_booleans_and_new_rows(fixture_book, tmp_path):
    plan = WorkbookPlan(blocks=[
        CellBlock(KPI_SHEET, 2, 4, ((None,), (True,), (3,), (float("nan"),))),
        CellBlock(KPI_SHEET, 20, 2, (("row past the end",),)),
    ])
    target = tmp_path / "values.xlsm"
    apply_plan(fixture_book, target, plan)
    sheet = openpyxl.load_workbook(target)[KPI_SHEET]
    assert [sheet.cell(row, 4).value for row in range(2, 6)] == [None, True, 3, None]
    assert sheet["D3"].number_format == "0%"  # a blanked or rewritten cell keeps its style
    assert sheet["B20"].value == "row past the end"
    assert sheet_root(target).find("m:dimension", NS).get("ref") == "A1:P20"


def test_many_rows_are_rewritten_chunk_by_chunk(tmp_path):
    import xlsxwriter

    source = tmp_path / "long.xlsx"
    book = xlsxwriter.Workbook(str(source), {"constant_memory": True})
    sheet = book.add_worksheet("KPIs")
    for row in range(5000):
        sheet.write_row(row, 0, [f"R{row}", row, row * 2])
    book.close()
    values = tuple((f"S{row}",) for row in range(5100))
    target = tmp_path / "long-out.xlsx"
    apply_plan(source, target, WorkbookPlan(blocks=[CellBlock("KPIs", 1, 4, values)]))
    sheet = openpyxl.load_workbook(target, read_only=True)["KPIs"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5100
    assert rows[4321] == ("R4321", 4321, 8642, "S4321")
    assert rows[5050] == (None, None, None, "S5050")
    widths = sheet_root(target, "xl/worksheets/sheet1.xml").find("m:cols", NS)
    assert widths is not None and widths[0].get("min") == "4"  # a width for the new column


# -- safety --------------------------------------------------------------------------------------
def test_source_is_never_changed(fixture_book, tmp_path):
    before = digest(fixture_book)
    apply_plan(fixture_book, tmp_path / "copy.xlsm", realistic_plan())
    assert digest(fixture_book) == before


def test_in_place_replaces_the_file_atomically(fixture_book, tmp_path):
    book = tmp_path / "book.xlsm"
    shutil.copy(fixture_book, book)
    inode = book.stat().st_ino
    apply_plan(book, book, realistic_plan())
    assert book.stat().st_ino != inode  # a new file took the name: no partial overwrite
    assert openpyxl.load_workbook(book)[KPI_SHEET]["H2"].value == "On target"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsm"]


def test_in_place_closes_the_source_before_replacing_it(fixture_book, tmp_path, monkeypatch):
    # Windows cannot replace a file that is open: the package must be closed by then.
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc to list open files")
    book = tmp_path / "book.xlsm"
    shutil.copy(fixture_book, book)
    original_replace = os.replace
    open_at_replace = []

    def replace(source, target):
        open_at_replace.extend(
            link for link in (os.path.realpath(fd) for fd in fds.iterdir())
            if link == str(book.resolve()))
        original_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    apply_plan(book, book, realistic_plan())
    assert open_at_replace == []
    assert openpyxl.load_workbook(book)[KPI_SHEET]["H2"].value == "On target"


def test_only_old_leftovers_of_a_killed_write_are_removed(fixture_book, tmp_path):
    book = tmp_path / "book.xlsm"
    shutil.copy(fixture_book, book)
    hour_and_a_half_ago = time.time() - 5400
    names = {"stale": ".book.xlsm.k1ll3d_x.tmp", "recent": ".book.xlsm.w0rk1ng_.tmp",
             "other book": ".other.xlsm.k1ll3d_x.tmp", "not ours": ".book.xlsm.notes.tmp"}
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
        if name != names["recent"]:
            os.utime(tmp_path / name, (hour_and_a_half_ago, hour_and_a_half_ago))
    apply_plan(book, book, realistic_plan())
    left = {p.name for p in tmp_path.iterdir()}
    assert names["stale"] not in left  # an earlier run was killed over an hour ago
    assert {names["recent"], names["other book"], names["not ours"], "book.xlsm"} == left


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.xlsx_fixture import realistic_plan
    from workbook.xlsx import package as xlsx_parts
    from workbook.xlsx.writer import apply_plan

    original = xlsx_parts._ZipWriter.copy_raw
    def slow_copy(self, source, info):
        original(self, source, info)
        print("writing", flush=True)
        time.sleep(60)
    xlsx_parts._ZipWriter.copy_raw = slow_copy
    apply_plan(Path(sys.argv[1]), Path(sys.argv[2]), realistic_plan())
""")


@pytest.mark.parametrize("in_place", [False, True])
def test_killed_mid_write_leaves_source_intact_and_no_half_file(fixture_book, tmp_path, in_place):
    book = tmp_path / "book.xlsm"
    shutil.copy(fixture_book, book)
    before = digest(book)
    target = book if in_place else tmp_path / "out.xlsm"
    script = KILL_SCRIPT.format(root=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", script, str(book), str(target)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.kill()  # SIGKILL: no cleanup handlers run
        child.wait()
    assert digest(book) == before
    if not in_place:
        assert not target.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("book.xlsm",)]
    assert all(name.startswith((".book.xlsm.", ".out.xlsm.")) for name in leftovers)


def test_unknown_sheet_is_an_error_and_nothing_is_written(fixture_book, tmp_path):
    target = tmp_path / "out.xlsm"
    plan = WorkbookPlan(blocks=[CellBlock("No such sheet", 1, 1, (("x",),))])
    with pytest.raises(WorkbookWriteError, match="no sheet named 'No such sheet'"):
        apply_plan(fixture_book, target, plan)
    assert list(tmp_path.iterdir()) == []


def _not_a_zip(path: Path, fixture: Path) -> None:
    path.write_bytes(b"Reference,Indicator\nHR 01,Sickness\n")


def _truncated_zip(path: Path, fixture: Path) -> None:
    data = fixture.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _encrypted(path: Path, fixture: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)


def _binary_workbook(path: Path, fixture: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/"
                                                "package/2006/content-types'/>")
        archive.writestr("_rels/.rels", (
            "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>"
            "<Relationship Id='rId1' Type='http://schemas.openxmlformats.org/officeDocument/2006/"
            "relationships/officeDocument' Target='xl/workbook.bin'/></Relationships>"))


def _broken_sheet(path: Path, fixture: Path) -> None:
    with zipfile.ZipFile(fixture) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == KPI_PART:
                data = data[: len(data) // 2]
            new.writestr(info, data)


@pytest.mark.parametrize("make, reason", [
    (_not_a_zip, "not a zip"),
    (_truncated_zip, "truncated or damaged"),
    (_encrypted, "OLE file"),
    (_binary_workbook, "xlsb"),
    (_broken_sheet, "cannot parse xl/worksheets/sheet1.xml"),
])
def test_files_it_cannot_keep_whole_are_refused(fixture_book, tmp_path, make, reason):
    source = tmp_path / "bad.xlsx"
    make(source, fixture_book)
    before = digest(source)
    target = tmp_path / "out.xlsx"
    with pytest.raises(WorkbookWriteError) as caught:
        apply_plan(source, target, realistic_plan())
    message = str(caught.value)
    assert reason in message and "\n" not in message
    assert not target.exists() and digest(source) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx"]


# -- LibreOffice ---------------------------------------------------------------------------------
def _libreoffice_convert(source: Path, folder: Path, fmt: str) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    result = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", fmt, "--outdir", str(folder / fmt), str(source)],
        check=False, capture_output=True, text=True, timeout=120)
    converted = folder / fmt / f"{source.stem}.{fmt}"
    assert converted.exists(), result.stderr
    return converted


def test_libreoffice_opens_the_result(refreshed, tmp_path):
    text = _libreoffice_convert(refreshed, tmp_path, "csv").read_text("utf-8", errors="replace")
    assert re.search(r"HR 01,.*On target", text)
    assert "419.6" in text  # the cached/recalculated SUM


def test_libreoffice_understands_the_colour_rules_and_new_sheets(refreshed, tmp_path):
    book = openpyxl.load_workbook(_libreoffice_convert(refreshed, tmp_path, "xlsx"))
    assert book.sheetnames == [KPI_SHEET, "Data", "KPI Validation", "KPI Summary"]
    fills = {rule.formula[0]: rule.dxf.fill.bgColor.rgb
             for cf in book[KPI_SHEET].conditional_formatting if str(cf.sqref) == "H2:H6"
             for rule in cf.rules}
    assert fills == {'"On target"': "FF00B050", '"Within 10%"': "FFFFC000",
                     '"Off target"': "FFFF0000", '"Not assessed"': "FFBFBFBF"}
    assert len(book["KPI Summary"]._charts) == 1
    assert book["KPI Validation"]["B2"].hyperlink.location == f"'{KPI_SHEET}'!G4"


# -- unusual sheet XML ---------------------------------------------------------------------------
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _book_with_sheet_xml(folder: Path, sheet_xml: str) -> Path:
    import xlsxwriter

    plain = folder / "plain.xlsx"
    book = xlsxwriter.Workbook(str(plain))
    book.add_worksheet("KPIs").write("A1", "placeholder")
    book.close()
    path = folder / "custom.xlsx"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = sheet_xml.encode() if info.filename == KPI_PART else old.read(info)
            new.writestr(info.filename, data)
    return path


def test_prefixed_namespace_and_rows_without_references(tmp_path):
    sheet = (f'<x:worksheet xmlns:x="{MAIN_NS}"><x:dimension ref="A1:B2"/><x:sheetData>'
             '<x:row><x:c t="inlineStr"><x:is><x:t>Ref</x:t></x:is></x:c><x:c><x:v>1</x:v></x:c>'
             '</x:row><x:row r="2"><x:c r="A2"><x:v>5</x:v></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    source = _book_with_sheet_xml(tmp_path, sheet)
    target = tmp_path / "out.xlsx"
    plan = WorkbookPlan(blocks=[CellBlock("KPIs", 1, 3, (("Status",), ("On",), (None,), ("New",)))])
    apply_plan(source, target, plan)
    written = parts(target)[KPI_PART].decode()
    assert "<x:c" in written and "<c " not in written  # the file's own prefix is kept
    rows = list(openpyxl.load_workbook(target)["KPIs"].iter_rows(values_only=True))
    assert rows == [("Ref", 1, "Status"), (5, None, "On"), (None, None, None),
                    (None, None, "New")]


SHARED_FORMULA_SHEET = (
    f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
    '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f>'
    '<v>2</v></c></row>'
    '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
    '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>6</v></c></row>'
    '</sheetData></worksheet>')


def test_overwriting_a_whole_shared_formula_is_fine(tmp_path):
    source = _book_with_sheet_xml(tmp_path, SHARED_FORMULA_SHEET)
    target = tmp_path / "out.xlsx"
    apply_plan(source, target, WorkbookPlan(blocks=[CellBlock("KPIs", 1, 2, (("a",), ("b",), ("c",)))]))
    assert "<f" not in parts(target)[KPI_PART].decode()


def test_breaking_a_shared_formula_is_refused(tmp_path):
    source = _book_with_sheet_xml(tmp_path, SHARED_FORMULA_SHEET)
    target = tmp_path / "out.xlsx"
    with pytest.raises(WorkbookWriteError, match="writing B1 would break the shared formula"):
        apply_plan(source, target, WorkbookPlan(blocks=[CellBlock("KPIs", 1, 2, (("a",),))]))
    assert not target.exists()


# -- any text round-trips as text ----------------------------------------------------------------
PRINTABLE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff",
                           whitelist_characters="\t\n\r"),
    max_size=40)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(PRINTABLE_TEXT.filter(lambda t: t != ""), min_size=1, max_size=5))
def test_any_text_is_read_back_unchanged(fixture_book, tmp_path, texts):
    target = tmp_path / "text.xlsm"
    plan = WorkbookPlan(blocks=[CellBlock(KPI_SHEET, 2, 9, tuple((t,) for t in texts))])
    apply_plan(fixture_book, target, plan)
    sheet = openpyxl.load_workbook(target)[KPI_SHEET]
    assert [sheet.cell(row, 9).value for row in range(2, 2 + len(texts))] == texts


# -- every row shape, one path -----------------------------------------------------------------
ROW_SHAPES = {
    "plain": '<row r="1" spans="1:3"><c r="A1"><v>1</v></c><c r="C1"><v>3</v></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c></row>',
    "cells and rows without r": '<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>'
                                '<row><c r="A2"><v>4</v></c><c><v>5</v></c></row>',
    "comments, a processing instruction, CDATA": (
        '<!-- a note <row r="7"> --><row r="1"><c r="A1"><v>1</v></c><!-- </row> -->'
        '<c r="C1"><v>3</v></c></row><?keep me?>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[</c></row><row r="9">]]></t></is>'
        '</c></row>'),
    "row extensions": ('<row r="1"><c r="A1"><v>1</v></c><extLst><ext uri="urn:kpi-test">'
                       '<k:x xmlns:k="urn:kpi-test"/></ext></extLst></row><row r="2"><extLst>'
                       '<ext uri="urn:kpi-test"/></extLst></row>'),
    "empty rows": '<row r="1"/><row r="2" ht="20" customHeight="1"></row><row r="3" />',
    "other attribute orders, quotes and spaces": (
        "<row spans='1:3' r='1'><c t='n' r='A1'><v>1</v></c><c s=\"0\" r=\"C1\"><v>3</v></c>"
        "</row >\n  <row r=\"2\">\n    <c r=\"A2\"><v>2</v></c>\n  </row>\n"),
    "shared formula kept whole, formulas": (
        '<row r="1"><c r="A1"><v>1</v></c><c r="E1"><f t="shared" ref="E1:E2" si="0">A1*2</f>'
        '<v>2</v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="B2"><f>A2+1</f><v>3</v></c>'
        '<c r="E2"><f t="shared" si="0"/><v>4</v></c></row>'),
    "columns past Z": '<row r="1"><c r="A1"><v>1</v></c><c r="AA1"><v>27</v></c></row>',
}
EDITED_COLUMNS = (2, 4)  # B (replacing where a cell is) and D (between or after the cells)


def _cells_in_order(root: etree._Element) -> bool:
    """Each row's cells left to right, as Excel requires (openpyxl reads any order)."""
    from workbook.addresses import column_index

    for row in root.iter(f"{{{MAIN_NS}}}row"):
        columns = [column_index(re.match(r"[A-Z]+", c.get("r")).group())
                   for c in row.iter(f"{{{MAIN_NS}}}c") if c.get("r")]
        if columns != sorted(set(columns)):
            return False
    return True


def _sheet_values(path: Path) -> dict[tuple[int, int], object]:
    sheet = openpyxl.load_workbook(path)["KPIs"]
    return {(cell.row, cell.column): cell.value for row in sheet.iter_rows() for cell in row
            if cell.value is not None}


@pytest.mark.parametrize("shape", ROW_SHAPES)
def test_every_row_shape_gets_the_planned_cells_and_keeps_the_rest(tmp_path, shape):
    rows = ROW_SHAPES[shape]
    source = _book_with_sheet_xml(tmp_path, f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}'
                                            '</sheetData></worksheet>')
    values = tuple((f"B{row}", row * 10) for row in range(1, 5))  # row 4 is new in each shape
    blocks = [CellBlock("KPIs", 1, EDITED_COLUMNS[0], tuple((b,) for b, _ in values)),
              CellBlock("KPIs", 1, EDITED_COLUMNS[1], tuple((d,) for _, d in values))]
    target = tmp_path / "out.xlsx"
    apply_plan(source, target, WorkbookPlan(blocks=blocks))
    expected = {key: value for key, value in _sheet_values(source).items()
                if key[1] not in EDITED_COLUMNS}
    for row, (b, d) in enumerate(values, start=1):
        expected[(row, 2)], expected[(row, 4)] = b, d
    assert _sheet_values(target) == expected
    written = parts(target)[KPI_PART]
    root = etree.fromstring(written)  # well-formed
    assert _cells_in_order(root)
    for markup in re.findall(rb"<!--.*?-->|<\?keep.*?\?>|<!\[CDATA\[.*?\]\]>|<extLst>.*?</extLst>",
                             rows.encode(), re.DOTALL):
        assert markup in written  # kept byte for byte
    for row in root.iter(f"{{{MAIN_NS}}}row"):
        children = [child for child in row if isinstance(child.tag, str)]
        assert all(child.tag.endswith("}c") for child in children[:-1])  # extLst comes last
    again = tmp_path / "again.xlsx"
    apply_plan(target, again, WorkbookPlan(blocks=blocks))
    assert parts(again)[KPI_PART] == written  # a second run finds its own cells


def test_a_long_plain_sheet_with_missing_and_empty_rows(tmp_path):
    """Rows written a span at a time: a row missing (a blank row Excel does not write) or
    empty (<row/>) in the middle of a span, and rows with cells right of the edited column."""
    rows = []
    for number in range(1, 1201):
        if number % 97 == 0:
            continue  # missing
        if number % 101 == 0:
            rows.append(f'<row r="{number}" spans="1:3"/>')
            continue
        cells = f'<c r="A{number}"><v>{number}</v></c>'
        if number % 3 == 0:
            cells += f'<c r="E{number}" t="inlineStr"><is><t>note {number}</t></is></c>'
        rows.append(f'<row r="{number}" spans="1:5">{cells}</row>')
    source = _book_with_sheet_xml(tmp_path, f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
                                            f'{"".join(rows)}</sheetData></worksheet>')
    written = tuple((f"B{number}", number * 2) for number in range(1, 1206))
    blocks = [CellBlock("KPIs", 1, 2, tuple((b,) for b, _ in written)),
              CellBlock("KPIs", 1, 6, tuple((f,) for _, f in written))]
    target = tmp_path / "out.xlsx"
    apply_plan(source, target, WorkbookPlan(blocks=blocks))
    expected = dict(_sheet_values(source))
    for number, (b, f) in enumerate(written, start=1):
        expected[(number, 2)], expected[(number, 6)] = b, f
    assert _sheet_values(target) == expected
    numbers = [int(n) for n in re.findall(rb'<row r="(\d+)"', parts(target)[KPI_PART])]
    assert numbers == list(range(1, 1206))  # every row once, in order
    assert _cells_in_order(etree.fromstring(parts(target)[KPI_PART]))
