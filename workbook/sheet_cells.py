"""Writing values into the rows of a worksheet part without loading the whole sheet as a tree.

`<sheetData>` is split into its rows at the byte level; rows the plan does not touch are copied
verbatim. In a touched row only the edited cells are regenerated (bytes spliced in place); a row
of an unusual shape is parsed with lxml instead (wrapped in an element that carries the sheet's
namespace declarations), edited and serialized back. Memory stays near the size of the part
itself, and time near a plain copy, even for 100k-row sheets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from lxml import etree

from workbook.blocks import cell_name, column_index, column_letter
from workbook.ooxml import main

ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
ROOT_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
NAMESPACE_DECLARATION = re.compile(rb"\sxmlns(?::[\w.-]+)?\s*=\s*(?:\"[^\"]*\"|'[^']*')")
# Characters XML 1.0 cannot carry; Excel writes them as _xHHHH_ escapes.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
WRAPPER_END = b"</kpiwrap>"
ROW_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)row\b([^>]*?)(/?)>")
ROW_SPANS = re.compile(rb"\sspans\s*=\s*(?:\"[^\"]*\"|'[^']*')")
CELL_WHOLE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)c\b([^>]*?)(?:/>|>.*?</\1c>)", re.DOTALL)
_ANY_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
CELL_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Z]+)\d+[\"']")
CELL_STYLE = re.compile(rb"\ss\s*=\s*[\"'](\d+)[\"']")
CELL_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f\b")
UNUSUAL_ROW_CONTENT = re.compile(rb"<!--|extLst|<\?|CDATA")

TAG_CELL = main("c")
TAG_ROW_EXTENSIONS = main("extLst")
SHARED_MASTER = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?=[^>]*\st\s*=\s*[\"']shared[\"'])(?=[^>]*\sref\s*=)"
    rb"[^>]*\ssi\s*=\s*[\"'](\d+)[\"']")
StyleResolver = Callable[[int], int]  # existing style index -> style index to write


class SharedFormulaError(ValueError):
    """Overwriting a shared formula's first cell would leave the cells sharing it broken."""


class CellEdit(NamedTuple):  # a tuple: built 400k times in a 100k-row refresh
    value: Any
    style: StyleResolver | None = None


class RowEdits(Protocol):
    """Which rows a plan touches, and what it writes into one of them."""

    def row_numbers(self) -> list[int]: ...

    def for_row(self, number: int) -> dict[int, CellEdit]: ...


@dataclass
class SheetLayout:
    """Where the rows sit inside a worksheet part (offsets, so nothing is copied)."""

    skeleton: bytes  # the part with an empty <sheetData>, small
    rows_start: int
    rows_end: int
    prefix: bytes  # the namespace prefix used for sheetData, e.g. b"" or b"x:"


def locate_rows(data: bytes) -> SheetLayout:
    match = SHEET_DATA.search(data)
    if match is None:
        raise ValueError("no <sheetData> element")
    prefix = match.group(1)
    if match.group(2):  # <sheetData/>
        return SheetLayout(data, match.end(), match.end(), prefix)
    close = data.find(b"</" + prefix + b"sheetData", match.end())
    if close < 0:
        raise ValueError("unterminated <sheetData>")
    return SheetLayout(data[: match.end()] + data[close:], match.end(), close, prefix)


def split_serialized_skeleton(skeleton: bytes, prefix: bytes) -> tuple[bytes, bytes]:
    """Around the `<sheetData/>` lxml wrote: (everything up to and including `<sheetData>`,
    everything from `</sheetData>` on)."""
    empty = re.compile(rb"<" + re.escape(prefix) + rb"sheetData\s*/>")
    match = empty.search(skeleton)
    if match is None:
        raise ValueError("sheetData lost while editing the sheet")
    opening = b"<" + prefix + b"sheetData>"
    closing = b"</" + prefix + b"sheetData>"
    return skeleton[: match.start()] + opening, closing + skeleton[match.end():]


def wrapper_start(part: bytes) -> bytes:
    root = ROOT_START.search(part)
    declarations = NAMESPACE_DECLARATION.findall(root.group(0)) if root else []
    return b"<kpiwrap" + b"".join(declarations) + b">"


def scan_rows(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, row number) of each <row> between two offsets of the part."""
    position, number = start, 0
    while True:
        match = ROW_START.search(data, position, end)
        if match is None:
            return
        tag_end = data.index(b">", match.end())
        if data[tag_end - 1:tag_end] == b"/":
            row_end = tag_end + 1
        else:
            row_end = ROW_END.search(data, tag_end).end()
        explicit = ROW_NUMBER.search(data, match.end(), tag_end)
        number = int(explicit.group(1)) if explicit else number + 1
        yield match.start(), row_end, number
        position = row_end


class RowRewriter:
    """Applies a plan's cell edits to the rows of one sheet, yielding the new rows as chunks.

    Rows are spliced as bytes: the edited cells are regenerated, every other cell of the row
    keeps its exact bytes, untouched rows are passed on as views of the original part. A row
    that does not look like the common shape (cells without `r`, comments, row extensions)
    goes through lxml instead.
    """

    def __init__(self, data: bytes, layout: SheetLayout, edits: RowEdits):
        self.data = data
        self.layout = layout
        self.wrapper = wrapper_start(data)
        self.prefix = layout.prefix.decode()
        self.edits = edits
        self.formulas_replaced: list[str] = []
        self._orphaned_shared: dict[bytes, str] = {}  # si of a replaced shared-formula master
        self._orphan_pattern: re.Pattern | None = None

    def _formula_replaced(self, cell: bytes, number: int, column: int) -> None:
        self.formulas_replaced.append(cell_name(number, column))
        master = SHARED_MASTER.search(cell)
        if master is not None:
            self._orphaned_shared[master.group(1)] = cell_name(number, column)
            choices = b"|".join(re.escape(si) for si in self._orphaned_shared)
            self._orphan_pattern = re.compile(rb"\ssi\s*=\s*[\"'](?:" + choices + rb")[\"']")

    def _check_no_orphans(self, row: bytes | memoryview, number: int) -> None:
        """Cells that share the formula of a cell we overwrote would be left without one."""
        if self._orphan_pattern is None:
            return
        found = self._orphan_pattern.search(row)
        if found is not None:
            master = self._orphaned_shared[found.group(0).split(b"=")[1].strip(b"\"' ")]
            raise SharedFormulaError(
                f"writing {master} would break the shared formula it starts (still used in row "
                f"{number}); clear or convert those formulas first")

    def rows(self) -> Iterator[bytes | memoryview]:
        view = memoryview(self.data)
        pending = self.edits.row_numbers()
        next_pending = 0
        position = self.layout.rows_start
        for start, end, number in scan_rows(self.data, position, self.layout.rows_end):
            yield view[position:start]
            while next_pending < len(pending) and pending[next_pending] < number:
                yield self._new_row(pending[next_pending])
                next_pending += 1
            if next_pending < len(pending) and pending[next_pending] == number:
                row = self._edited_row(self.data[start:end], number)
                next_pending += 1
            else:
                row = view[start:end]
            self._check_no_orphans(row, number)
            yield row
            position = end
        for number in pending[next_pending:]:
            yield self._new_row(number)
        yield view[position:self.layout.rows_end]

    def _new_row(self, number: int) -> bytes:
        p = self.prefix
        cells = "".join(self._cell_text(number, column, None, edit)
                        for column, edit in sorted(self.edits.for_row(number).items()))
        return f'<{p}row r="{number}">{cells}</{p}row>'.encode()

    def _edited_row(self, row: bytes, number: int) -> bytes:
        edits = self.edits.for_row(number)
        spliced = self._splice(row, number, edits)
        if spliced is not None:
            return spliced
        if ROW_NUMBER.search(row, 0, row.index(b">")) is None:
            row = ROW_START.sub(lambda m: m.group(0) + f' r="{number}"'.encode(), row, count=1)
        return self._rewrite_with_lxml(row, number, edits)

    def _splice(self, row: bytes, number: int, edits: dict[int, CellEdit]) -> bytes | None:
        opening = ROW_OPEN.match(row)
        if opening is None or UNUSUAL_ROW_CONTENT.search(row):
            return None
        prefix = opening.group(1)
        inner = b"" if opening.group(3) else row[opening.end(): row.rindex(b"</")]
        last_column = _last_cell_column(inner, prefix)
        if last_column is not None and last_column < min(edits):
            # the common case: new columns right of the row's cells; no need to scan them
            new_cells = b"".join(self._cell(number, column, None, edits) for column in sorted(edits))
            return _row_bytes(opening, prefix, [inner, new_cells])
        cells = _scan_cells(inner)
        if cells is None:
            return None
        columns = sorted(edits)
        pieces: list[bytes] = []
        last = 0
        for column, start, end, attributes in cells:
            while columns and columns[0] < column:
                pieces += [inner[last:start], self._cell(number, columns.pop(0), None, edits)]
                last = start
            if columns and columns[0] == column:
                if CELL_FORMULA.search(inner, start, end):
                    self._formula_replaced(inner[start:end], number, column)
                style = CELL_STYLE.search(attributes)
                existing = int(style.group(1)) if style else 0
                pieces += [inner[last:start], self._cell(number, columns.pop(0), existing, edits)]
                last = end
        tail_at = cells[-1][2] if cells else 0
        pieces.append(inner[last:tail_at])
        pieces += [self._cell(number, column, None, edits) for column in columns]
        pieces.append(inner[tail_at:])
        return _row_bytes(opening, prefix, pieces)

    def _cell(self, number: int, column: int, existing_style: int | None, edits) -> bytes:
        return self._cell_text(number, column, existing_style, edits[column]).encode()

    def _cell_text(self, number: int, column: int, existing_style: int | None,
                   edit: CellEdit) -> str:
        """A cell's XML; a blank cell without a style is left out altogether."""
        style = existing_style or 0
        if edit.style is not None:
            style = edit.style(style)
        p = self.prefix
        head = f'<{p}c r="{_letters(column)}{number}"' + (f' s="{style}"' if style else "")
        value = edit.value
        if type(value) is not str and hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, str):
            space = ' xml:space="preserve"' if value != value.strip() else ""
            text = _escape_text(value)
            return f'{head} t="inlineStr"><{p}is><{p}t{space}>{text}</{p}t></{p}is></{p}c>'
        if isinstance(value, bool):
            return f'{head} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
        if value is not None:
            number_value = float(value)
            if math.isfinite(number_value):
                return f"{head}><{p}v>{_number_text(value, number_value)}</{p}v></{p}c>"
        return f"{head}/>" if style else ""

    def _rewrite_with_lxml(self, row: bytes, number: int, edits: dict[int, CellEdit]) -> bytes:
        wrapper = etree.fromstring(self.wrapper + row + WRAPPER_END, parser=_PARSER)
        self._edit_row(wrapper[0], number, edits)
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
                cell = _new_cell(row, cells, number, column)
            elif cell.find(main("f")) is not None:
                self._formula_replaced(etree.tostring(cell), number, column)
            if edit.style is not None:  # before the value, so attributes stay in r, s, t order
                style = edit.style(int(cell.get("s", "0")))
                if style:
                    cell.set("s", str(style))
                else:
                    cell.attrib.pop("s", None)
            write_value(cell, edit.value)


_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)


def _scan_cells(inner: bytes) -> list[tuple[int, int, int, bytes]] | None:
    """(column, start, end, attributes) of each cell; None if a cell has no `r`."""
    cells = []
    for match in CELL_WHOLE.finditer(inner):
        reference = CELL_REF.search(match.group(2))
        if reference is None:
            return None
        cells.append((_letters_index(reference.group(1)), match.start(), match.end(),
                      match.group(2)))
    return cells


def _row_bytes(opening: re.Match, prefix: bytes, pieces: list[bytes]) -> bytes:
    attributes = ROW_SPANS.sub(b"", opening.group(2))  # an optional hint, stale once cells move
    return b"".join([b"<", prefix, b"row", attributes, b">", *pieces, b"</", prefix, b"row>"])


def _last_cell_column(inner: bytes, prefix: bytes) -> int | None:
    """Column of the row's last cell (0 when it has none); None when that is not plain to see."""
    if not inner.strip():
        return 0
    start = inner.rfind(b"<" + prefix + b"c ")
    if start < 0 or _ANY_CELL_START.search(inner, start + 1):  # e.g. "<c\tr=...": unusual
        return None
    reference = CELL_REF.search(inner, start, inner.index(b">", start))
    return _letters_index(reference.group(1)) if reference else None


def _escape_text(text: str) -> str:
    if NEEDS_ESCAPE.search(text) is None:
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")  # a bare CR would be read back as LF
    return XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


@lru_cache(maxsize=1024)
def _letters(column: int) -> str:
    return column_letter(column)


def _column_of(reference: str) -> int:
    return _letters_index(reference.rstrip("0123456789"))


@lru_cache(maxsize=4096)
def _letters_index(letters: str | bytes) -> int:
    return column_index(letters.decode() if isinstance(letters, bytes) else letters)


def _cells_by_column(row: etree._Element, number: int) -> dict[int, etree._Element]:
    cells, column = {}, 0
    for cell in row.iterchildren(TAG_CELL):
        reference = cell.get("r")
        if reference:
            column = _column_of(reference)
        else:
            column += 1
            cell.set("r", cell_name(number, column))
        cells[column] = cell
    return cells


def _new_cell(row: etree._Element, cells: dict[int, etree._Element], number: int,
              column: int) -> etree._Element:
    cell = etree.Element(TAG_CELL, r=cell_name(number, column))
    later = [existing for existing in cells if existing > column]
    if later:
        cells[min(later)].addprevious(cell)
    else:
        extensions = row.find(TAG_ROW_EXTENSIONS)  # the row's extLst comes after all cells
        if extensions is not None:
            extensions.addprevious(cell)
        else:
            row.append(cell)
    cells[column] = cell
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
