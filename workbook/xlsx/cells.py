"""The XML of the cells we write, and the one escaper for text we write into a part.

Cells: strings are inline strings (never formulas, never shared strings), then numbers and
booleans; `CellWriter` is the only place that makes a cell's XML, for edited rows, new rows
and the product's own sheets alike. `EditedRows` builds the edited cells of a plan a batch of
rows and a column at a time (a status label repeated in 100k rows is escaped once).

Text: Excel's strings (ST_Xstring, ECMA-376 Part 1, 22.9.2.19) carry characters XML 1.0 cannot
as `_xHHHH_`, so a reader takes any literal `_xHHHH_` in a cell's text for the character
U+HHHH: a commentary "Ref _x0041_" would come back as "Ref A". As Excel, XlsxWriter and
rust_xlsxwriter do, the underscore that starts such a sequence is itself written `_x005F_`
(`_x005F_x0041_`), then the characters XML cannot carry become `_xHHHH_`. python-calamine,
LibreOffice and Excel read that back as the original text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from workbook.addresses import column_letter
from workbook.plan.blocks import column_of

# Characters XML 1.0 cannot carry (TAB, LF and CR it can), and lone surrogates, which UTF-8
# cannot: each is written as Excel's _xHHHH_.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LITERAL_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")  # text a reader would take for an escape
NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|"
                          "_x[0-9A-Fa-f]{4}_")
ATTRIBUTE_SPECIAL = re.compile('[&<>"\t\n\r]')
ATTRIBUTE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;",
                     "\n": "&#10;", "\r": "&#13;"}
STRING_CACHE_LIMIT = 4096  # distinct texts whose cell XML is remembered
BATCH_ROWS = 2048  # edited rows whose cells' XML is built at once
StyleResolver = Callable[[int], int]  # existing style index -> style index to write


# -- text ----------------------------------------------------------------------------------------
def excel_text(text: str) -> str:
    """`text` as an ST_Xstring holds it, before any XML escaping: for an element's text or an
    attribute set through lxml (a chart's cached labels, a rule's formula), and the first step
    of `escape_text` and `escape_attribute`."""
    if "_x" in text:
        text = LITERAL_ESCAPE.sub("_x005F_", text)
    if XML_ILLEGAL.search(text) is None:
        return text
    return XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def escape_text(text: str) -> str:
    """Text as the content of an element we write as bytes: Excel's escapes, then XML's."""
    if NEEDS_ESCAPE.search(text) is None:
        return text
    text = excel_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")  # a bare CR would be read back as LF


def escape_attribute(value: str) -> str:
    """An ST_Xstring attribute value (a hyperlink's location) written as bytes."""
    value = excel_text(value)
    if ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    return ATTRIBUTE_SPECIAL.sub(lambda m: ATTRIBUTE_ESCAPES[m.group(0)], value)


# -- one cell ------------------------------------------------------------------------------------
class CellWriter:
    """The XML of written cells, in the sheet's namespace prefix. The XML after a text's
    attributes is cached (a few labels fill whole columns)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._strings: dict[str, str] = {}
        p = prefix
        self._bool_tails = (f' t="b"><{p}v>0</{p}v></{p}c>', f' t="b"><{p}v>1</{p}v></{p}c>')

    def text(self, number: int, column: int, style: int, value: Any) -> str:
        """One cell's XML; a blank cell without a style is left out altogether ("")."""
        return self.texts(column, number, style, (value,))[0]

    def texts(self, column: int, first: int, style: int, values: Sequence[Any]) -> list[str]:
        """The XML of the cells of `column` from row `first` down, one per value."""
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
                if value - value != 0.0:  # NaN or infinity: Excel has neither
                    tail = None
                elif value.is_integer() and -1e15 < value < 1e15:
                    tail = f"{value_head}{int(value)}{value_end}"
                else:
                    tail = f"{value_head}{value!r}{value_end}"
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
            tail = f' t="inlineStr"><{p}is><{p}t{space}>{escape_text(value)}</{p}t></{p}is></{p}c>'
            if len(self._strings) < STRING_CACHE_LIMIT:
                self._strings[value] = tail
            return tail
        if isinstance(value, bool):
            return self._bool_tails[value]
        if value is not None:
            number_value = float(value)
            if math.isfinite(number_value):  # Excel has no NaN/infinity: left blank
                return f"><{p}v>{_number_text(value, number_value)}</{p}v></{p}c>"
        return None


@lru_cache(maxsize=1024)
def _letters(column: int) -> str:
    return column_letter(column)


def _number_text(value: Any, number: float) -> str:
    if isinstance(value, int) or (number.is_integer() and abs(number) < 1e15):
        return str(int(number))
    return repr(number)


# -- the edited cells of a plan ------------------------------------------------------------------
class Layer(NamedTuple):
    """One column of one plan block: rows `top`..`bottom` of `column` take `values`, with the
    style `style` derives from the cell's current one (None: the current style is kept)."""

    column: int
    top: int
    bottom: int
    values: Sequence[Sequence[Any]]  # the block's rows; this layer's value is at [offset]
    offset: int
    style: StyleResolver | None

    def value(self, number: int) -> Any:
        return self.values[number - self.top][self.offset]


class EditedRow(NamedTuple):
    number: int
    first_column: int  # leftmost edited column
    text: bytes | None  # all the row's edited cells as new cells; None when one is not known
    cells: tuple[bytes | None, ...]  # per EditedRows.columns: the XML of that cell as a new
    # cell (b"" for a blank; None where the row has no edit, or the cell's style is not known)
    layers: tuple[Layer | None, ...]  # per column: the layer that writes it, or None
    edits: tuple[int, ...]  # the indexes of the edited columns


class Batch(NamedTuple):
    """Consecutive edited rows top..bottom in which the same columns are edited, their cells'
    XML built a column at a time."""

    top: int
    bottom: int
    first_column: int
    columns: list[list[bytes] | None]  # per EditedRows.columns; None: no edit, or not known
    texts: list[bytes] | None  # per row, all its edited cells; None if one is not known
    layers: tuple[Layer | None, ...]
    edits: tuple[int, ...]

    def row(self, number: int) -> EditedRow:
        index = number - self.top
        return EditedRow(number, self.first_column,
                         None if self.texts is None else self.texts[index],
                         tuple(None if cells is None else cells[index] for cells in self.columns),
                         self.layers, self.edits)


class EditedRows:
    """The plan's edited rows in order, as batches of at most BATCH_ROWS rows in which the same
    columns are edited, built a column at a time from the layers (a later layer wins, as if
    written in order): no Python work per row.

    A cell written where there was none gets the layer's style for a cell of style 0. While
    that style is a format the file does not have yet, the layer's cells come without XML: the
    row writer makes the first such cell itself (which adds the format) and calls `refresh`,
    then builds the rest of the batch again; so a new format is added only when a cell needs
    it, numbered in the order cells need them.
    """

    def __init__(self, layers: list[Layer], row_numbers: list[int], cells: CellWriter):
        self.columns = sorted({layer.column for layer in layers})
        self._layers = [[layer for layer in layers if layer.column == column]
                        for column in self.columns]
        self._row_numbers = row_numbers
        self._cells = cells
        self._base_style: dict[int, int] = {}  # by id(layer)
        self._waiting = [layer for layer in layers if not self._settle(layer)]
        self.stale = False  # a waiting layer settled: the current batch is out of date

    def _settle(self, layer: Layer) -> bool:
        if layer.style is None:
            base = 0
        else:
            peek = getattr(layer.style, "peek", None)
            base = peek(0) if peek is not None else layer.style(0)
        if base is None:
            return False
        self._base_style[id(layer)] = base
        return True

    def base_style(self, layer: Layer) -> int | None:
        return self._base_style.get(id(layer))

    def refresh(self) -> None:
        """After a cell added a format: it may settle waiting layers."""
        waiting = [layer for layer in self._waiting if not self._settle(layer)]
        if len(waiting) < len(self._waiting):
            self._waiting = waiting
            self.stale = True

    def spans(self) -> Iterator[tuple[int, int]]:
        """(top, bottom) of each batch: runs of consecutive edited rows, cut where a layer
        starts or ends (so that each layer covers all of a batch or none) and every BATCH_ROWS."""
        cuts = sorted({layer.top for layers in self._layers for layer in layers}
                      | {layer.bottom + 1 for layers in self._layers for layer in layers})
        for first, last in _consecutive_runs(self._row_numbers):
            inside = [cut for cut in cuts if first < cut <= last]
            for top, bottom in zip([first, *inside], [cut - 1 for cut in inside] + [last]):
                for start in range(top, bottom + 1, BATCH_ROWS):
                    yield start, min(start + BATCH_ROWS - 1, bottom)

    def batch(self, top: int, bottom: int) -> Batch:
        """The rows top..bottom of one span (or the end of one)."""
        columns: list[list[bytes] | None] = []
        owners: list[Layer | None] = []
        for column, layers in zip(self.columns, self._layers):
            owner = next((layer for layer in reversed(layers)
                          if layer.top <= top and bottom <= layer.bottom), None)
            base = None if owner is None else self._base_style.get(id(owner))
            if base is None:
                columns.append(None)
            else:
                values = column_of(owner.values, owner.offset, top - owner.top,
                                   bottom - owner.top + 1)
                columns.append(list(map(str.encode, self._cells.texts(column, top, base, values))))
            owners.append(owner)
        edits = tuple(index for index, owner in enumerate(owners) if owner is not None)
        known = all(columns[index] is not None for index in edits)
        texts = list(map(b"".join, zip(*(columns[i] for i in edits)))) if known else None
        return Batch(top, bottom, self.columns[edits[0]], columns, texts, tuple(owners), edits)


class PendingRows:
    """The plan's edited rows still to write: the batch holding the next one, and its number."""

    def __init__(self, edited: EditedRows):
        self.edited = edited
        self._spans = edited.spans()
        self.batch: Batch | None = None
        self.number = 0
        self._next_batch()

    def _next_batch(self) -> None:
        span = next(self._spans, None)
        self.batch = None if span is None else self.edited.batch(*span)
        self.number = span[0] if span else 0

    def row(self) -> EditedRow:
        return self.batch.row(self.number)

    def skip(self, count: int = 1) -> None:
        """Past `count` rows written; the rest of the batch is built again if a format it was
        waiting for has been added meanwhile."""
        self.number += count
        if self.number > self.batch.bottom:
            self._next_batch()
        elif self.edited.stale:
            self.batch = self.edited.batch(self.number, self.batch.bottom)
        self.edited.stale = False


def _consecutive_runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in a sorted list."""
    start = 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            yield numbers[start], numbers[index - 1]
            start = index
