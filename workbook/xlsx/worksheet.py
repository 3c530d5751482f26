"""Rewriting one existing worksheet part: cells (streamed), dimension, new column widths and
the status colour rules, leaving every other element of the sheet as it was."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from workbook.addresses import column_index, column_letter
from workbook.plan.blocks import CellBlock, StatusColourRule, column_of
from workbook.xlsx.atomic import WorkbookWriteError
from workbook.xlsx.cells import Layer, StyleResolver, excel_text
from workbook.xlsx.ooxml import (
    FOOTER,
    PAGE_SETUP,
    WORKSHEET_ORDER,
    insert_in_order,
    local_name,
    main,
    parse_part,
    serialize_part,
)
from workbook.xlsx.rows import RowRewriter, SharedFormulaError, SheetShapeError
from workbook.xlsx.styles import StyleBook

ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)(?:\s[^>]*)?>")  # the first start tag
RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")
QUOTED_TEXT = re.compile(r'"(?:[^"]|"")*"')
MARKUP_ENDS = {b"!-": b"-->", b"![": b"]]>"}  # by the two bytes after "<" (else "?>")
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")


@dataclass
class Bounds:
    top: int
    left: int
    bottom: int
    right: int

    def union(self, other: Bounds) -> Bounds:
        return Bounds(min(self.top, other.top), min(self.left, other.left),
                      max(self.bottom, other.bottom), max(self.right, other.right))

    def ref(self) -> str:
        first = f"{column_letter(self.left)}{self.top}"
        last = f"{column_letter(self.right)}{self.bottom}"
        return first if first == last else f"{first}:{last}"


def parse_range(ref: str) -> Bounds | None:
    match = RANGE.fullmatch(ref.strip().upper())
    if match is None:
        return None
    left, top = column_index(match.group(1)), int(match.group(2))
    if match.group(3) is None:
        return Bounds(top, left, top, left)
    return Bounds(top, left, int(match.group(4)), column_index(match.group(3)))


@dataclass
class SheetEdits:
    """Everything the plan asks of one existing sheet. Blocks are kept as they are (no object
    per cell: a 100k-row refresh writes 400k cells); the rewriter takes them a column at a time."""

    blocks: list[tuple[CellBlock, StyleResolver | None]] = field(default_factory=list)
    rules: list[StatusColourRule] = field(default_factory=list)
    fit_to_width: bool = False  # print every column on one page width, unless the sheet fits already

    def row_numbers(self) -> list[int]:
        rows: set[int] = set()
        for block, _ in self.blocks:
            if block.width:
                rows.update(range(block.top, block.bottom + 1))
        return sorted(rows)

    def layers(self) -> list[Layer]:
        """Each column of each block, in plan order (a later block wins where they overlap)."""
        return [Layer(block.left + offset, block.top, block.bottom, block.values, offset, style)
                for block, style in self.blocks for offset in range(block.width)]

    def bounds(self) -> Bounds | None:
        written = [block for block, _ in self.blocks if block.width and block.height]
        if not written:
            return None
        return Bounds(min(b.top for b in written), min(b.left for b in written),
                      max(b.bottom for b in written), max(b.right for b in written))

    def column_text_lengths(self, right_of: int = 0) -> dict[int, int]:
        """Longest text written in each column right of `right_of` (a number counts as 8)."""
        lengths: dict[int, int] = {}
        for block, _ in self.blocks:
            for offset in range(block.width):
                column = block.left + offset
                if column <= right_of:
                    continue
                values = column_of(block.values, offset)
                try:
                    values = set(values)  # a column repeats a few labels
                except TypeError:
                    pass
                longest = max(map(text_length, values), default=0)
                lengths[column] = max(lengths.get(column, 0), longest)
        return lengths


class SheetStream:
    """A worksheet part read piece by piece (a 100k-row sheet is ~70 MB of XML): `head` is
    everything up to and including the <sheetData> start tag, `rows()` gives what lies between
    it and </sheetData> as windows of whole rows, and once those are read, `tail` is the rest."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        buffer = b""
        while (match := SHEET_DATA.search(buffer)) is None:
            chunk = next(self._chunks, None)
            if chunk is None:
                raise SheetShapeError("no <sheetData> element")
            buffer += chunk
        self.head = buffer[:match.end()]
        self.sheet_data_tag = match.group(0)
        self.prefix: bytes = match.group(1)  # the namespace prefix, e.g. b"" or b"x:"
        self.empty = bool(match.group(2))  # <sheetData/>
        self.tail: bytes | None = None
        self._rest = buffer[match.end():]

    def rows(self) -> Iterator[bytes]:
        return _whole_rows(self._pieces(), b"<" + self.prefix + b"row")

    def _pieces(self) -> Iterator[bytes]:
        if self.empty:
            self.tail = self._rest + b"".join(self._chunks)
            return
        closing = b"</" + self.prefix + b"sheetData"
        keep = len(closing) - 1  # a closing tag may come split between two pieces
        buffer = self._rest
        while (end := buffer.find(closing)) < 0:
            if len(buffer) > keep:
                yield buffer[:-keep]
                buffer = buffer[-keep:]
            chunk = next(self._chunks, None)
            if chunk is None:
                raise SheetShapeError("unterminated <sheetData>")
            buffer += chunk
        if end:
            yield buffer[:end]
        self.tail = buffer[end:] + b"".join(self._chunks)


def _whole_rows(region: Iterable[bytes], row_start: bytes) -> Iterator[bytes]:
    """The region regrouped into windows that end where a row starts (the last may not)."""
    carry = b""
    for chunk in region:
        window = carry + chunk if carry else chunk
        cut = _last_row_start(window, row_start)
        if cut <= 0:
            carry = window
            continue
        carry = window[cut:]
        yield window[:cut]
    yield carry


def _last_row_start(window: bytes, row_start: bytes) -> int:
    """Where the window's last row starts, not counting a row start inside a comment, a
    processing instruction or CDATA."""
    cut = window.rfind(row_start)
    while cut > 0:
        markup = max(window.rfind(b"<!", 0, cut), window.rfind(b"<?", 0, cut))
        end = MARKUP_ENDS.get(window[markup + 1:markup + 3], b"?>")
        if markup < 0 or window.find(end, markup, cut) >= 0:
            return cut
        cut = window.rfind(row_start, 0, markup)
    return cut


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


def rewrite_worksheet(chunks: Iterable[bytes], part_name: str, edits: SheetEdits,
                      styles: StyleBook) -> tuple[Iterator[bytes | memoryview], RowRewriter]:
    """The part's new content as chunks, from its old content in pieces (consume them once:
    the old part is read as the new one is produced), and the rewriter, which knows afterwards
    which formula cells were overwritten.

    What surrounds <sheetData> is edited with lxml in two parts: what comes before it (the
    dimension, column widths) is written first, what comes after it (the colour rules) last,
    each parsed inside the sheet's own root start tag so that prefixes resolve as in the sheet.
    """
    try:
        sheet = SheetStream(chunks)
        root_tag = ROOT_TAG.search(sheet.head)
        if root_tag is None:
            raise SheetShapeError("no root element")
    except SheetShapeError as error:
        raise WorkbookWriteError(f"cannot parse {part_name}: {error}") from error
    rewriter = RowRewriter(sheet.prefix, edits)
    return _chunks(part_name, sheet, root_tag, edits, styles, rewriter), rewriter


def _chunks(part_name: str, sheet: SheetStream, root_tag: re.Match, edits: SheetEdits,
            styles: StyleBook, rewriter: RowRewriter) -> Iterator[bytes | memoryview]:
    root_end = b"</" + root_tag.group(1) + b">"
    sheet_data_end = b"" if sheet.empty else b"</" + sheet.prefix + b"sheetData>"
    head_root = parse_part(sheet.head + sheet_data_end + root_end, part_name)
    old_bounds = _dimension_bounds(head_root)
    new_bounds = edits.bounds()
    if new_bounds is not None:
        _set_dimension(head_root, new_bounds if old_bounds is None else old_bounds.union(new_bounds))
        right_edge = old_bounds.right if old_bounds else 0
        _add_widths_for_new_columns(head_root, edits.column_text_lengths(right_edge), right_edge)
    fitted = edits.fit_to_width and _fit_to_page(head_root)
    yield _around_sheet_data(head_root, sheet.prefix)[0]
    try:
        yield from rewriter.rows(sheet.rows())
    except SharedFormulaError as error:
        raise WorkbookWriteError(f"{part_name}: {error}") from error
    except SheetShapeError as error:
        raise WorkbookWriteError(f"cannot parse {part_name}: {error}") from error
    except (etree.XMLSyntaxError, ValueError, AttributeError) as error:
        raise WorkbookWriteError(f"cannot parse the rows of {part_name}: {error}") from error
    tail_root = parse_part(root_tag.group(0) + sheet.sheet_data_tag + sheet.tail, part_name)
    replace_status_rules(tail_root, edits.rules, styles)
    if fitted:
        _fit_page_setup(tail_root)
    yield _around_sheet_data(tail_root, sheet.prefix)[1]


def _around_sheet_data(root: etree._Element, prefix: bytes) -> tuple[bytes, bytes]:
    return split_serialized_skeleton(serialize_part(root), prefix)


# -- printing ----------------------------------------------------------------------------------
def _fit_to_page(root: etree._Element) -> bool:
    """Turn on fit-to-page; False (and nothing changed) when the sheet has it already."""
    properties = root.find(main("sheetPr"))
    if properties is None:
        properties = etree.Element(main("sheetPr"))
        insert_in_order(root, properties, WORKSHEET_ORDER)
    page = properties.find(main("pageSetUpPr"))
    if page is None:
        page = etree.SubElement(properties, main("pageSetUpPr"))  # last in CT_SheetPr
    if page.get("fitToPage") in ("1", "true"):
        return False
    page.set("fitToPage", "1")
    return True


def _fit_page_setup(root: etree._Element) -> None:
    """Every column on one page width. A sheet with no page setup gets ours (landscape A4, the
    footer); one with its own keeps its paper and orientation."""
    setup = root.find(main("pageSetup"))
    if setup is None:
        setup = etree.Element(main("pageSetup"), PAGE_SETUP)
        insert_in_order(root, setup, WORKSHEET_ORDER)
        if root.find(main("headerFooter")) is None:
            footer = etree.Element(main("headerFooter"))
            etree.SubElement(footer, main("oddFooter")).text = FOOTER
            insert_in_order(root, footer, WORKSHEET_ORDER)
    else:
        setup.set("fitToWidth", "1")
        setup.set("fitToHeight", "0")


# -- dimension and columns ---------------------------------------------------------------------
def _dimension_bounds(root: etree._Element) -> Bounds | None:
    dimension = root.find(main("dimension"))
    return parse_range(dimension.get("ref", "")) if dimension is not None else None


def _set_dimension(root: etree._Element, bounds: Bounds) -> None:
    dimension = root.find(main("dimension"))
    if dimension is None:
        dimension = etree.Element(main("dimension"))
        insert_in_order(root, dimension, WORKSHEET_ORDER)
    dimension.set("ref", bounds.ref())


def column_width_for(text_length: int) -> float:
    return float(min(60, max(10, text_length + 2)))


def _add_widths_for_new_columns(root: etree._Element, text_lengths: dict[int, int],
                                right_edge: int) -> None:
    """A width for columns the table did not have, unless a <col> already covers them."""
    cols = root.find(main("cols"))
    for column in sorted(c for c in text_lengths if c > right_edge):
        if cols is not None and _covered(cols, column):
            continue
        if cols is None:
            cols = etree.Element(main("cols"))
            insert_in_order(root, cols, WORKSHEET_ORDER)
        col = etree.Element(main("col"), min=str(column), max=str(column),
                            width=str(column_width_for(text_lengths[column])), customWidth="1")
        later = [c for c in cols if int(c.get("min", "0")) > column]
        if later:
            later[0].addprevious(col)
        else:
            cols.append(col)


def _covered(cols: etree._Element, column: int) -> bool:
    return any(int(c.get("min", "0")) <= column <= int(c.get("max", "0")) for c in cols)


# -- status colour rules -----------------------------------------------------------------------
def replace_status_rules(root: etree._Element, rules: list[StatusColourRule],
                         styles: StyleBook) -> None:
    """Drop the status rules a previous refresh wrote over the same columns, then add `rules`.

    A previous rule is recognised by its shape: one `cellIs equal "text"` rule alone in a
    conditionalFormatting whose single range starts at the same cell and spans the same
    columns as a rule of this plan (the table may have grown, so the bottom may differ).
    """
    if not rules:
        return
    for old in [cf for cf in root.findall(main("conditionalFormatting")) if _is_ours(cf, rules)]:
        root.remove(old)
    priority = _highest_priority(root)
    for rule in rules:
        priority += 1
        insert_in_order(root, _rule_element(rule, styles.fill_dxf(rule.fill), priority),
                        WORKSHEET_ORDER)


def _is_ours(formatting: etree._Element, rules: list[StatusColourRule]) -> bool:
    bounds = parse_range(formatting.get("sqref", ""))
    children = [child for child in formatting if isinstance(child.tag, str)]
    if bounds is None or len(children) != 1:
        return False
    rule = children[0]
    formulas = rule.findall(main("formula"))
    if (rule.get("type"), rule.get("operator")) != ("cellIs", "equal") or len(formulas) != 1:
        return False
    if not QUOTED_TEXT.fullmatch((formulas[0].text or "").strip()):
        return False
    return any((r.top, r.left, r.right) == (bounds.top, bounds.left, bounds.right) for r in rules)


def _highest_priority(root: etree._Element) -> int:
    priorities = [int(el.get("priority")) for el in root.iter()
                  if local_name(el) == "cfRule" and (el.get("priority") or "").isdigit()]
    return max(priorities, default=0)


def _rule_element(rule: StatusColourRule, dxf_id: int, priority: int) -> etree._Element:
    """cellIs-equal on the label text: rendered the same by Excel and LibreOffice."""
    bounds = Bounds(rule.top, rule.left, rule.bottom, rule.right)
    formatting = etree.Element(main("conditionalFormatting"), sqref=bounds.ref())
    cf_rule = etree.SubElement(formatting, main("cfRule"), type="cellIs", dxfId=str(dxf_id),
                               priority=str(priority), operator="equal")
    quoted = '"' + rule.label.replace('"', '""') + '"'
    etree.SubElement(cf_rule, main("formula")).text = excel_text(quoted)  # ST_Xstring, as cells
    return formatting


def text_length(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    return 8 if value is not None else 0
