"""Writing values into the rows of a worksheet part without loading the whole sheet as a tree.

`<sheetData>` is split into its rows at the byte level; rows the plan does not touch are copied
verbatim, touched rows are parsed with lxml a chunk at a time (wrapped in an element that
carries the sheet's namespace declarations), edited and serialized back. Memory stays near the
size of the part itself, even for 100k-row sheets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from workbook.blocks import cell_name, column_index
from workbook.ooxml import main, parse_part

ROWS_PER_CHUNK = 2000
ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
ROOT_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
NAMESPACE_DECLARATION = re.compile(rb"\sxmlns(?::[\w.-]+)?\s*=\s*(?:\"[^\"]*\"|'[^']*')")
CELL_REFERENCE = re.compile(r"([A-Z]+)(\d+)")
# Characters XML 1.0 cannot carry; Excel writes them as _xHHHH_ escapes.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
WRAPPER_END = b"</kpiwrap>"

StyleResolver = Callable[[int], int]  # existing style index -> style index to write


@dataclass(frozen=True)
class CellEdit:
    value: Any
    style: StyleResolver | None = None


@dataclass
class SheetSplit:
    skeleton: bytes  # the part with an empty <sheetData>
    rows: bytes
    prefix: bytes  # the namespace prefix used for sheetData, e.g. b"" or b"x:"


def split_sheet(data: bytes) -> SheetSplit:
    match = SHEET_DATA.search(data)
    if match is None:
        raise ValueError("no <sheetData> element")
    prefix = match.group(1)
    if match.group(2):  # <sheetData/>
        return SheetSplit(data, b"", prefix)
    close = data.find(b"</" + prefix + b"sheetData", match.end())
    if close < 0:
        raise ValueError("unterminated <sheetData>")
    return SheetSplit(data[: match.end()] + data[close:], data[match.end():close], prefix)


def join_sheet(skeleton: bytes, rows: bytes, prefix: bytes) -> bytes:
    """Put rows back into a serialized skeleton whose sheetData lxml wrote as `<sheetData/>`."""
    empty = re.compile(rb"<" + re.escape(prefix) + rb"sheetData\s*/>")
    match = empty.search(skeleton)
    if match is None:
        raise ValueError("sheetData lost while editing the sheet")
    opening = b"<" + prefix + b"sheetData>"
    closing = b"</" + prefix + b"sheetData>"
    return b"".join((skeleton[: match.start()], opening, rows, closing, skeleton[match.end():]))


def wrapper_start(part: bytes) -> bytes:
    root = ROOT_START.search(part)
    declarations = NAMESPACE_DECLARATION.findall(root.group(0)) if root else []
    return b"<kpiwrap" + b"".join(declarations) + b">"


@dataclass
class RowSpan:
    start: int
    end: int
    number: int


def scan_rows(blob: bytes) -> list[RowSpan]:
    spans: list[RowSpan] = []
    position, number = 0, 0
    while True:
        match = ROW_START.search(blob, position)
        if match is None:
            return spans
        tag_end = blob.index(b">", match.end())
        if blob[tag_end - 1:tag_end] == b"/":
            end = tag_end + 1
        else:
            end = ROW_END.search(blob, tag_end).end()
        explicit = ROW_NUMBER.search(blob, match.end(), tag_end)
        number = int(explicit.group(1)) if explicit else number + 1
        spans.append(RowSpan(match.start(), end, number))
        position = end


class RowRewriter:
    """Applies {row: {column: CellEdit}} to the rows blob of one sheet."""

    def __init__(self, wrapper: bytes, edits: dict[int, dict[int, CellEdit]]):
        self.wrapper = wrapper
        self.edits = edits
        self.formulas_replaced: list[str] = []

    def rewrite(self, blob: bytes) -> bytes:
        spans = scan_rows(blob)
        pending = sorted(self.edits)
        out: list[bytes] = []
        for first in range(0, len(spans), ROWS_PER_CHUNK):
            chunk = spans[first:first + ROWS_PER_CHUNK]
            start = 0 if first == 0 else chunk[0].start
            is_last = first + ROWS_PER_CHUNK >= len(spans)
            end = len(blob) if is_last else spans[first + ROWS_PER_CHUNK].start
            wanted = [row for row in pending if row <= chunk[-1].number] if not is_last else pending
            pending = pending[len(wanted):] if not is_last else []
            out.append(self._rewrite_chunk(blob[start:end], wanted) if wanted else blob[start:end])
        if pending or not spans:
            out.append(self._rewrite_chunk(blob if not spans else b"", pending))
        return b"".join(out)

    def _rewrite_chunk(self, text: bytes, rows_wanted: list[int]) -> bytes:
        wrapper = etree.fromstring(self.wrapper + text + WRAPPER_END, parser=_PARSER)
        existing = _rows_by_number(wrapper)
        for number in rows_wanted:
            row = existing.get(number)
            if row is None:
                row = _new_row(wrapper, number)
            self._edit_row(row, number, self.edits[number])
        serialized = etree.tostring(wrapper, encoding="UTF-8", xml_declaration=False)
        return serialized[serialized.index(b">") + 1: -len(WRAPPER_END)]

    def _edit_row(self, row: etree._Element, number: int, edits: dict[int, CellEdit]) -> None:
        cells = _cells_by_column(row, number)
        row.attrib.pop("spans", None)  # an optional hint; stale once cells are added
        for column in sorted(edits):
            cell = cells.get(column)
            edit = edits[column]
            if cell is None and edit.value is None and edit.style is None:
                continue  # blank stays blank: no empty <c> element
            if cell is None:
                cell = _new_cell(row, number, column)
            elif cell.find(main("f")) is not None:
                self.formulas_replaced.append(cell_name(number, column))
            if edit.style is not None:  # before the value, so attributes stay in r, s, t order
                style = edit.style(int(cell.get("s", "0")))
                if style:
                    cell.set("s", str(style))
                else:
                    cell.attrib.pop("s", None)
            write_value(cell, edit.value)


_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)


def _rows_by_number(wrapper: etree._Element) -> dict[int, etree._Element]:
    rows, number = {}, 0
    for row in wrapper.iter(main("row")):
        number = int(row.get("r", number + 1))
        row.set("r", str(number))
        rows[number] = row
    return rows


def _new_row(wrapper: etree._Element, number: int) -> etree._Element:
    row = etree.Element(main("row"), r=str(number))
    for index, sibling in enumerate(wrapper):
        if sibling.tag == main("row") and int(sibling.get("r")) > number:
            wrapper.insert(index, row)
            return row
    wrapper.append(row)
    return row


def _cells_by_column(row: etree._Element, number: int) -> dict[int, etree._Element]:
    cells, column = {}, 0
    for cell in row.iter(main("c")):
        reference = cell.get("r")
        match = CELL_REFERENCE.fullmatch(reference) if reference else None
        column = column_index(match.group(1)) if match else column + 1
        cell.set("r", cell_name(number, column))
        cells[column] = cell
    return cells


def _new_cell(row: etree._Element, number: int, column: int) -> etree._Element:
    cell = etree.Element(main("c"), r=cell_name(number, column))
    for index, sibling in enumerate(row):
        if sibling.tag != main("c"):  # the row's extLst comes after all cells
            row.insert(index, cell)
            return cell
        match = CELL_REFERENCE.fullmatch(sibling.get("r"))
        if column_index(match.group(1)) > column:
            row.insert(index, cell)
            return cell
    row.append(cell)
    return cell


def write_value(cell: etree._Element, value: Any) -> None:
    """Replace whatever the cell held (value, formula, rich text) with `value`."""
    for child in list(cell):
        if child.tag != main("extLst"):
            cell.remove(child)
    for attribute in ("t", "cm", "vm", "ph"):  # array/rich-value metadata belongs to the old content
        cell.attrib.pop(attribute, None)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if value is None:
        return
    if isinstance(value, str):
        _write_inline_string(cell, value)
    elif isinstance(value, bool):
        cell.set("t", "b")
        _value_element(cell).text = "1" if value else "0"
    else:
        number = float(value)
        if not math.isfinite(number):
            return  # Excel has no NaN/infinity: leave the cell blank
        _value_element(cell).text = _number_text(value, number)


def _write_inline_string(cell: etree._Element, text: str) -> None:
    """Always a string, never a formula: '=SUM(A1)' stays text."""
    cell.set("t", "inlineStr")
    inline = etree.Element(main("is"))
    cell.insert(0, inline)
    t = etree.SubElement(inline, main("t"))
    t.text = XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if text != text.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _value_element(cell: etree._Element) -> etree._Element:
    element = etree.Element(main("v"))
    cell.insert(0, element)
    return element


def _number_text(value: Any, number: float) -> str:
    if isinstance(value, int) or (number.is_integer() and abs(number) < 1e15):
        return str(int(number))
    return repr(number)


def iter_cell_values(part: bytes) -> Iterator[tuple[str, etree._Element]]:
    """(reference, <c> element) for every cell of a (small) worksheet part: used by tests."""
    root = parse_part(part, "worksheet")
    for cell in root.iter(main("c")):
        yield cell.get("r"), cell
