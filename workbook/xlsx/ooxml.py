"""Namespaces, schema orders and small lxml helpers shared by the package writer's modules."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from lxml import etree

from kpi_rules.errors import one_line
from workbook.read.opc.relationships import rels_part_of, resolve_target
from workbook.xlsx.atomic import WorkbookWriteError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_EXTENDED_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

REL_OFFICE_DOCUMENT = NS_DOC_REL + "/officeDocument"
REL_STRICT_OFFICE_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
REL_WORKSHEET = NS_DOC_REL + "/worksheet"
REL_STYLES = NS_DOC_REL + "/styles"
REL_DRAWING = NS_DOC_REL + "/drawing"
REL_CHART = NS_DOC_REL + "/chart"
REL_CALC_CHAIN = NS_DOC_REL + "/calcChain"
REL_EXTENDED_PROPS = NS_DOC_REL + "/extended-properties"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

# CT_Worksheet is a sequence: new children must go in this order or Excel "repairs" the file.
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst"]

WORKBOOK_ORDER = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"]

STYLESHEET_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles", "colors", "extLst"]

# How the sheets are printed, as committee appendices are: landscape A4 (paperSize 9), every
# column on one page width (fitToWidth 1 with sheetPr/pageSetUpPr fitToPage), as many pages
# down as it takes (fitToHeight 0); the footer names the file, the sheet and the page.
PAGE_SETUP = {"paperSize": "9", "orientation": "landscape", "fitToWidth": "1", "fitToHeight": "0"}
FOOTER = "&L&F&C&A&RPage &P of &N"

_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)


def main(tag: str) -> str:
    """Clark name in the SpreadsheetML main namespace, whatever prefix the file uses."""
    return f"{{{NS_MAIN}}}{tag}"


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return etree.QName(tag).localname


def parse_part(data: bytes, part_name: str) -> etree._Element:
    """A part's XML; a document type declaration is refused (Office files never carry one, and
    its entities would be written back unresolved, leaving the output not well-formed)."""
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise WorkbookWriteError(f"cannot parse {part_name}: {one_line(error, 120)}") from error
    if root.getroottree().docinfo.doctype:
        raise WorkbookWriteError(f"{part_name} declares a DOCTYPE or entities, which Office "
                                 f"files never do: a crafted or damaged file")
    return root


def serialize_part(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def insert_in_order(parent: etree._Element, child: etree._Element, order: tuple | list) -> None:
    """Insert `child` after the last sibling that the schema puts at or before it."""
    rank = order.index(local_name(child))
    position = 0
    for index, sibling in enumerate(parent):
        name = local_name(sibling)
        if name in order and order.index(name) <= rank:
            position = index + 1
    parent.insert(position, child)


def first_child(parent: etree._Element, tag: str) -> etree._Element | None:
    return parent.find(main(tag))


# -- relationships ---------------------------------------------------------------------------
@dataclass
class Relationship:
    id: str
    type: str
    target: str  # a part name when internal, the raw target when external
    external: bool = False

    @classmethod
    def from_element(cls, element: etree._Element, base: str) -> Relationship:
        raw = element.get("Target", "")
        external = element.get("TargetMode") == "External"
        target = raw if external else resolve_target(base, raw)
        return cls(element.get("Id", ""), element.get("Type", ""), target, external)


# Where a part's relationships live and what a target names: the reader's one rule.
rels_part_for = rels_part_of


def relative_target(base: str, part: str) -> str:
    return posixpath.relpath(part, base or ".")


def relationships_xml(rels: list[Relationship], base: str) -> bytes:
    root = etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
    for rel in rels:
        target = rel.target if rel.external else relative_target(base, rel.target)
        element = etree.SubElement(root, f"{{{NS_PKG_REL}}}Relationship")
        element.set("Id", rel.id)
        element.set("Type", rel.type)
        element.set("Target", target)
        if rel.external:
            element.set("TargetMode", "External")
    return serialize_part(root)


def free_relationship_id(rels: list[Relationship]) -> str:
    used = {rel.id for rel in rels}
    number = 1
    while f"rId{number}" in used:
        number += 1
    return f"rId{number}"
