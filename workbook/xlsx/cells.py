"""The XML of the cells we write: inline strings (never formulas), numbers, booleans."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from lxml import etree

from workbook.addresses import column_letter
from workbook.xlsx.ooxml import main

# Characters XML 1.0 cannot carry; Excel writes them as _xHHHH_ escapes.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STRING_CACHE_LIMIT = 4096  # distinct texts whose cell XML is remembered

# -- the edited cells' XML ---------------------------------------------------------------------
class CellWriter:
    """The XML of written cells, in the sheet's namespace prefix. Strings are inline strings
    (never formulas, never shared strings); the XML after a text's attributes is cached."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._strings: dict[str, str] = {}
        p = prefix
        self._bool_tails = (f' t="b"><{p}v>0</{p}v></{p}c>', f' t="b"><{p}v>1</{p}v></{p}c>')

    def text(self, number: int, column: int, style: int, value: Any) -> str:
        """One cell's XML; a blank cell without a style is left out altogether."""
        head = f'<{self.prefix}c r="{_letters(column)}{number}"' + (f' s="{style}"' if style else "")
        tail = self.tail(value)
        if tail is not None:
            return head + tail
        return f"{head}/>" if style else ""

    def texts(self, column: int, first: int, style: int, values: Sequence[Any]) -> list[str]:
        """`text` for the cells of `column` from row `first` down, one per value."""
        head = f'<{self.prefix}c r="{_letters(column)}'
        attributes = f'" s="{style}"' if style else '"'
        blank = attributes + "/>" if style else None
        strings, tail_of = self._strings, self.tail
        value_head, value_end = f"><{self.prefix}v>", f"</{self.prefix}v></{self.prefix}c>"
        out: list[str] = []
        append = out.append
        number = first
        for value in values:
            kind = type(value)
            if kind is str:
                tail = strings.get(value)
                if tail is None:
                    tail = tail_of(value)
            elif kind is float:
                if value - value == 0.0:  # finite
                    tail = f"{value_head}{_number_text(value, value)}{value_end}"
                else:
                    tail = None
            else:
                tail = tail_of(value)
            if tail is not None:
                append(f"{head}{number}{attributes}{tail}")
            elif blank is not None:
                append(f"{head}{number}{blank}")
            else:
                append("")
            number += 1
        return out

    def tail(self, value: Any) -> str | None:
        """The cell's XML after its `r` and `s` attributes; None for no value."""
        p = self.prefix
        if type(value) is not str and hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, str):
            cached = self._strings.get(value)
            if cached is not None:
                return cached
            space = ' xml:space="preserve"' if value != value.strip() else ""
            tail = f' t="inlineStr"><{p}is><{p}t{space}>{_escape_text(value)}</{p}t></{p}is></{p}c>'
            if len(self._strings) < STRING_CACHE_LIMIT:
                self._strings[value] = tail
            return tail
        if isinstance(value, bool):
            return self._bool_tails[value]
        if value is not None:
            number_value = float(value)
            if math.isfinite(number_value):
                return f"><{p}v>{_number_text(value, number_value)}</{p}v></{p}c>"
        return None


def _escape_text(text: str) -> str:
    if NEEDS_ESCAPE.search(text) is None:
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")  # a bare CR would be read back as LF
    return XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


@lru_cache(maxsize=1024)
def _letters(column: int) -> str:
    return column_letter(column)

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
