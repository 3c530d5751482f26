"""Writing values into the rows of a worksheet part without loading the whole sheet as a tree.

`<sheetData>` is walked at the byte level; rows the plan does not touch are copied verbatim.
The plan's edits come as whole columns, so the XML of the edited cells is built a batch of rows
and a column at a time (a status label repeated in 100k rows is escaped once). In the common
case, new columns right of a row's cells, those cells are inserted before `</row>`; when some
edited cells exist, only the cells from the first edited column on are looked at and spliced;
a row of an unusual shape is parsed with lxml instead (wrapped in an element that carries the
sheet's namespace declarations), edited and serialized back. The part is read and rewritten a
piece of whole rows at a time, so memory stays at a few MB beyond the plan itself, even for
100k-row sheets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any, NamedTuple, Protocol

from lxml import etree

from kpi_rules.errors import KpiError
from workbook.addresses import cell_name, column_index
from workbook.xlsx.cells import CellWriter, write_value
from workbook.xlsx.ooxml import main

ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
# A row's start tag: (prefix, number when `r` comes first, the other attributes, "/" ending them
# when the row is empty). The first form is for the usual unprefixed sheet: it starts with a
# literal, which the regex engine finds at memchr speed.
PLAIN_ROW_TAG = re.compile(rb"<()row\b(?:\s+r=\"(\d+)\")?([^>]*)>")
ANY_ROW_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)row\b(?:\s+r=\"(\d+)\")?([^>]*)>")
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
ROOT_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
NAMESPACE_DECLARATION = re.compile(rb"\sxmlns(?::[\w.-]+)?\s*=\s*(?:\"[^\"]*\"|'[^']*')")
WRAPPER_END = b"</kpiwrap>"
ROW_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)row\b([^>]*?)(/?)>")
ROW_SPANS = re.compile(rb"\sspans\s*=\s*(?:\"[^\"]*\"|'[^']*')")
CELL_WHOLE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)c\b([^>]*?)(?:/>|>.*?</\1c>)", re.DOTALL)
_ANY_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
CELL_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Z]+)\d+[\"']")
CELL_LETTERS = re.compile(rb"([A-Z]+)\d+[\"']")
CELL_STYLE = re.compile(rb"\ss\s*=\s*[\"'](\d+)[\"']")
CELL_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f\b")
UNUSUAL_ROW_CONTENT = re.compile(rb"<!--|extLst|<\?|CDATA")

TAG_CELL = main("c")
TAG_ROW_EXTENSIONS = main("extLst")
SHARED_MASTER = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?=[^>]*\st\s*=\s*[\"']shared[\"'])(?=[^>]*\sref\s*=)"
    rb"[^>]*\ssi\s*=\s*[\"'](\d+)[\"']")
StyleResolver = Callable[[int], int]  # existing style index -> style index to write
BATCH_ROWS = 2048  # edited rows whose cell XML is built at once
CHUNK_PIECES = 2048  # pieces joined into one chunk of the new part (about 1 MB)


class SharedFormulaError(KpiError):
    """Overwriting a shared formula's first cell would leave the cells sharing it broken."""


class SheetShapeError(KpiError):
    """The part has no <sheetData> element, or one that does not end."""


class CellEdit(NamedTuple):
    value: Any
    style: StyleResolver | None = None


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


class RowEdits(Protocol):
    """Which rows a plan touches, and what it writes into them, as column layers."""

    def row_numbers(self) -> list[int]: ...

    def layers(self) -> list[Layer]: ...


class EditedRow(NamedTuple):
    number: int
    first_column: int  # leftmost edited column
    text: bytes | None  # the edited cells' XML for a row that holds none of them; None: see
    # EditedRows
    cells: tuple[str | None, ...]  # per column of EditedRows.columns: that cell's XML, or None
    layers: tuple[Layer | None, ...]  # per column: the layer that writes it, or None


class SheetStream:
    """A worksheet part read piece by piece (a 100k-row sheet is ~70 MB of XML): `head` is
    everything up to and including the <sheetData> start tag, `rows()` gives what lies between
    it and </sheetData>, and once those are read, `tail` is the rest."""

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

class EditedRows:
    """The plan's edited rows in order, each with its cells' XML, built BATCH_ROWS rows at a
    time and a column at a time from the layers (later layers win, as if written in order).

    A cell written where there was none gets the layer's style for a cell of style 0. While
    that style is a format the file does not have yet, the rows it would be written into come
    without XML (`text` None), to be written cell by cell: so a new format is added only when a
    cell needs it, and formats are numbered in the order cells need them, as cell by cell.
    """

    def __init__(self, layers: list[Layer], row_numbers: list[int], cells: CellWriter):
        self.columns = sorted({layer.column for layer in layers})
        self._layers = [[layer for layer in layers if layer.column == column]
                        for column in self.columns]
        self._row_numbers = row_numbers
        self._cells = cells
        self._base_style: dict[int, int] = {}  # by id(layer)
        self._waiting = [layer for layer in layers if not self._settle(layer)]
        self._stale = False

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

    def base_style(self, layer: Layer) -> int:
        return self._base_style[id(layer)]

    def refresh(self) -> None:
        """After a row written cell by cell: the formats it added may settle waiting layers,
        and the rows after it are rebuilt."""
        waiting = [layer for layer in self._waiting if not self._settle(layer)]
        if len(waiting) < len(self._waiting):
            self._waiting = waiting
            self._stale = True

    def __iter__(self) -> Iterator[EditedRow]:
        for first, last in _consecutive_runs(self._row_numbers):
            top = first
            while top <= last:
                bottom = min(top + BATCH_ROWS - 1, last)
                self._stale = False
                for row in self._batch(top, bottom):
                    yield row
                    if self._stale:
                        break
                top = (row.number if self._stale else bottom) + 1

    def _batch(self, top: int, bottom: int) -> Iterator[EditedRow]:
        size = bottom - top + 1
        texts: list[list[str | None]] = []
        owners: list[list[Layer | None]] = []
        full = True  # every column is written in every row of the batch
        waiting: list[bool] | None = None  # rows with a cell whose style is not settled
        for column, layers in zip(self.columns, self._layers):
            column_texts: list[str | None] | None = None
            column_owners: list[Layer | None] = []
            covered = False
            for layer in layers:
                first, last = max(layer.top, top), min(layer.bottom, bottom)
                if first > last:
                    continue
                if column_texts is None:
                    column_texts, column_owners = [None] * size, [None] * size
                covered = covered or (first, last) == (top, bottom)
                span = slice(first - top, last - top + 1)
                column_owners[span] = repeat(layer, last - first + 1)
                base = self._base_style.get(id(layer))
                if base is None:
                    if waiting is None:
                        waiting = [False] * size
                    waiting[span] = repeat(True, last - first + 1)
                    column_texts[span] = repeat("", last - first + 1)
                    continue
                values = [row[layer.offset] for row in layer.values[first - layer.top:
                                                                    last - layer.top + 1]]
                column_texts[span] = self._cells.texts(column, first, base, values)
            if column_texts is None:
                column_texts = column_owners = [None] * size
                full = False
            elif full and not covered and None in column_texts:
                full = False
            texts.append(column_texts)
            owners.append(column_owners)
        rows = list(zip(*texts))
        if full:
            joined: list[bytes | None] = [("".join(cells)).encode() for cells in rows]
            firsts: Iterator[int] | list[int] = repeat(self.columns[0])
        else:
            joined = [("".join(filter(None, cells))).encode() for cells in rows]
            firsts = [self.columns[next(i for i, layer in enumerate(row) if layer is not None)]
                      for row in zip(*owners)]
        if waiting is not None:
            joined = [None if wait else text for text, wait in zip(joined, waiting)]
        return map(EditedRow, range(top, bottom + 1), firsts, joined, rows, zip(*owners))


def _consecutive_runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in a sorted list."""
    start = 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            yield numbers[start], numbers[index - 1]
            start = index


# -- the rows ------------------------------------------------------------------------------------
class RowRewriter:
    """Applies a plan's cell edits to the rows of one sheet, yielding the new rows as chunks.

    Untouched rows are copied as they are. In an edited row the new cells are inserted as bytes
    and every other cell keeps its exact bytes. A row that does not look like the common shape
    (cells without `r`, comments, row extensions) goes through lxml instead.
    """

    def __init__(self, wrapper: bytes, prefix: bytes, edits: RowEdits):
        self.wrapper = wrapper  # a start tag declaring the sheet's namespaces, for lxml
        self.sheet_prefix = prefix
        self.prefix = prefix.decode()
        self.edits = edits
        self.cells = CellWriter(self.prefix)
        self.formulas_replaced: list[str] = []
        self._orphaned_shared: dict[bytes, str] = {}  # si of a replaced shared-formula master
        self._orphan_pattern: re.Pattern | None = None
        self._tags: dict[bytes, _Tags] = {}
        # the piece of <sheetData> being rewritten (whole rows)
        self.data = b""
        self._view = memoryview(self.data)
        self._end = 0
        self._needles: list[bytes] = []

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

    def rows(self, region: Iterable[bytes]) -> Iterator[bytes]:
        """The new content of <sheetData> from the old one, given in pieces of any size; it is
        rewritten a piece of whole rows at a time."""
        self._edited = EditedRows(self.edits.layers(), self.edits.row_numbers(), self.cells)
        self._upcoming = iter(self._edited)
        self._pending = next(self._upcoming, None)
        self._number = 0
        row_start = b"<" + self.sheet_prefix + b"row"
        carry = b""
        for chunk in region:
            window = carry + chunk if carry else chunk
            cut = window.rfind(row_start)  # the last row may be incomplete: keep it for later
            if cut <= 0:
                carry = window
                continue
            carry = window[cut:]
            yield from self._rewrite(window[:cut], last_piece=False)
        yield from self._rewrite(carry, last_piece=True)

    def _rewrite(self, data: bytes, last_piece: bool) -> Iterator[bytes]:
        """The rows of `data` (whole rows), rewritten; after the last piece, new rows for what
        the plan writes below the sheet's last row."""
        self.data, self._view, self._end = data, memoryview(data), len(data)
        self._needles = _markup_in(data, 0, len(data))
        view, upcoming, pending, number = self._view, self._upcoming, self._pending, self._number
        out: list[bytes | memoryview] = []
        last = 0  # the original bytes from here on are not in `out` yet
        match = None
        for match in self._row_tags(data).finditer(data):
            explicit = match.group(2)
            if explicit is not None:
                number = int(explicit)
            else:
                found = ROW_NUMBER.search(match.group(0))
                number = int(found.group(1)) if found else number + 1
            if pending is None:
                if self._orphan_pattern is not None:
                    self._check_no_orphans(data[match.start():_row_end(data, match)], number)
                continue
            while pending is not None and pending.number < number:
                out += (view[last:match.start()], self._new_row(pending))
                last = match.start()
                pending = next(upcoming, None)
            if pending is not None and pending.number == number:
                last = self._edit(match, pending, out, last)
                pending = next(upcoming, None)
                if len(out) >= CHUNK_PIECES:
                    yield b"".join(out)
                    out.clear()
            elif self._orphan_pattern is not None:
                self._check_no_orphans(data[match.start():_row_end(data, match)], number)
        if last_piece and pending is not None:
            rows_end = _row_end(data, match) if match is not None else 0
            out.append(view[last:rows_end])
            last = rows_end
            while pending is not None:
                out.append(self._new_row(pending))
                pending = next(upcoming, None)
        self._pending, self._number = pending, number
        out.append(view[last:])
        yield b"".join(out)

    def _row_tags(self, data: bytes) -> re.Pattern:
        # A row with another prefix than <sheetData>'s would have ":row" in its tag.
        if self.sheet_prefix or data.find(b":row") >= 0:
            return ANY_ROW_TAG
        return PLAIN_ROW_TAG

    def _new_row(self, row: EditedRow) -> bytes:
        p = self.prefix
        text = row.text
        if text is None:
            edits = self._cell_edits(row)
            text = b"".join(self._cell(row.number, column, None, edits) for column in sorted(edits))
            self._edited.refresh()
        return f'<{p}row r="{row.number}">'.encode() + text + f"</{p}row>".encode()

    def _cell_edits(self, row: EditedRow) -> dict[int, CellEdit]:
        return {column: CellEdit(layer.value(row.number), layer.style)
                for column, layer in zip(self._edited.columns, row.layers) if layer is not None}

    def _edit(self, match: re.Match, row: EditedRow, out: list, last: int) -> int:
        """Add the edited row to `out` (after the original bytes from `last` up to it); return
        where the original bytes take over again."""
        data = self.data
        prefix, explicit, attributes = match.groups()
        start, tag_end = match.span()
        tags = self._tags.get(prefix) or self._tags_for(prefix)
        if row.text is None or explicit is None or attributes.endswith(b"/"):
            return self._replace_row(match, row, out, last)
        close = data.find(tags.row_close, tag_end, self._end)
        if (close < 0 or data[close + tags.row_close_length] != 62  # "</row >": careful path
                or (self._needles and _holds_any(data, self._needles, tag_end, close))):
            return self._replace_row(match, row, out, last)
        cell = data.rfind(tags.cell_open, tag_end, close)
        if cell < 0:
            if data[tag_end:close].strip():
                return self._replace_row(match, row, out, last)
            last_column = 0
        else:
            letters = CELL_LETTERS.match(data, cell + tags.cell_open_length)
            if letters is None or data.find(tags.any_cell, cell + 1, close) >= 0:
                return self._replace_row(match, row, out, last)
            last_column = _letters_index(letters.group(1))
        if last_column < row.first_column:  # the usual case: new cells after the row's own
            region, pieces = close, (row.text,)
        elif self._written_already(tags, tag_end, close, row):  # a refresh run again
            region, pieces = close, ()
        else:
            spliced = self._splice_from(tags, tag_end, close, row)
            if spliced is None:
                return self._replace_row(match, row, out, last)
            region, pieces = spliced
        view = self._view
        if b"spans" in attributes:  # an optional hint, stale once cells move
            out += (view[last:start], ROW_SPANS.sub(b"", data[start:tag_end]))
            last = tag_end
        out.append(view[last:region])
        out += pieces
        if self._orphan_pattern is not None:
            self._check_no_orphans(data[start:region] + b"".join(pieces), row.number)
        return close

    def _tags_for(self, prefix: bytes) -> _Tags:
        tags = self._tags[prefix] = _Tags.for_prefix(prefix)
        return tags

    def _written_already(self, tags: _Tags, tag_end: int, close: int, row: EditedRow) -> bool:
        """Whether the row's cells from the first edited column on are exactly the ones the
        plan writes (same values, same styles): then the row stays as it is."""
        data, text = self.data, row.text
        if not data.endswith(text, tag_end, close):
            return False
        boundary = close - len(text)
        cell = data.rfind(tags.cell_open, tag_end, boundary)
        if cell < 0:
            return data.find(tags.any_cell, tag_end, boundary) < 0
        letters = CELL_LETTERS.match(data, cell + tags.cell_open_length)
        return (letters is not None and _letters_index(letters.group(1)) < row.first_column
                and data.find(tags.any_cell, cell + 1, boundary) < 0)

    def _splice_from(self, tags: _Tags, tag_end: int, close: int,
                     row: EditedRow) -> tuple[int, list[bytes]] | None:
        """Where the row's cells from the first edited column on begin, and what replaces
        them; None when the row is not plain enough (a cell without `r`, say)."""
        data = self.data
        cell_open = tags.cell_open
        if data.count(tags.any_cell, tag_end, close) != data.count(cell_open, tag_end, close):
            return None
        tail: list[tuple[int, int]] = []  # (column, start) of the cells from the end, leftwards
        stop = -1  # the last cell left of the edited columns
        position = close
        while True:
            cell = data.rfind(cell_open, tag_end, position)
            if cell < 0:
                break
            letters = CELL_LETTERS.match(data, cell + tags.cell_open_length)
            if letters is None:
                return None
            column = _letters_index(letters.group(1))
            if column < row.first_column:
                stop = cell
                break
            tail.append((column, cell))
            position = cell
        tail.reverse()
        starts = [start for _, start in tail]
        if stop >= 0 and all(data[start - 1] == 62 for start in (*starts, close)):
            # cells back to back (no whitespace): each ends where the next one starts
            region = starts[0] if starts else close
            found = [(column, start, end)
                     for (column, start), end in zip(tail, (*starts[1:], close))]
        else:
            region = tag_end
            if stop >= 0:
                whole = CELL_WHOLE.match(data, stop, close)
                if whole is None:
                    return None
                region = whole.end()
            found = []
            for whole in CELL_WHOLE.finditer(data, region, close):
                reference = CELL_REF.search(whole.group(2))
                if reference is None:
                    return None
                found.append((_letters_index(reference.group(1)), whole.start(), whole.end()))
        columns, cells = self._edited.columns, row.cells
        edits = [index for index, text in enumerate(cells) if text is not None]
        pieces: list[bytes] = []
        last, next_edit = region, 0
        for column, start, end in found:
            while next_edit < len(edits) and columns[edits[next_edit]] < column:
                pieces += (data[last:start], cells[edits[next_edit]].encode())
                last = start
                next_edit += 1
            if next_edit < len(edits) and columns[edits[next_edit]] == column:
                if CELL_FORMULA.search(data, start, end):
                    self._formula_replaced(data[start:end], row.number, column)
                style = CELL_STYLE.search(data, start, data.find(b">", start, end))
                existing = int(style.group(1)) if style else 0
                pieces += (data[last:start], self._replacement(row, edits[next_edit], existing))
                last = end
                next_edit += 1
        tail_at = found[-1][2] if found else region
        pieces.append(data[last:tail_at])
        pieces += [cells[index].encode() for index in edits[next_edit:]]
        pieces.append(data[tail_at:close])
        return region, pieces

    def _replacement(self, row: EditedRow, index: int, existing: int) -> bytes:
        """The XML of an edited cell that exists: it may keep a style of its own."""
        layer = row.layers[index]
        style = layer.style(existing) if layer.style is not None else existing
        if style == self._edited.base_style(layer):
            return row.cells[index].encode()
        column = self._edited.columns[index]
        return self.cells.text(row.number, column, style, layer.value(row.number)).encode()

    def _replace_row(self, match: re.Match, row: EditedRow, out: list, last: int) -> int:
        """The careful path, for a row of an unusual shape."""
        end = _row_end(self.data, match)
        new = self._edited_row(self.data[match.start():end], row.number, self._cell_edits(row))
        self._check_no_orphans(new, row.number)
        if row.text is None:
            self._edited.refresh()
        out += (memoryview(self.data)[last:match.start()], new)
        return end

    def _edited_row(self, row: bytes, number: int, edits: dict[int, CellEdit]) -> bytes:
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

    def _cell(self, number: int, column: int, existing_style: int | None,
              edits: dict[int, CellEdit]) -> bytes:
        edit = edits[column]
        style = existing_style or 0
        if edit.style is not None:
            style = edit.style(style)
        return self.cells.text(number, column, style, edit.value).encode()

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


class _Tags(NamedTuple):
    """Byte strings of one namespace prefix, looked for in every edited row."""

    row_close: bytes
    row_close_length: int
    cell_open: bytes  # a cell whose first attribute is its reference
    cell_open_length: int
    any_cell: bytes

    @classmethod
    def for_prefix(cls, prefix: bytes) -> _Tags:
        row_close, cell_open = b"</" + prefix + b"row", b"<" + prefix + b'c r="'
        return cls(row_close, len(row_close), cell_open, len(cell_open), b"<" + prefix + b"c")


def _markup_in(data: bytes, start: int, end: int) -> list[bytes]:
    """What to look for in a row before splicing it: comments, processing instructions, CDATA
    sections and row extensions, if the sheet's rows hold any (memchr-fast for the first)."""
    probes = ((b"!", b"<!"), (b"?", b"<?"), (b"extLst", b"extLst"))
    return [needle for probe, needle in probes if data.find(probe, start, end) >= 0]


def _holds_any(data: bytes, needles: list[bytes], start: int, end: int) -> bool:
    return any(data.find(needle, start, end) >= 0 for needle in needles)


def _row_end(data: bytes, match: re.Match) -> int:
    """Where the row whose start tag `match` found ends."""
    if match.group(3).endswith(b"/"):
        return match.end()
    return ROW_END.search(data, match.end()).end()


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


