"""Writing a plan's cells into the rows of a worksheet part: one pass over the part's bytes.

`<sheetData>` arrives as windows of whole rows (about 1 MB each), so a 100k-row sheet is never
in memory twice. Rows the plan does not touch are not looked at one by one: the next edited
row is found by a `bytes.find` of its start tag (`<row r="N"`), and everything before it is
copied as one slice. In an edited row, the plan's cells (made by cells.CellWriter, the one
serializer) are merged into the row's own by column: an edited cell replaces the one that was
there, a new one goes between its neighbours, and every other byte stays as it was.

Finding the rows and cells has two speeds and one result. In a window in the shape Excel,
LibreOffice, openpyxl and XlsxWriter write (every row and cell has `r` first; no comments,
processing instructions or CDATA) the edited rows of a batch are handled together: the span
is split at `</row>`, one regex finds the cells from the first edited column on, and a row
without such cells gets its new cells appended with no Python work of its own. Any other
row (no `r`, other attribute orders or quotes, comments, row extensions, ...) is read by a
tokenizer that skips markup and counts rows and cells without `r` as Excel does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate, chain, pairwise, repeat
from typing import NamedTuple, Protocol

from kpi_rules.errors import KpiError
from workbook.addresses import cell_name, column_index, letters_from_pattern
from workbook.xlsx.cells import Batch, CellWriter, EditedRow, EditedRows, Layer, PendingRows

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
PLAIN_SPANS = re.compile(rb' spans="[^"]*"')  # a literal first: found at memchr speed
SHARED_MASTER = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?f\b(?=[^>]*\st\s*=\s*[\"']shared[\"'])(?=[^>]*\sref\s*=)"
    rb"[^>]*\ssi\s*=\s*[\"'](\d+)[\"']")
CHUNK_PIECES = 2048  # pieces joined into one chunk of the new part
SPAN_ROWS = 512  # rows of a plain window written at once


class SharedFormulaError(KpiError):
    """Overwriting a shared formula's first cell would leave the cells sharing it broken."""


class SheetShapeError(KpiError):
    """The part has no <sheetData> element, or one that does not end."""


class RowEdits(Protocol):
    """Which rows a plan touches, and what it writes into them, as column layers."""
    def row_numbers(self) -> list[int]: ...
    def layers(self) -> list[Layer]: ...


class Row(NamedTuple):
    """A row of a window: its start tag is data[start:tag_end], its cells data[tag_end:close];
    it ends at `end` (close == end == tag_end for `<row/>`)."""
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
        self._found: Row | None = None  # the row found last, until passed
        self.last_number = self._last_number(previous_number) if self.plain else None

    def _last_number(self, previous_number: int) -> int:
        at = self.data.rfind(self.row_open)
        digits = DIGITS.match(self.data, at + len(self.row_open)) if at >= 0 else None
        return int(digits.group()) if digits else previous_number

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
            self.advance(row.end)
        return None

    def advance(self, position: int) -> None:  # rows before `position` are done with
        self.position, self._found = position, None

    def count_rows(self) -> int:
        """The number of the window's last row."""
        if self.last_number is not None:
            return self.last_number
        while (row := self._found or self._next_row()) is not None:
            self.advance(row.end)
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


def _is_plain(data: bytes, prefix: bytes, row_open: bytes, cell_open: bytes) -> bool:
    """Whether every row and cell of the window starts `<row r="` / `<c r="` and nothing but
    rows, cells and their content is in it (memchr-fast counts)."""
    if data.find(b"<!") >= 0 or data.find(b"<?") >= 0:
        return False
    if data.count(b"<" + prefix + b"row") != data.count(row_open):
        return False
    return (data.count(b"<" + prefix + b"c ") == data.count(cell_open)
            and _odd_cell_start(prefix).search(data) is None)


@lru_cache(maxsize=8)
def _odd_cell_start(prefix: bytes) -> re.Pattern:
    """A cell start tag that is not `<c ` (`<c>`, `<c/>`, `<c\tr=...`)."""
    return re.compile(b"<" + re.escape(prefix) + rb"c[>/\t\n\r]")


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


def _rows_in_order(window: Window, start: int, first: int, last: int) -> int:
    """How many of the rows first..last follow each other from `start` on, each a plain
    `<row r="N" ...>...</row>` without row extensions."""
    data, present, at = window.data, 0, start
    while first + present <= last and data.startswith(window.row_open + b'%d"' % (first + present), at):
        tag_end = data.find(b">", at) + 1
        close = data.find(window.row_close, tag_end)
        if data[tag_end - 2] == 47 or close < 0 or (window.extensions and data.find(
                b"extLst", tag_end, close) >= 0):
            break
        present += 1
        at = data.find(b"<", close + len(window.row_close))
    return present


@lru_cache(maxsize=4096)
def _letters_index(letters: bytes) -> int:
    return column_index(letters.decode())


@lru_cache(maxsize=256)
def _letters_from(column: int) -> bytes:
    return letters_from_pattern(column)


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
        self._groups: dict[tuple, tuple[tuple[int, ...], ...]] = {}

    def rows(self, region: Iterable[bytes]) -> Iterator[bytes]:
        """The new content of <sheetData> from the old one, given as windows of whole rows."""
        self._edited = EditedRows(self.edits.layers(), self.edits.row_numbers(), self.cells)
        pending = PendingRows(self._edited)
        number = 0
        for data in region:
            window = Window(data, self.prefix, number)
            yield from self._rewrite(window, pending)
            number = window.count_rows()
        new_rows = []
        while pending.batch is not None:
            new_rows.append(self._new_row(pending.row()))
            pending.skip()
        yield b"".join(new_rows)

    def _rewrite(self, window: Window, pending: PendingRows) -> Iterator[bytes]:
        """The window with its edited rows (and new rows among them)."""
        data, view = window.data, memoryview(window.data)
        out: list[bytes | memoryview] = []
        copied = 0  # the window's bytes up to here are in `out`
        while pending.batch is not None:
            if window.last_number is not None and self._orphan_pattern is None:
                edited_to = self._edit_span(window, view, copied, pending, out)
                if edited_to:
                    copied = edited_to
                    continue
            row = window.row_from(pending.number)
            if row is None:
                break
            self._check_no_orphans(data, copied, row.start)
            out.append(view[copied:row.start])
            copied = row.start
            if row.number > pending.number:  # a row the sheet does not have yet
                out.append(self._new_row(pending.row()))
            else:
                out += self._edited_row(window, view, row, pending.row())
                copied = row.end
                window.advance(row.end)
            pending.skip()
            if len(out) >= CHUNK_PIECES:
                yield b"".join(out)
                out.clear()
        self._check_no_orphans(data, copied, len(data))
        yield b"".join([*out, view[copied:]])

    def _edit_span(self, window: Window, view: memoryview, copied: int, pending: PendingRows,
                   out: list, last: int | None = None) -> int:
        """The batch's next rows (up to SPAN_ROWS) in a plain window at once; only rows with
        cells from the first edited column on are merged one by one. Returns how far the window
        is copied then, or 0 if the next row is not there in the plain shape (nothing done)."""
        data, batch, first = window.data, pending.batch, pending.number
        if last is None:
            last = min(batch.bottom, window.last_number, first + SPAN_ROWS - 1)
        count = last - first + 1
        start = data.find(window.row_open + b'%d"' % first, copied)
        last_row = data.find(window.row_open + b'%d"' % last, start) if start >= 0 else -1
        end = data.find(window.row_close, last_row) if count > 0 and last_row >= 0 else -1
        if batch.texts is None or start < 0:
            return 0
        end = end + len(window.row_close) if end >= 0 else -1
        span = data[start:end] if end >= 0 else b""
        if end < 0 or span.count(window.row_close) != count or (
                window.extensions and span.find(b"extLst") >= 0):
            present = _rows_in_order(window, start, first, last)  # up to a gap, <row/>, ...
            if present == count or present == 0:
                return 0
            return self._edit_span(window, view, copied, pending, out, first + present - 1)
        if span.find(b' spans="') >= 0:  # an optional hint, stale once cells move
            span = PLAIN_SPANS.sub(b"", span)
        parts = span.split(window.row_close)
        offset = first - batch.top
        rows: list = list(zip(parts, batch.texts[offset:offset + count], repeat(window.row_close)))
        reference = re.compile(re.escape(window.cell_open) + b"("
                               + _letters_from(batch.first_column) + rb")(\d+)")
        tails: dict[int, list[tuple[int, int]]] = {}  # by row: (column, where) of such cells
        for hit in reference.finditer(span):
            tails.setdefault(int(hit.group(2)) - first, []).append(
                (_letters_index(hit.group(1)), hit.start()))
        if tails:
            starts = list(accumulate(len(part) + len(window.row_close) for part in parts))
            edited = {self._edited.columns[index] for index in batch.edits}
            joined: dict[tuple[int, ...], list[bytes]] = {}
            for index, tail in tails.items():
                part, base = parts[index], starts[index - 1] if index else 0
                if any(column in edited for column, _ in tail):  # cells to replace
                    rows[index] = (*self._merge_part(part, window, batch.row(first + index)),
                                   window.row_close)
                else:
                    rows[index] = self._between(part, tail, base, batch, offset + index, joined,
                                                window.row_close)
        out.append(view[copied:start])
        out += chain.from_iterable(rows)
        if self._orphan_pattern is not None:  # a shared formula's first cell was replaced
            self._check_no_orphans(b"".join(chain.from_iterable(rows)), 0, None)
        pending.skip(count)
        window.advance(end)
        return end

    def _between(self, part: bytes, tail: list[tuple[int, int]], base: int, batch: Batch,
                 index: int, joined: dict, row_close: bytes) -> list:
        """A row whose cells from the first edited column on are none of the edited ones:
        the edited cells go between them, a group at a time (the groups of a row's shape, and
        each group's cells joined for the whole batch, are made once)."""
        shape = (batch.edits, tuple(column for column, _ in tail))
        groups = self._groups.get(shape)
        if groups is None:
            columns, bounds = self._edited.columns, (0, *shape[1], 1 << 20)
            groups = self._groups[shape] = tuple(
                tuple(edit for edit in batch.edits if low < columns[edit] < high)
                for low, high in pairwise(bounds))
        pieces: list = []
        last = 0
        for where, group in zip((where - base for _, where in tail), groups):
            pieces += (part[last:where], self._joined(batch, group, joined)[index])
            last = where
        pieces += (part[last:], self._joined(batch, groups[-1], joined)[index], row_close)
        return pieces

    @staticmethod
    def _joined(batch: Batch, group: tuple[int, ...], joined: dict) -> list[bytes]:
        texts = joined.get(group)
        if texts is None:
            if len(group) == 1:
                texts = batch.columns[group[0]]
            elif group:
                texts = list(map(b"".join, zip(*(batch.columns[edit] for edit in group))))
            else:
                texts = [b""] * (batch.bottom - batch.top + 1)
            joined[group] = texts
        return texts

    def _merge_part(self, part: bytes, window: Window, row: EditedRow) -> list:
        """One row (its start tag and cells) with the edited cells merged into its own."""
        tag_end = part.index(b">") + 1
        found, end = [], len(part)  # its cells from the first edited column on, from the right
        while (start := part.rfind(window.cell_open, tag_end, end)) >= 0:
            column = _letters_index(CELL_LETTERS.match(part, start + len(window.cell_open)).group())
            if column < row.first_column:
                break
            found.append((column, start, end))
            end = start
        found.reverse()
        view = memoryview(part)
        return [view[:tag_end], *self._merge(view, found, len(part), row, tag_end)]

    def _edited_row(self, window: Window, view: memoryview, row: Row, edited: EditedRow) -> list:
        data = window.data
        tag = data[row.start:row.tag_end]
        if b"spans" in tag:  # an optional hint, stale once cells move
            tag = ROW_SPANS.sub(b"", tag)
        cells, insert_at = _careful_cells(data, row)  # an unusual row: by the tokenizer
        found = [cell for cell in cells if cell[0] >= edited.first_column]
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
