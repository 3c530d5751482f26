"""Writing a plan's cells into the rows of a worksheet part: one pass over the part's bytes.

`<sheetData>` arrives in pieces and is rewritten a window of whole rows (about 1 MB) at a
time, so a 100k-row sheet is never in memory twice. Rows the plan does not touch are not
looked at one by one: the next edited row is found by a `bytes.find` of its start tag
(`<row r="N"`), and everything before it is copied as one slice. In an edited row, the cells
from the first edited column on are located, and the plan's cells (made by cells.CellWriter,
the one serializer) are merged into them by column: an edited cell replaces the one that was
there, a new one goes between its neighbours, and every other byte stays as it was.

Locating rows and cells has two speeds and one result. A window in the shape Excel,
LibreOffice, openpyxl and XlsxWriter write (every row and cell has `r` first; no comments,
processing instructions or CDATA) is searched with bytes.find/rfind from the row's end, at C
speed. Any other window (rows or cells without `r`, other attribute orders or quotes,
comments, row extensions, ...) is read with a tokenizer that skips markup and counts rows and
cells without `r` as Excel does (one after the one before).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple, Protocol

from kpi_rules.errors import KpiError
from workbook.addresses import cell_name, column_index
from workbook.xlsx.cells import CellWriter, EditedRow, EditedRows, Layer

_QUOTED_ATTRIBUTES = rb"""((?:[^>"']|"[^"]*"|'[^']*')*?)"""
_MARKUP = rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
# Any tag, or markup to skip (group 3 is None): ("/" of an end tag, prefix, local name,
# attributes, "/" of an empty element).
TOKEN = re.compile(_MARKUP + rb"|<(/?)((?:[A-Za-z_][\w.-]*:)?)([A-Za-z_][\w.-]*)"
                   + _QUOTED_ATTRIBUTES + rb"(/?)>", re.DOTALL)
ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
CELL_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})\d+["']""")
CELL_LETTERS = re.compile(rb"[A-Z]{1,3}(?=\d)")
DIGITS = re.compile(rb"\d+")
CELL_STYLE = re.compile(rb"""\ss\s*=\s*["'](\d+)["']""")
CELL_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
ROW_SPANS = re.compile(rb"""\sspans\s*=\s*(?:"[^"]*"|'[^']*')""")
SHARED_MASTER = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?=[^>]*\st\s*=\s*[\"']shared[\"'])(?=[^>]*\sref\s*=)"
    rb"[^>]*\ssi\s*=\s*[\"'](\d+)[\"']")
MARKUP_ENDS = {b"!-": b"-->", b"![": b"]]>"}  # by the two bytes after "<" (else "?>")
CHUNK_PIECES = 2048  # pieces joined into one chunk of the new part


class SharedFormulaError(KpiError):
    """Overwriting a shared formula's first cell would leave the cells sharing it broken."""


class SheetShapeError(KpiError):
    """The part has no <sheetData> element, or one that does not end."""


class RowEdits(Protocol):
    """Which rows a plan touches, and what it writes into them, as column layers."""

    def row_numbers(self) -> list[int]: ...

    def layers(self) -> list[Layer]: ...


class Row(NamedTuple):
    """Where one row of a window is: its start tag is data[start:tag_end]; its cells are in
    data[tag_end:close]; it ends at `end` (close == end == tag_end for `<row/>`)."""

    number: int
    start: int
    tag_end: int
    close: int
    end: int


class Window:
    """Whole rows of <sheetData> (bytes), and how to find a row, or the cells of a row, in them.
    Rows are looked for in order, from `position` on."""

    def __init__(self, data: bytes, prefix: bytes, previous_number: int):
        self.data = data
        self.row_open = b"<" + prefix + b'row r="'
        self.row_close = b"</" + prefix + b"row>"
        self.cell_open = b"<" + prefix + b'c r="'
        self.plain = _is_plain(data, prefix, self.row_open, self.cell_open)
        self.extensions = self.plain and data.find(b"extLst") >= 0
        self.number = previous_number  # the number of the last row found so far
        self.position = 0
        self._found: Row | None = None  # the row found last, until `passed`
        self.last_number = self._last_number(previous_number) if self.plain else None

    def _last_number(self, previous_number: int) -> int:
        at = self.data.rfind(self.row_open)
        if at < 0:
            return previous_number
        return int(DIGITS.match(self.data, at + len(self.row_open)).group())

    def row_from(self, number: int) -> Row | None:
        """The first row numbered `number` or more from `position` on; None if it is not in
        the window."""
        if self.last_number is not None:
            if number > self.last_number:
                return None
            at = self.data.find(self.row_open + b'%d"' % number, self.position)
            if at >= 0:
                return self._plain_row(number, at)
        while (row := self._found or self._next_row()) is not None:
            self._found = row
            if row.number >= number:
                return row
            self.passed(row)
        return None

    def passed(self, row: Row) -> None:
        self.advance(row.end)

    def advance(self, position: int) -> None:
        self.position, self._found = position, None

    def count_rows(self) -> int:
        """The number of the window's last row."""
        if self.last_number is not None:
            return self.last_number
        while (row := self._found or self._next_row()) is not None:
            self.passed(row)
        return self.number

    def _plain_row(self, number: int, at: int) -> Row:
        data = self.data
        tag_end = data.index(b">", at) + 1
        if data[tag_end - 2] == 47:  # "/>"
            return Row(number, at, tag_end, tag_end, tag_end)
        close = data.find(self.row_close, tag_end)
        if close < 0:
            return self._careful_end(number, at, tag_end)
        return Row(number, at, tag_end, close, close + len(self.row_close))

    def _next_row(self) -> Row | None:
        """The row after `position`; its number counted from the one before if it has none."""
        data = self.data
        if self.plain:
            at = data.find(self.row_open, self.position)
            if at < 0:
                return None
            self.number = int(DIGITS.match(data, at + len(self.row_open)).group())
            return self._plain_row(self.number, at)
        for token in TOKEN.finditer(data, self.position):
            if token.group(3) != b"row" or token.group(1):
                continue
            found = ROW_NUMBER.search(token.group(4))
            self.number = int(found.group(1)) if found else self.number + 1
            if token.group(5):
                return Row(self.number, token.start(), token.end(), token.end(), token.end())
            return self._careful_end(self.number, token.start(), token.end())
        return None

    def _careful_end(self, number: int, start: int, tag_end: int) -> Row:
        depth = 0
        for token in TOKEN.finditer(self.data, tag_end):
            if token.group(3) is None or token.group(5):
                continue
            if not token.group(1):
                depth += 1
            elif depth:
                depth -= 1
            else:  # the row's own end tag
                return Row(number, start, tag_end, token.start(), token.end())
        raise SheetShapeError(f"row {number} does not end")

    def cells(self, row: Row, first_column: int) -> tuple[list[tuple[int, int, int]], int]:
        """The row's cells from `first_column` on, as (column, start, end), and where cells
        after them go: read by the tokenizer (the plain rows are read inline, by
        RowRewriter._edit_plain_rows)."""
        cells, insert_at = _careful_cells(self.data, row)
        return [cell for cell in cells if cell[0] >= first_column], insert_at


def _is_plain(data: bytes, prefix: bytes, row_open: bytes, cell_open: bytes) -> bool:
    """Whether every row and cell of the window starts `<row r="` / `<c r="` and nothing but
    rows, cells and their content is in it (memchr-fast counts)."""
    if data.find(b"<!") >= 0 or data.find(b"<?") >= 0:
        return False
    if data.count(b"<" + prefix + b"row") != data.count(row_open):
        return False
    cell = b"<" + prefix + b"c"
    return (data.count(cell + b" ") == data.count(cell_open)
            and not any(data.find(cell + end) >= 0 for end in (b">", b"/", b"\t", b"\n", b"\r")))


def _careful_cells(data: bytes, row: Row) -> tuple[list[tuple[int, int, int]], int]:
    """Every cell of the row, by the tokenizer, and where cells after them go (before the
    row's extLst, if it has one)."""
    cells: list[tuple[int, int, int]] = []
    column, depth, element = 0, 0, None
    extensions_at = None
    for token in TOKEN.finditer(data, row.tag_end, row.close):
        if token.group(3) is None:
            continue
        if depth == 0:
            element = token
            if not token.group(5):
                depth = 1
                continue
        elif token.group(1):
            depth -= 1
        elif not token.group(5):
            depth += 1
        if depth == 0:
            name = element.group(3)
            if name == b"c":
                reference = CELL_REFERENCE.search(element.group(4))
                column = _letters_index(reference.group(1).upper()) if reference else column + 1
                cells.append((column, element.start(), token.end()))
            elif name == b"extLst" and extensions_at is None:
                extensions_at = element.start()
    if cells:
        return cells, cells[-1][2]
    return cells, row.close if extensions_at is None else extensions_at


@lru_cache(maxsize=4096)
def _letters_index(letters: bytes) -> int:
    return column_index(letters.decode())


# -- the rows ------------------------------------------------------------------------------------
class RowRewriter:
    """Applies a plan's cell edits to the rows of one sheet, yielding the new rows as chunks."""

    def __init__(self, prefix: bytes, edits: RowEdits):
        self.prefix = prefix
        self.edits = edits
        self.cells = CellWriter(prefix.decode())
        self.formulas_replaced: list[str] = []
        self._orphaned_shared: dict[bytes, str] = {}  # si of a replaced shared-formula master
        self._orphan_pattern: re.Pattern | None = None

    def rows(self, region: Iterable[bytes]) -> Iterator[bytes]:
        """The new content of <sheetData> from the old one, given in pieces of any size."""
        self._edited = EditedRows(self.edits.layers(), self.edits.row_numbers(), self.cells)
        upcoming = iter(self._edited)
        pending = next(upcoming, None)
        number = 0
        for data in _whole_rows(region, b"<" + self.prefix + b"row"):
            window = Window(data, self.prefix, number)
            pending = yield from self._rewrite(window, pending, upcoming)
            number = window.count_rows()
        new_rows = []
        while pending is not None:
            new_rows.append(self._new_row(pending))
            pending = next(upcoming, None)
        yield b"".join(new_rows)

    def _rewrite(self, window: Window, pending: EditedRow | None,
                 upcoming: Iterator[EditedRow]) -> Iterator[bytes]:
        """The window with its edited rows (and new rows among them); returns the first edited
        row that is not in the window."""
        data, view = window.data, memoryview(window.data)
        out: list[bytes | memoryview] = []
        copied = 0  # the window's bytes up to here are in `out`
        while pending is not None:
            if window.last_number is not None and self._orphan_pattern is None:
                copied, pending = self._edit_plain_rows(window, view, copied, pending, upcoming,
                                                        out)
                if pending is None:
                    break
            row = window.row_from(pending.number)
            if row is None:
                break
            self._check_no_orphans(data, copied, row.start)
            out.append(view[copied:row.start])
            copied = row.start
            if row.number > pending.number:  # a row the sheet does not have yet
                out.append(self._new_row(pending))
            else:
                out += self._edited_row(window, view, row, pending)
                copied = row.end
                window.passed(row)
            pending = next(upcoming, None)
            if len(out) >= CHUNK_PIECES:
                yield b"".join(out)
                out.clear()
        self._check_no_orphans(data, copied, len(data))
        out.append(view[copied:])
        yield b"".join(out)
        return pending

    def _edit_plain_rows(self, window: Window, view: memoryview, copied: int,
                         row: EditedRow | None, upcoming: Iterator[EditedRow],
                         out: list) -> tuple[int, EditedRow | None]:
        """`_edited_row`, inlined for the rows in the plain shape (nearly all), from `row` on
        while they are: returns how far the window is copied then, and the next edited row."""
        data = window.data
        find, rfind, letters_at = data.find, data.rfind, CELL_LETTERS.match
        row_open, row_close, cell_open = window.row_open, window.row_close, window.cell_open
        reference_at = len(cell_open)
        extensions = window.extensions
        start_copied = copied
        while row is not None:
            at = find(row_open + b'%d"' % row.number, copied)
            if at < 0:
                break
            tag_end = find(b">", at) + 1
            close = find(row_close, tag_end)
            if close < 0 or data[tag_end - 2] == 47 or (
                    extensions and find(b"extLst", tag_end, close) >= 0):
                break
            found, end = [], close  # the cells from the first edited column on, from the right
            while (start := rfind(cell_open, tag_end, end)) >= 0:
                letters = letters_at(data, start + reference_at)
                if letters is None:
                    return copied, row
                column = _letters_index(letters.group())
                if column < row.first_column:
                    break
                found.append((column, start, end))
                end = start
            spans = find(b" spans=", at, tag_end)  # an optional hint, stale once cells move
            if spans >= 0:
                out.append(view[copied:spans])
                copied = find(data[spans + 7:spans + 8], spans + 8) + 1  # after its quote
            if not found and row.text is not None:  # the usual case: new cells after the rest
                out += (view[copied:close], row.text)
            else:
                found.reverse()
                out.append(view[copied:tag_end])
                out += self._merge(view, found, close, row, tag_end)
            copied = close
            row = next(upcoming, None)
        if copied != start_copied:
            window.advance(copied)
        return copied, row

    def _edited_row(self, window: Window, view: memoryview, row: Row, edited: EditedRow) -> list:
        data = window.data
        tag = data[row.start:row.tag_end]
        if b"spans" in tag:  # an optional hint, stale once cells move
            tag = ROW_SPANS.sub(b"", tag)
        found, insert_at = window.cells(row, edited.first_column)
        pieces = self._merge(view, found, insert_at, edited, row.tag_end)
        if row.close == row.tag_end:  # <row/>
            tag = tag[:-2].rstrip() + b">"
            pieces.append(b"</" + self.prefix + b"row>")
        else:
            pieces.append(view[insert_at:row.end])
        if self._orphan_pattern is not None:
            self._check_no_orphans(b"".join(pieces), 0, None, edited.number)
        return [tag, *pieces]

    def _merge(self, view: memoryview, found: list[tuple[int, int, int]], insert_at: int,
               row: EditedRow, content_start: int) -> list:
        """The row's content up to `insert_at` with the edited cells merged in by column."""
        columns, edits = self._edited.columns, row.edits
        pieces: list = []
        last, next_edit = content_start, 0
        for column, start, end in found:
            while next_edit < len(edits) and columns[edits[next_edit]] < column:
                pieces += (view[last:start], self._new_cell(row, edits[next_edit]))
                last = start
                next_edit += 1
            if next_edit < len(edits) and columns[edits[next_edit]] == column:
                pieces += (view[last:start], self._replacement(view.obj, start, end, row,
                                                               edits[next_edit]))
                last = end
                next_edit += 1
        pieces.append(view[last:insert_at])
        if next_edit == 0 and row.text is not None:
            pieces.append(row.text)
        else:
            pieces += [self._new_cell(row, index) for index in edits[next_edit:]]
        return pieces

    def _new_cell(self, row: EditedRow, index: int) -> bytes:
        text = row.cells[index]
        if text is not None:
            return text
        layer = row.layers[index]  # its style for a new cell is a format the file lacks yet
        cell = self.cells.text(row.number, self._edited.columns[index], layer.style(0),
                               layer.value(row.number))
        self._edited.refresh()
        return cell.encode()

    def _replacement(self, data: bytes, start: int, end: int, row: EditedRow, index: int) -> bytes:
        """The XML of an edited cell that exists: it may keep a style of its own."""
        column = self._edited.columns[index]
        if CELL_FORMULA.search(data, start, end):
            self._formula_replaced(data[start:end], row.number, column)
        style = CELL_STYLE.search(data, start, data.index(b">", start))
        layer = row.layers[index]
        existing = int(style.group(1)) if style else 0
        new_style = layer.style(existing) if layer.style is not None else existing
        if row.cells[index] is not None and new_style == self._edited.base_style(layer):
            return row.cells[index]
        return self.cells.text(row.number, column, new_style, layer.value(row.number)).encode()

    def _new_row(self, row: EditedRow) -> bytes:
        if row.text is not None:
            cells = row.text
        else:
            cells = b"".join(self._new_cell(row, index) for index in row.edits)
        if not cells:
            return b""
        return b"<%srow r=\"%d\">%s</%srow>" % (self.prefix, row.number, cells, self.prefix)

    # -- shared formulas ---------------------------------------------------------------------
    def _formula_replaced(self, cell: bytes, number: int, column: int) -> None:
        self.formulas_replaced.append(cell_name(number, column))
        master = SHARED_MASTER.search(cell)
        if master is not None:
            self._orphaned_shared[master.group(1)] = cell_name(number, column)
            choices = b"|".join(re.escape(si) for si in self._orphaned_shared)
            self._orphan_pattern = re.compile(rb"\ssi\s*=\s*[\"'](?:" + choices + rb")[\"']")

    def _check_no_orphans(self, data: bytes, start: int, end: int | None,
                          number: int | None = None) -> None:
        """Cells that share the formula of a cell we overwrote would be left without one."""
        if self._orphan_pattern is None:
            return
        found = self._orphan_pattern.search(data, start, len(data) if end is None else end)
        if found is not None:
            master = self._orphaned_shared[found.group(0).split(b"=")[1].strip(b"\"' ")]
            if number is None:
                row = data.rfind(b"<" + self.prefix + b"row", 0, found.start())
                tag = ROW_NUMBER.search(data, row, data.index(b">", row)) if row >= 0 else None
                number = int(tag.group(1)) if tag else None
            where = f" (still used in row {number})" if number is not None else ""
            raise SharedFormulaError(f"writing {master} would break the shared formula it "
                                     f"starts{where}; clear or convert those formulas first")


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
