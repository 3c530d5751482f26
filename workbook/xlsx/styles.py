"""styles.xml: cell formats derived from a cell's existing one, and fills for conditional formats.

Everything is deduplicated against what the file already holds, so a rerun finds the formats
it added last time and adds nothing.
"""

from __future__ import annotations

import copy

from lxml import etree

from workbook.xlsx.ooxml import (
    NS_MAIN,
    STYLESHEET_ORDER,
    insert_in_order,
    main,
    parse_part,
    serialize_part,
)

# Excel's built-in number formats that a plan is likely to ask for (ECMA-376 18.8.30).
BUILTIN_NUMBER_FORMATS = {
    "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
}
FIRST_CUSTOM_NUMBER_FORMAT = 164
# What a workbook without a styles part gets (a styles part is optional in SpreadsheetML): the
# least Excel opens without a repair, one font, the two fills Excel reserves, one border, and
# the Normal style with its cell format 0, which every unstyled cell already uses.
EMPTY_STYLESHEET = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<styleSheet xmlns="{NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
).encode()


def argb(colour: str) -> str:
    """'#00B050' -> 'FF00B050'."""
    hex_digits = colour.lstrip("#").upper()
    if len(hex_digits) != 6 or any(c not in "0123456789ABCDEF" for c in hex_digits):
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return "FF" + hex_digits


def _signature(element: etree._Element) -> tuple:
    """Structure of an element, independent of namespace prefixes and declarations."""
    children = tuple(_signature(child) for child in element if isinstance(child.tag, str))
    return element.tag, tuple(sorted(element.attrib.items())), children


def _same(a: etree._Element, b: etree._Element) -> bool:
    return _signature(a) == _signature(b)


class StyleBook:
    """The workbook's styles part, parsed lazily; `changed` says whether it must be rewritten."""

    def __init__(self, part_name: str, data: bytes, new: bool = False):
        self.part_name = part_name
        self._root = parse_part(data, part_name)
        self.new = new  # the package has no styles part yet: written only if a format is added
        self.changed = False
        self._cache: dict[tuple, int] = {}

    @classmethod
    def empty(cls, part_name: str) -> StyleBook:
        return cls(part_name, EMPTY_STYLESHEET, new=True)

    def to_bytes(self) -> bytes:
        return serialize_part(self._root)

    # -- containers ----------------------------------------------------------------------
    def _container(self, tag: str, add: bool = True) -> etree._Element | None:
        element = self._root.find(main(tag))
        if element is None and add:
            element = etree.Element(main(tag))
            insert_in_order(self._root, element, STYLESHEET_ORDER)
            self.changed = True
        return element

    def _index_of(self, container_tag: str, item: etree._Element, add: bool = True) -> int | None:
        """Index of an item like `item` in a container; appended when missing, if `add`."""
        container = self._container(container_tag, add)
        if container is None:
            return None
        items = [child for child in container if isinstance(child.tag, str)]
        for index, existing in enumerate(items):
            if _same(existing, item):
                return index
        if not add:
            return None
        container.append(item)
        container.set("count", str(len(items) + 1))
        self.changed = True
        return len(items)

    # -- cell formats --------------------------------------------------------------------
    def cell_format(self, base: int, number_format: str | None = None, bold: bool = False,
                    fill: str | None = None, wrap: bool = False) -> int:
        """Index of a cellXf like `base` plus the requested number format, bold, fill and
        text wrapped at the column's width (top-aligned, as long text reads in a table)."""
        if number_format is None and not bold and fill is None and not wrap:
            return base
        key = (base, number_format, bold, fill) + ((True,) if wrap else ())
        if key not in self._cache:
            self._cache[key] = self._derive_format(base, number_format, bold, fill, wrap=wrap)
        return self._cache[key]

    def existing_cell_format(self, base: int, number_format: str | None = None,
                             bold: bool = False, fill: str | None = None) -> int | None:
        """`cell_format` if the file already has that format, else None; changes nothing."""
        if number_format is None and not bold and fill is None:
            return base
        key = (base, number_format, bold, fill)
        if key not in self._cache:
            found = self._derive_format(base, number_format, bold, fill, add=False)
            if found is None:
                return None
            self._cache[key] = found
        return self._cache[key]

    def _derive_format(self, base, number_format, bold, fill, add: bool = True,
                       wrap: bool = False) -> int | None:
        container = self._container("cellXfs", add)
        formats = [xf for xf in container if isinstance(xf.tag, str)] if container is not None else []
        xf = copy.deepcopy(formats[base]) if base < len(formats) else etree.Element(main("xf"))
        for name, default in (("numFmtId", "0"), ("fontId", "0"), ("fillId", "0"),
                              ("borderId", "0"), ("xfId", "0")):
            xf.set(name, xf.get(name, default))
        if number_format is not None:
            number_format_id = self._number_format_id(number_format, add)
            if number_format_id is None:
                return None
            xf.set("numFmtId", str(number_format_id))
            xf.set("applyNumberFormat", "1")
        if bold:
            font_id = self._bold_font(int(xf.get("fontId")), add)
            if font_id is None:
                return None
            xf.set("fontId", str(font_id))
            xf.set("applyFont", "1")
        if fill is not None:
            fill_id = self._solid_fill(fill, add)
            if fill_id is None:
                return None
            xf.set("fillId", str(fill_id))
            xf.set("applyFill", "1")
        if wrap:
            for old in xf.findall(main("alignment")):
                xf.remove(old)
            xf.insert(0, etree.Element(main("alignment"), vertical="top", wrapText="1"))
            xf.set("applyAlignment", "1")
        return self._index_of("cellXfs", xf, add)

    def _number_format_id(self, code: str, add: bool = True) -> int | None:
        if code in BUILTIN_NUMBER_FORMATS:
            return BUILTIN_NUMBER_FORMATS[code]
        container = self._container("numFmts", add)
        if container is None:
            return None
        ids = [FIRST_CUSTOM_NUMBER_FORMAT - 1]
        for element in container.iter(main("numFmt")):
            if element.get("formatCode") == code:
                return int(element.get("numFmtId"))
            ids.append(int(element.get("numFmtId", "0")))
        if not add:
            return None
        element = etree.SubElement(container, main("numFmt"))
        element.set("numFmtId", str(max(ids) + 1))
        element.set("formatCode", code)
        container.set("count", str(len(container)))
        self.changed = True
        return max(ids) + 1

    def _bold_font(self, font_id: int, add: bool = True) -> int | None:
        container = self._container("fonts", add)
        fonts = [font for font in container if isinstance(font.tag, str)] if container is not None else []
        font = copy.deepcopy(fonts[font_id]) if font_id < len(fonts) else etree.Element(main("font"))
        if font.find(main("b")) is None:
            font.insert(0, etree.Element(main("b")))
        return self._index_of("fonts", font, add)

    def _solid_fill(self, colour: str, add: bool = True) -> int | None:
        fill = etree.Element(main("fill"))
        pattern = etree.SubElement(fill, main("patternFill"), patternType="solid")
        etree.SubElement(pattern, main("fgColor"), rgb=argb(colour))
        etree.SubElement(pattern, main("bgColor"), indexed="64")
        return self._index_of("fills", fill, add)

    # -- conditional formats -------------------------------------------------------------
    def fill_dxf(self, colour: str) -> int:
        """A differential format that only paints the background: for a status colour rule."""
        dxf = etree.Element(main("dxf"))
        fill = etree.SubElement(dxf, main("fill"))
        pattern = etree.SubElement(fill, main("patternFill"))
        etree.SubElement(pattern, main("bgColor"), rgb=argb(colour))
        return self._index_of("dxfs", dxf)
