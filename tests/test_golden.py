"""Golden files for what `kpi refresh` writes, in XlsxWriter's manner: reviewed reference files
in tests/golden/, compared part by part as canonical XML (C14N 2.0), so any change to what we
write shows as a diff here.

For each fixture (the bundled sample, and a small book made below) the references are: the
"KPI Validation" and "KPI Summary" sheet parts, the summary's relationships, drawing and chart,
the conditional-format rules the refresh added to each sheet, and the styles delta (what
styles.xml gained; what it had must stay as it was).

A change that is meant: `make golden` writes the references again; review the diff in git.
"""

from __future__ import annotations

import copy
import difflib
import os
import posixpath
import shutil
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from lxml import etree

from workbook.refresh import refresh_book

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("KPI_REGENERATE_GOLDEN") == "1"
SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "samples" / "council_kpis_q2.xlsx"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PARTS = ("kpi-validation.xml", "kpi-summary.xml", "kpi-summary.rels.xml", "drawing.xml",
         "drawing.rels.xml", "chart.xml", "conditional-formats.xml", "styles-delta.xml",
         "defined-names.xml", "table-sheet-printing.xml")
RUN_ON = "1760000000"  # SOURCE_DATE_EPOCH: the validation sheet's "Run on" (9 October 2025)


def small_book(path: Path) -> Path:
    """A hand-made book: a title row, a typed Status column (one wrong), markers, a text
    percentage, a percentage indicator, a commentary that looks like a formula."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Q2 KPIs")
    percent = book.add_format({"num_format": "0%"})
    sheet.write_string("A1", "Corporate KPIs, Q2 2025/26")
    sheet.write_row("A3", ["Reference", "Indicator", "Polarity", "Q1", "Target", "Q2", "Status",
                           "Commentary"])
    rows = [
        ["HR 01", "Days lost to sickness per FTE", "Smaller", 2.1, 2.0, 2.3, "On target", None],
        ["HR 02", "% Staff appraisals completed", "Bigger", 0.8, 0.9, 0.85, "", "Restructure"],
        ["CS 01", "% Calls answered in 20 secs", "Bigger", 0.7, 0.8, "81%", "", None],
        ["CS 02", "Complaints received", "Smaller", 50, 40, "TBC", "", None],
        ["CS 03", "Missed bin collections", "Smaller", 120, 100, 150, "", "=not a formula"],
    ]
    for number, row in enumerate(rows, start=3):
        for column, value in enumerate(row):
            if isinstance(value, float) and value < 1:
                sheet.write_number(number, column, value, percent)
            elif isinstance(value, (int, float)):
                sheet.write_number(number, column, value)
            elif value:
                sheet.write_string(number, column, value)
    book.close()
    return path


FIXTURES = {"sample": lambda folder: shutil.copy(SAMPLE, folder / "sample.xlsx"),
            "small-book": lambda folder: small_book(folder / "small-book.xlsx")}


@pytest.fixture(scope="module", params=FIXTURES)
def written(request, tmp_path_factory) -> tuple[str, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp(request.param)
    source = Path(FIXTURES[request.param](folder))
    target = folder / f"refreshed{source.suffix}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", RUN_ON)
        refresh_book(source, target)
    return request.param, written_parts(source, target)


# -- what we wrote, part by part -----------------------------------------------------------------
def written_parts(source: Path, target: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        old = {name: before.read(name) for name in before.namelist()}
        new = {name: after.read(name) for name in after.namelist()}
    sheets = _sheet_parts(new)
    summary = sheets["KPI Summary"]
    summary_rels = _rels_part(summary)
    drawing = _targets(new, summary)[0]
    chart = _targets(new, drawing)[0]
    return {"kpi-validation.xml": new[sheets["KPI Validation"]], "kpi-summary.xml": new[summary],
            "kpi-summary.rels.xml": new[summary_rels], "drawing.xml": new[drawing],
            "drawing.rels.xml": new[_rels_part(drawing)], "chart.xml": new[chart],
            "conditional-formats.xml": _new_conditional_formats(old, new, sheets),
            "styles-delta.xml": _styles_delta(old["xl/styles.xml"], new["xl/styles.xml"]),
            "defined-names.xml": _defined_names(new["xl/workbook.xml"]),
            "table-sheet-printing.xml": _printing(old, new, sheets)}


def _defined_names(workbook: bytes) -> bytes:
    names = etree.fromstring(workbook).find(f"{{{NS_MAIN}}}definedNames")
    return etree.tostring(names if names is not None else etree.Element(f"{{{NS_MAIN}}}definedNames"))


PRINTING = ("sheetPr", "printOptions", "pageMargins", "pageSetup", "headerFooter")


def _printing(old: dict[str, bytes], new: dict[str, bytes], sheets: dict[str, str]) -> bytes:
    """The print settings of each sheet the source had (KPI tables and the rest), by sheet."""
    root = etree.Element(f"{{{NS_MAIN}}}printing", nsmap={None: NS_MAIN})
    for name, part in sheets.items():
        if part in old:
            sheet = etree.SubElement(root, f"{{{NS_MAIN}}}sheet", name=name)
            found = etree.fromstring(new[part])
            sheet.extend(copy.deepcopy(e) for tag in PRINTING
                         for e in found.iter(f"{{{NS_MAIN}}}{tag}"))
    return etree.tostring(root)


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _targets(package: dict[str, bytes], part: str) -> list[str]:
    rels = etree.fromstring(package[_rels_part(part)])
    return [posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target")))
            for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship")]


def _sheet_parts(package: dict[str, bytes]) -> dict[str, str]:
    workbook = etree.fromstring(package["xl/workbook.xml"])
    rels = etree.fromstring(package["xl/_rels/workbook.xml.rels"])
    targets = {rel.get("Id"): posixpath.normpath(posixpath.join("xl", rel.get("Target")))
               for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship")}
    return {sheet.get("name"): targets[sheet.get(R_ID)]
            for sheet in workbook.iter(f"{{{NS_MAIN}}}sheet")}


def _new_conditional_formats(old: dict[str, bytes], new: dict[str, bytes],
                             sheets: dict[str, str]) -> bytes:
    """Every <conditionalFormatting> of a sheet that the source did not have, by sheet."""
    root = etree.Element(f"{{{NS_MAIN}}}conditionalFormats", nsmap={None: NS_MAIN})
    for name, part in sheets.items():
        if part not in old:
            continue
        had = {canonical(etree.tostring(cf))
               for cf in etree.fromstring(old[part]).iter(f"{{{NS_MAIN}}}conditionalFormatting")}
        added = [cf for cf in etree.fromstring(new[part]).iter(f"{{{NS_MAIN}}}conditionalFormatting")
                 if canonical(etree.tostring(cf)) not in had]
        if added:
            etree.SubElement(root, f"{{{NS_MAIN}}}sheet", name=name).extend(added)
    return etree.tostring(root)


def _styles_delta(before: bytes, after: bytes) -> bytes:
    """The children each container of styles.xml gained (they are only ever appended), with
    the container's new count; the children it had must be unchanged."""
    old, new = etree.fromstring(before), etree.fromstring(after)
    root = etree.Element(f"{{{NS_MAIN}}}stylesDelta", nsmap={None: NS_MAIN})
    assert [child.tag for child in old] == [child.tag for child in new if old.find(child.tag)
                                            is not None], "a part of styles.xml was removed"
    for container in new:
        previous = old.find(container.tag)
        kept = list(previous) if previous is not None else []
        assert [canonical(etree.tostring(c)) for c in container[:len(kept)]] == [
            canonical(etree.tostring(c)) for c in kept], f"{container.tag}: existing entries changed"
        added = list(container)[len(kept):]
        if added or previous is None:
            group = etree.SubElement(root, container.tag, dict(container.attrib))
            group.extend(copy.deepcopy(child) for child in added)
    return etree.tostring(root)


# -- canonical XML ---------------------------------------------------------------------------
def _unindent(root: etree._Element) -> etree._Element:
    """Drop whitespace-only text between elements (indentation); leaf text stays exact."""
    for element in root.iter():
        if len(element) and element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return root


def canonical(xml: bytes) -> str:
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False)
    root = _unindent(etree.fromstring(xml, parser))
    return etree.canonicalize(root)


def readable(xml: bytes) -> str:
    """The canonical form, indented: how the references are stored and diffed."""
    root = etree.fromstring(canonical(xml).encode())
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


@pytest.mark.parametrize("part", PARTS)
def test_what_we_write_matches_the_reviewed_reference(written, part):
    fixture, parts = written
    reference = GOLDEN / fixture / part
    if REGENERATE:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(readable(parts[part]), encoding="utf-8")
        return
    assert reference.exists(), f"no reference {reference}: run `make golden` and review it"
    expected = reference.read_bytes()
    if canonical(parts[part]) != canonical(expected):
        diff = difflib.unified_diff(expected.decode().splitlines(),
                                    readable(parts[part]).splitlines(),
                                    f"golden/{fixture}/{part}", "written now", lineterm="")
        pytest.fail(f"{fixture}/{part} differs from its reference (`make golden` if meant):\n"
                    + "\n".join(diff), pytrace=False)


def test_the_canonical_form_ignores_indentation_and_attribute_order_only():
    a = b'<r xmlns="urn:x"><c b="2" a="1"><t xml:space="preserve"> x </t></c></r>'
    b = b'<r xmlns="urn:x">\n  <c a="1" b="2">\n    <t xml:space="preserve"> x </t>\n  </c>\n</r>'
    assert canonical(a) == canonical(b) == canonical(readable(a).encode())
    assert canonical(a) != canonical(a.replace(b" x ", b"x"))
    assert canonical(a) != canonical(a.replace(b'b="2"', b'b="3"'))
