"""Facts only the package XML knows: which cells carry a percent number format, which hold a
formula, hidden columns, and how far each sheet's cells really reach (checked before the native
reader allocates a grid).

Every pass over a sheet part is one streamed, linear scan: chunks of the inflated XML, each
searched once, with at most one short tag carried over to the next chunk."""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kpi_rules.errors import shorten
from workbook.addresses import cell_name, column_index, digits_above_pattern, letters_from_pattern
from workbook.read.opc.relationships import PackageMap, package_map, unescape
from workbook.read.package import DAMAGED, WorkbookReadError, read_part, tag_attributes

if TYPE_CHECKING:
    from workbook.read.grid import Grid

BUILTIN_PERCENT_FORMATS = {9, 10}
NUMFMT_RE = re.compile(rb"<(?:\w+:)?numFmt\b[^>]*?>")
CELLXFS_RE = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.DOTALL)
XF_RE = re.compile(rb"<(?:\w+:)?xf\b[^>]*?>")
COL_RE = re.compile(rb"<(?:\w+:)?col\b[^>]*?>")
# A cell or row reference that reaches column AAA or row 10,000: only these are looked at one
# by one, so an ordinary sheet's scan does no per-cell work.
# It starts with the literal "r" (the space before it is checked behind), so the regex engine
# skips to each "r" at memchr speed instead of trying every byte of a whitespace-padded part.
FAR_REF_RE = re.compile(rb'r(?<=\sr)\s*=\s*["\'](?:([A-Za-z]{3,})([0-9]*)|([A-Za-z]{0,2})([0-9]{5,}))["\']')
NEAR_ROW, NEAR_COLUMN = 9_999, 702  # what FAR_REF_RE passes over: 4 digits, 2 letters (ZZ)
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's last cell is XFD1048576
SPARSE_AREA = 500_000  # a grid this large must be reasonably filled to be worth allocating
SPARSE_FACTOR = 32
MAX_AREA = 60_000_000  # past this, even a full grid would not fit in memory as Python values
ROOT_PREFIX_RE = re.compile(rb"<(\w+:)?worksheet\b")
CELL_REF_RE = re.compile(rb'^<(?:\w+:)?c\b[^>]*?\sr\s*=\s*["\']([A-Za-z]{1,3})([0-9]+)["\']')
MAX_TAG = 4096  # a tag longer than this is not one the scan looks for
QUOTED_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


class PackageExtras:
    """Reads styles, the workbook's sheet list and its relationships once per file."""

    def __init__(self, path: Path, archive: zipfile.ZipFile):
        self.path = path
        self.archive = archive
        self.package: PackageMap = package_map(path, archive)
        self.sheet_parts = self.package.worksheets()
        self.styles_part = self.package.styles_part
        self.percent_styles = self._percent_styles()
        self.scans: dict[str, SheetScan] = {}

    def check_extents(self) -> None:
        """Scan every sheet part once, before the native reader sees it: refuse a sheet whose
        cells reach past Excel's limits or would need a grid far larger than its data."""
        for sheet, part in self.sheet_parts.items():
            if part in self.archive.NameToInfo:
                scan = self._scan(part)
                self.scans[sheet] = scan
                scan.check(self.path, sheet)

    def annotate(self, grid: Grid) -> None:
        part = self.sheet_parts.get(grid.sheet)
        if part is None:
            return
        grid.hidden_columns = self._hidden_columns(grid.sheet, part)
        scan = self.scans.get(grid.sheet)
        grid.percent_cells = scan.percent_cells() if scan else PercentCells()
        grid.formula_cells = scan.formula_cells() if scan else PercentCells()

    def _scan(self, part: str) -> SheetScan:
        scan = SheetScan(self.percent_styles)
        try:
            with self.archive.open(part) as stream:
                for piece in linear_pieces(stream):
                    scan.feed(piece)
        except DAMAGED as error:
            raise WorkbookReadError(self.path, f"damaged part {shorten(part, 60)} ({shorten(error, 80)})")
        return scan

    def _hidden_columns(self, sheet: str, part: str) -> set[int]:
        try:
            return _hidden_columns(self._sheet_head(part))
        except ValueError as error:
            raise WorkbookReadError(self.path, f"sheet {shorten(sheet)}: a damaged column "
                                               f"width entry ({shorten(error, 60)})")

    def _sheet_head(self, name: str) -> bytes:
        """The sheet XML before its cell data (column widths and hidden flags live there)."""
        pieces, size, found = [], 0, -1
        try:
            with self.archive.open(name) as stream:
                while found < 0 and size < MAX_HEAD and (chunk := stream.read(1 << 16)):
                    # each chunk is searched once, with the few bytes before it for a cut tag
                    carried = pieces[-1][-len(b"<sheetData"):] if pieces else b""
                    at = (carried + chunk).find(b"<sheetData")
                    found = -1 if at < 0 else size - len(carried) + at
                    pieces.append(chunk)
                    size += len(chunk)
        except KeyError:
            return b""
        except DAMAGED as error:
            raise WorkbookReadError(self.path, f"damaged part {shorten(name, 60)} ({shorten(error, 80)})")
        head = b"".join(pieces)
        return head[:found] if found >= 0 else head

    def _read(self, name: str) -> bytes:
        return read_part(self.path, self.archive, name) or b""

    def _percent_styles(self) -> set[int]:
        styles = self._read(self.styles_part) if self.styles_part else b""
        percent_formats = set(BUILTIN_PERCENT_FORMATS)
        for tag in NUMFMT_RE.findall(styles):
            attrs = tag_attributes(tag)
            if _is_percent_code(unescape(attrs.get("formatCode", ""))):
                percent_formats.add(self._style_number(attrs.get("numFmtId", "-1")))
        block = CELLXFS_RE.search(styles)
        if not block:
            return set()
        return {
            index
            for index, tag in enumerate(XF_RE.findall(block.group(0)))
            if self._style_number(tag_attributes(tag).get("numFmtId", "0")) in percent_formats
        }

    def _style_number(self, text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise WorkbookReadError(self.path, f"damaged styles part: numFmtId "
                                               f"{shorten(repr(text), 30)} is not a number") from None


def _attrs(tag: bytes) -> dict[str, str]:
    return tag_attributes(tag)


def is_percent_format(code: str) -> bool:
    """A number format shows a percentage: a % outside quoted text, escapes and [brackets]."""
    return "%" in QUOTED_RE.sub("", code)


_is_percent_code = is_percent_format


def percent_cells_from_formats(columns: dict[int, list[tuple[str, int]]]) -> PercentCells:
    """Percent cells from each column's number formats as runs down from row 1: column
    (1-based) -> [(format, how many rows), ...], as the add-in's Office.js code reads them."""
    rows_by_column = {}
    for column, format_runs in columns.items():
        rows, row = [], 1
        for code, count in format_runs:
            if is_percent_format(code):
                rows.append(np.arange(row, row + count, dtype=np.int64))
            row += count
        if rows:
            rows_by_column[column] = np.concatenate(rows)
    return PercentCells(rows_by_column)


def _hidden_columns(head: bytes) -> set[int]:
    """Hidden columns, 1-based; a range is clipped to Excel's 16,384 columns (a file may claim
    columns 1 to 2,000,000,000)."""
    hidden: set[int] = set()
    for tag in COL_RE.findall(head):
        if b"hidden" not in tag:
            continue
        attrs = _attrs(tag)
        if attrs.get("hidden") in ("1", "true"):
            first = max(int(attrs.get("min", "0")), 1)
            last = min(int(attrs.get("max", "0")), MAX_COLUMNS)
            hidden.update(range(first, last + 1))
    return hidden


class PercentCells:
    """A set of cells (those with a percent number format, those holding a formula): per
    column, the sorted worksheet rows.

    Kept as integer arrays, not a set of (row, column) pairs: a 100k-row book has 400k of them.
    """

    def __init__(self, rows_by_column: dict[int, np.ndarray] | None = None):
        self.rows_by_column = rows_by_column or {}

    def __contains__(self, cell: tuple[int, int]) -> bool:
        row, column = cell
        rows = self.rows_by_column.get(column)
        if rows is None:
            return False
        at = np.searchsorted(rows, row)
        return bool(at < len(rows) and rows[at] == row)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows_by_column.values())

    def flags(self, rows: list[int], column: int) -> np.ndarray:
        """For each of `rows`, whether its cell in `column` is percent-formatted."""
        marked = self.rows_by_column.get(column)
        if marked is None:
            return np.zeros(len(rows), dtype=bool)
        return np.isin(np.asarray(rows, dtype=np.int64), marked)


_CHUNK = 1 << 20
MAX_HEAD = 8 << 20  # column definitions before <sheetData> beyond this are not a real sheet


def linear_pieces(stream, chunk_size: int = _CHUNK):
    """A part's XML in pieces that never cut a short tag in two: each piece ends before the
    last '<' of what was read, unless that tag would be longer than MAX_TAG, in which case the
    piece ends where the data does. Every byte is searched once plus at most MAX_TAG again."""
    tail = b""
    while chunk := stream.read(chunk_size):
        buffer = tail + chunk
        cut = buffer.rfind(b"<", max(len(buffer) - MAX_TAG, 0))
        cut = len(buffer) if cut <= 0 else cut
        yield buffer[:cut]
        tail = buffer[cut:]
    if tail:
        yield tail


class SheetScan:
    """One pass over a sheet part: how far its cells reach, how many there are, which cells
    hold a formula and (when the styles have any) which cells carry a percent style."""

    def __init__(self, percent_styles: set[int]):
        self.cells = 0
        self.last_row = self.last_column = 0
        self.far_cell = ""
        self._rows: dict[bytes, list[int]] = {}
        self._formulas: dict[bytes, list[int]] = {}
        self._formula_re: re.Pattern | None = None  # known once the root tag's prefix is
        self._last_tag = b""  # the last tag of the previous piece: a formula's cell, at a cut
        self._percent = _percent_pattern(percent_styles)

    def feed(self, piece: bytes) -> None:
        # needles ending in a space are slow to count in padding made of spaces: look first
        if b"<c" not in piece and b":c" not in piece:
            for match in FAR_REF_RE.finditer(piece):  # rows only, padding, or a cell's inside
                self._reach(match)
            self._find_formulas(piece)
            return
        cell_starts, bare, prefixed = piece.count(b"<c "), piece.count(b"<c>"), piece.count(b":c ")
        self.cells += cell_starts + bare + prefixed
        if not bare and not prefixed and _plain_references(piece, cell_starts):
            self._plain_reach(piece)
        else:
            for match in FAR_REF_RE.finditer(piece):
                self._reach(match)
        if self._percent is not None:
            for match in self._percent.finditer(piece):
                self._rows.setdefault(match.group(1), []).append(int(match.group(2)))
        self._find_formulas(piece)

    def _find_formulas(self, piece: bytes) -> None:
        """A cell's <f> comes first in it (CT_Cell), so the tag before each <f> is its cell.
        Only "<f" is searched for: a sheet without formulas costs one pass of a literal search."""
        if self._formula_re is None:
            root = ROOT_PREFIX_RE.search(piece)
            prefix = re.escape(root.group(1)) if root and root.group(1) else b""
            self._formula_re = re.compile(b"<" + prefix + rb"f[\s>/]")
        for match in self._formula_re.finditer(piece):
            start = piece.rfind(b"<", 0, match.start())
            tag = piece[start:match.start()] if start >= 0 else self._last_tag
            reference = CELL_REF_RE.search(tag)
            if reference is not None:
                self._formulas.setdefault(reference.group(1), []).append(int(reference.group(2)))
        cut = piece.rfind(b"<")
        if cut >= 0:
            self._last_tag = piece[cut:cut + MAX_TAG]

    def _plain_reach(self, piece: bytes) -> None:
        """FAR_REF_RE's result without a Python step per far reference: only a reference that
        reaches past the furthest row or column so far is looked at. The piece's last reference
        is taken first (rows come in order: it is usually the furthest), then the rest in order."""
        last = piece.rfind(b' r="')
        if last >= 0:
            self._reach_past(piece, last, last + 1)
        self._reach_past(piece, 0, len(piece))

    def _reach_past(self, piece: bytes, start: int, end: int) -> None:
        while (found := _maybe_beyond(self.last_row, self.last_column).search(piece, start)) \
                is not None and found.start() < end:
            match = _beyond(self.last_row, self.last_column).match(piece, found.start())
            if match is not None:
                self._reach(match)
            start = found.end()

    def _reach(self, match: re.Match) -> None:
        """A far reference: its (letters, digits) are the first pair of groups that took part."""
        groups = match.groups()
        pair = next((i for i in range(0, len(groups), 2) if groups[i] is not None
                     or groups[i + 1] is not None), 0)
        letters = (groups[pair] or b"").decode().upper()
        digits = groups[pair + 1] or b""
        row = int(digits) if digits else 0
        column = column_index(letters) if len(letters) <= 8 else MAX_COLUMNS + 1
        if row * max(column, 1) > self.last_row * max(self.last_column, 1) or not self.far_cell:
            self.far_cell = f"{letters}{digits.decode()}"[:20]
        self.last_row = max(self.last_row, row)
        self.last_column = max(self.last_column, column)

    def check(self, path: Path, sheet: str) -> None:
        where = f"sheet {shorten(sheet)}"
        if self.last_row > MAX_ROWS or self.last_column > MAX_COLUMNS:
            raise WorkbookReadError(path, f"{where}: a cell at {self.far_cell} is beyond Excel's "
                                          f"last cell XFD1048576 (a damaged or crafted file)")
        area = self.last_row * max(self.last_column, 1)
        if area > MAX_AREA or (area > SPARSE_AREA and area > SPARSE_FACTOR * max(self.cells, 1)):
            last = cell_name(max(self.last_row, 1), max(self.last_column, 1))
            raise WorkbookReadError(path, f"{where}: cells reach {last} but only {self.cells:,} are "
                                          f"used: clear the stray cells (Ctrl+End) and save")

    def percent_cells(self) -> PercentCells:
        return _cell_set(self._rows)

    def formula_cells(self) -> PercentCells:
        return _cell_set(self._formulas)


def _cell_set(rows_by_letters: dict[bytes, list[int]]) -> PercentCells:
    return PercentCells({column_index(letters.decode().upper()): _sorted_unique(found)
                         for letters, found in rows_by_letters.items()})  # fmt: skip


def _sorted_unique(numbers: list[int]) -> np.ndarray:
    """np.unique's result, without the import of numpy.ma it makes on first use."""
    array = np.sort(np.array(numbers, dtype=np.int64))
    return array[np.concatenate(([True], array[1:] != array[:-1]))] if len(array) else array


def _plain_references(piece: bytes, cell_starts: int) -> bool:
    """Whether every row and cell of the piece has its reference first, as `r="..."` (the
    shape Excel and the common writers use), so that `_beyond` finds every far one."""
    return (piece.count(b'<c r="') == cell_starts and piece.find(b"<row>") < 0
            and piece.count(b"<row ") == piece.count(b'<row r="'))


@lru_cache(maxsize=64)
def _beyond(row: int, column: int) -> re.Pattern:
    """A far reference (as FAR_REF_RE: 3+ letters or 5+ digits) past `row` or past `column`,
    or any far one with lower-case letters: pairs of groups (letters, digits)."""
    def letters_past(last: int) -> bytes:
        return rb"(?:[A-Z]{4,}|" + letters_from_pattern(last + 1) + rb")"

    def digits_past(last: int, least: int) -> bytes:
        return rb"(?:" + digits_above_pattern(last) + rb"|0[0-9]{%d,})" % max(least - 1, 0)

    return re.compile(rb' r="(?:' + b"|".join((
        rb"([A-Z]{0,3})(" + digits_past(max(row, NEAR_ROW), 5) + b")",  # a row past
        rb"(" + letters_past(max(column, NEAR_COLUMN)) + rb")([0-9]*)",  # a column past
        rb"(" + letters_past(column) + rb")([0-9]{5,})",  # far by its row, a column past
        rb"([A-Z]{3,})(" + digits_past(row, 1) + b")",  # far by its column, a row past
        rb"(?=[A-Za-z]*[a-z])([A-Za-z]{3,})([0-9]*)",
        rb"(?=[A-Za-z]*[a-z])([A-Za-z]{0,2})([0-9]{5,})",
    )) + rb')"')


@lru_cache(maxsize=64)
def _maybe_beyond(row: int, column: int) -> re.Pattern:
    """Every reference `_beyond` matches and a few more, by a pattern simple enough to be
    quick: a row past (or a row with a leading zero), three letters, lower case, or a column
    past with five digits."""
    # up to two capitals, then a letter (a third, or lower case) or the digits of a row past
    return re.compile(rb' r="(?:[A-Z]{0,2}+(?:[A-Za-z]|(?:' + digits_above_pattern(max(row, NEAR_ROW))
                      + rb'|0[0-9]{4,})")|(?:' + letters_from_pattern(column + 1) + rb")[0-9]{5})")


def _percent_pattern(styles: set[int]) -> re.Pattern | None:
    if not styles:
        return None
    # Only cells whose style is one of the percent styles match, so the scan stays cheap.
    alternatives = b"|".join(str(style).encode() for style in sorted(styles))
    return re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"(?: t="\w+")? s="(?:' + alternatives + rb')"')
