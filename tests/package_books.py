"""Valid workbook packages laid out as Excel does not lay them out, built by the tests: the
workbook part elsewhere, parts at the package root, backslashes in part names, macro and
dialog sheets, sheets without a part, no styles part, Strict Open XML. Each starts from one
small KPI book written with xlsxwriter and moves or edits its zip members."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import xlsxwriter

from tests.layout_books import FIXED_DATE

KPI_SHEET = "KPIs"
HEADER = ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary", "Status"]
ROWS = [
    ["HR 01", "Sickness days per FTE", "Smaller", 8.1, 8.0, "Seasonal flu", "On target"],
    ["ICT 01", "Calls answered in 20 s", "Bigger", 71, 80, "Staff shortage", "On target"],
    ["FIN 01", "Invoices paid in 30 days", "Bigger", 97, 95, "Good month", "Off target"],
]
STATUS_COLUMN = "G"
STATUS_FORMULA = 'IF(D{row}<=E{row},"On target","Off target")'
MACRO_NS = "http://schemas.microsoft.com/office/excel/2006/main"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MACRO_REL = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"


def kpi_book(path: Path, status_formulas: bool = False, chart_sheet: bool = False) -> Path:
    """A KPI table on one sheet; with `status_formulas` the Status cells are the officer's own
    formulas (cached values as Excel would have saved them)."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED_DATE})
    sheet = book.add_worksheet(KPI_SHEET)
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(ROWS, start=1):
        sheet.write_row(index, 0, row[:-1])
        if status_formulas:
            cached = "On target" if row[3] <= row[4] else "Off target"
            sheet.write_formula(index, 6, "=" + STATUS_FORMULA.format(row=index + 1), None, cached)
        else:
            sheet.write(index, 6, row[-1])
    if chart_sheet:
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": f"='{KPI_SHEET}'!$D$2:$D$4"})
        book.add_chartsheet("Chart").set_chart(chart)
    book.close()
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_members(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data,
                             zipfile.ZIP_DEFLATED)
    return path


def _absolute_targets(rels: bytes, folder: str) -> bytes:
    return re.sub(rb'Target="(?!/)([^"]+)"', lambda m: b'Target="/' + folder.encode() + b"/" + m.group(1) + b'"', rels)


def workbook_elsewhere(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The workbook part at /book/wb.xml (its sheets stay in xl/, named by absolute targets)."""
    parts = dict(parts)
    parts["book/wb.xml"] = parts.pop("xl/workbook.xml")
    parts["book/_rels/wb.xml.rels"] = _absolute_targets(parts.pop("xl/_rels/workbook.xml.rels"), "xl")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"xl/workbook.xml", b"book/wb.xml")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"/xl/workbook.xml", b"/book/wb.xml")
    return parts


def at_package_root(parts: dict[str, bytes]) -> dict[str, bytes]:
    """Every part of xl/ moved to the package root, the sheets too (/workbook.xml, /sheet1.xml):
    the native reader panicked on such a package ("should be in a folder")."""
    moved = {}
    for name, data in parts.items():
        moved[name.removeprefix("xl/").removeprefix("worksheets/")] = data
    moved["_rels/.rels"] = moved["_rels/.rels"].replace(b"xl/workbook.xml", b"workbook.xml")
    moved["_rels/workbook.xml.rels"] = moved["_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/', b'Target="')
    moved["[Content_Types].xml"] = moved["[Content_Types].xml"].replace(
        b'PartName="/xl/worksheets/', b'PartName="/').replace(b'PartName="/xl/', b'PartName="/')
    return moved


def backslash_names(parts: dict[str, bytes]) -> dict[str, bytes]:
    """Part names written with backslashes, as some Windows tools write them."""
    return {name.replace("/", "\\"): data for name, data in parts.items()}


def _add_sheet(parts: dict[str, bytes], name: str, part: str, rel_type: str, xml: bytes,
               rel_id: str | None = "rId90") -> dict[str, bytes]:
    parts = dict(parts)
    if xml:
        parts[part] = xml
    if rel_type:
        rel = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{part[3:]}"/>'.encode()
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", rel + b"</Relationships>")
    id_attr = f' r:id="{rel_id}"' if rel_id else ""
    entry = f'<sheet name="{name}" sheetId="90"{id_attr}/>'.encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"</sheets>", entry + b"</sheets>")
    return parts


def macro_sheet(parts: dict[str, bytes]) -> dict[str, bytes]:
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet '
           f'xmlns="{MAIN_NS}" xmlns:xm="{MACRO_NS}"><sheetData><row r="1"><c r="A1" t="str">'
           f'<f>ALERT("Hello")</f><v>TRUE</v></c></row></sheetData></xm:macrosheet>').encode()
    return _add_sheet(parts, "Macro1", "xl/macrosheets/sheet1.xml", MACRO_REL, xml)


def dialog_sheet(parts: dict[str, bytes]) -> dict[str, bytes]:
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><dialogsheet '
           f'xmlns="{MAIN_NS}"><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
           f'</dialogsheet>').encode()
    return _add_sheet(parts, "Dialog1", "xl/dialogsheets/sheet1.xml", f"{DOC_REL}/dialogsheet", xml)


def sheet_without_rid(parts: dict[str, bytes]) -> dict[str, bytes]:
    return _add_sheet(parts, "Ghost", "", "", b"", rel_id=None)


def relationship_not_found(parts: dict[str, bytes]) -> dict[str, bytes]:
    return _add_sheet(parts, "Ghost", "", "", b"", rel_id="rId77")


def dimension_without_column(parts: dict[str, bytes]) -> dict[str, bytes]:
    """<dimension ref="1:4">: a row range with no column, which the native reader refuses."""
    parts = dict(parts)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="1:4"/>', parts[sheet])
    return parts


def merge_without_row(parts: dict[str, bytes]) -> dict[str, bytes]:
    """<mergeCell ref="A1:B">: not a range of cells (Excel repairs such a file on opening)."""
    parts = dict(parts)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B"/></mergeCells>', 1)
    return parts


def without_styles(parts: dict[str, bytes]) -> dict[str, bytes]:
    """No styles part at all (it is optional): no relationship, no content type."""
    parts = dict(parts)
    parts.pop("xl/styles.xml")
    parts["xl/_rels/workbook.xml.rels"] = re.sub(
        rb'<Relationship [^>]*/styles"[^>]*/>', b"", parts["xl/_rels/workbook.xml.rels"])
    parts["[Content_Types].xml"] = re.sub(
        rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", parts["[Content_Types].xml"])
    for name in [name for name in parts if name.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(rb' s="\d+"', b"", parts[name])
    return parts


def strict_open_xml(parts: dict[str, bytes]) -> dict[str, bytes]:
    """As Excel's "Strict Open XML Spreadsheet" saves: other namespaces and relationship types."""
    strict = {
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main":
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
            b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
    converted = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            for old, new in strict.items():
                data = data.replace(old, new)
        converted[name] = data
    return converted
