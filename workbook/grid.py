"""Sheets as grids of values: the one input of table detection.

The add-in's ribbon scripts receive a workbook as values only (a 2-D list per sheet); the file
path produces the same grids with python-calamine, plus what only the file knows: which cells
carry a percent number format, Excel table (ListObject) ranges, hidden columns and merged cells.
No object model of the workbook is built: values come from calamine, the few extra facts from a
regex pass over the parts that hold them.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import numpy as np
import python_calamine

from workbook.blocks import column_index


class WorkbookReadError(Exception):
    """A workbook that cannot be read; str() is one line naming the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")


@dataclass(frozen=True)
class TableRange:
    """An Excel table (ListObject): header row and data rows, 1-based and inclusive."""

    name: str
    header_row: int
    first_column: int
    last_row: int
    last_column: int


@dataclass(frozen=True)
class MergedRange:
    top: int
    left: int
    bottom: int
    right: int


@dataclass
class Grid:
    """One sheet's values; values[r][c] is worksheet row r+1, column c+1."""

    sheet: str
    values: list[list]
    percent_cells: PercentCells | None = None  # percent-formatted cells; None = unknown
    tables: list[TableRange] = field(default_factory=list)
    hidden_columns: set[int] = field(default_factory=set)  # 1-based
    merged: list[MergedRange] = field(default_factory=list)

    @property
    def height(self) -> int:
        return len(self.values)

    @cached_property
    def width(self) -> int:
        return max((len(row) for row in self.values), default=0)

    def cell(self, row: int, column: int):
        """The value at a 1-based position; None outside the grid or when blank."""
        if row < 1 or column < 1 or row > len(self.values):
            return None
        cells = self.values[row - 1]
        if column > len(cells):
            return None
        value = cells[column - 1]
        return None if value == "" else value

    def header_cell(self, row: int, column: int):
        """Like `cell`, but a cell covered by a merged range shows the range's top-left value."""
        for merged in self.merged:
            if merged.top <= row <= merged.bottom and merged.left <= column <= merged.right:
                return self.cell(merged.top, merged.left)
        return self.cell(row, column)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the file path -----------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def read_grids(path: str | Path) -> dict[str, Grid]:
    """Every worksheet of an .xlsx/.xlsm as a Grid. Raises WorkbookReadError, never anything else."""
    path = Path(path)
    archive = _open_package(path)
    with archive:
        extras = _PackageExtras(archive)
        grids = _calamine_grids(path)
        for grid in grids.values():
            extras.annotate(grid)
    return grids


def _open_package(path: Path) -> zipfile.ZipFile:
    head = _read_head(path)
    if head.startswith(OLE_MAGIC):
        raise WorkbookReadError(path, _ole_reason(path))
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookReadError(path, _not_zip_reason(path, head))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise WorkbookReadError(path, "truncated or damaged file (the zip package is incomplete)")
    names = set(archive.namelist())
    reason = _package_reason(names)
    if reason:
        archive.close()
        raise WorkbookReadError(path, reason)
    return archive


def _read_head(path: Path) -> bytes:
    if path.is_dir():
        raise WorkbookReadError(path, "is a folder, not a workbook")
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise WorkbookReadError(path, "no such file")
    except PermissionError:
        raise WorkbookReadError(path, "permission denied")
    except OSError as exc:
        raise WorkbookReadError(path, f"cannot open ({exc.strerror or exc})")
    if not head:
        raise WorkbookReadError(path, "empty file (0 bytes)")
    return head


def _ole_reason(path: Path) -> str:
    # Password-protected .xlsx files are OLE containers holding an EncryptionInfo stream.
    with open(path, "rb") as handle:
        data = handle.read(1 << 20)
    if "EncryptionInfo".encode("utf-16-le") in data:
        return "encrypted (password-protected): remove the password in Excel and save again"
    return "old Excel 97-2003 binary format (.xls): open it in Excel and save as .xlsx"


def _not_zip_reason(path: Path, head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table")):
        return "not an Excel workbook (an HTML page saved with an Excel name): save as .xlsx"
    if text.startswith(b"<?xml"):
        return "not an .xlsx workbook (an XML file, maybe XML Spreadsheet 2003): save as .xlsx"
    if path.suffix.lower() == ".csv" or b"," in head[:200] and b"\x00" not in head:
        return "not an Excel workbook (looks like CSV or text): open it in Excel and save as .xlsx"
    return "not an Excel workbook (not a zip package)"


def _package_reason(names: set[str]) -> str | None:
    if "xl/workbook.bin" in names:
        return "binary workbook (.xlsb) is not supported: save it as .xlsx in Excel"
    if "content.xml" in names and "mimetype" in names:
        return "OpenDocument spreadsheet (.ods) is not supported: save it as .xlsx"
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return "a Word document, not an Excel workbook"
        return "not an Excel workbook (a zip without xl/workbook.xml)"
    return None


def _calamine_grids(path: Path) -> dict[str, Grid]:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    except python_calamine.PasswordError:
        raise WorkbookReadError(path, "encrypted (password-protected): remove the password")
    except Exception as exc:  # noqa: BLE001 - calamine raises several Rust-side error types
        raise WorkbookReadError(path, f"damaged workbook ({_one_line(exc)})")
    with book:
        names = [
            meta.name
            for meta in book.sheets_metadata
            if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if not names:
            raise WorkbookReadError(path, "the workbook has no worksheets")
        try:
            grids = {name: _sheet_grid(book.get_sheet_by_name(name)) for name in names}
            _attach_tables(book, grids)
        except Exception as exc:  # noqa: BLE001 - same as above
            raise WorkbookReadError(path, f"damaged workbook ({_one_line(exc)})")
    return grids


def _sheet_grid(sheet) -> Grid:
    # skip_empty_area=False keeps row/column 1 at index 0 whatever the first used cell is
    values = sheet.to_python(skip_empty_area=False)
    merged = [
        MergedRange(top + 1, left + 1, bottom + 1, right + 1)
        for (top, left), (bottom, right) in (sheet.merged_cell_ranges or [])
    ]
    return Grid(sheet=sheet.name, values=values, merged=merged)


def _attach_tables(book, grids: dict[str, Grid]) -> None:
    for name in book.table_names or []:
        table = book.get_table_by_name(name)
        if table.sheet not in grids or table.start is None or table.end is None:
            continue
        # calamine's start is the first data row (0-based); the header sits just above it
        (first_data, left), (bottom, right) = table.start, table.end
        grids[table.sheet].tables.append(
            TableRange(name, first_data, left + 1, bottom + 1, right + 1)
        )


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --- facts only the package XML knows: percent formats and hidden columns -------------------------

BUILTIN_PERCENT_FORMATS = {9, 10}
SHEET_RE = re.compile(rb"<sheet\b[^>]*?>")
ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')
RELATIONSHIP_RE = re.compile(rb"<Relationship\b[^>]*?>")
NUMFMT_RE = re.compile(rb"<numFmt\b[^>]*?>")
CELLXFS_RE = re.compile(rb"<cellXfs\b.*?</cellXfs>", re.DOTALL)
XF_RE = re.compile(rb"<xf\b[^>]*?>")
COL_RE = re.compile(rb"<col\b[^>]*?>")
QUOTED_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


class _PackageExtras:
    """Reads styles, the workbook's sheet list and its relationships once per file."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.sheet_parts = self._sheet_parts()
        self.percent_styles = self._percent_styles()

    def annotate(self, grid: Grid) -> None:
        part = self.sheet_parts.get(grid.sheet)
        if part is None:
            return
        grid.hidden_columns = _hidden_columns(self._sheet_head(part))
        grid.percent_cells = self._percent_cells(part)

    def _percent_cells(self, name: str) -> PercentCells:
        if not self.percent_styles:
            return PercentCells()
        try:
            with self.archive.open(name) as stream:
                return _cells_with_styles(stream, self.percent_styles)
        except KeyError:
            return PercentCells()

    def _sheet_head(self, name: str) -> bytes:
        """The sheet XML before its cell data (column widths and hidden flags live there)."""
        head = b""
        try:
            with self.archive.open(name) as stream:
                while b"<sheetData" not in head:
                    chunk = stream.read(16384)
                    if not chunk:
                        break
                    head += chunk
        except KeyError:
            return b""
        return head.split(b"<sheetData", 1)[0]

    def _read(self, name: str) -> bytes:
        try:
            return self.archive.read(name)
        except KeyError:
            return b""

    def _sheet_parts(self) -> dict[str, str]:
        targets = {}
        for tag in RELATIONSHIP_RE.findall(self._read("xl/_rels/workbook.xml.rels")):
            attrs = _attrs(tag)
            targets[attrs.get("Id")] = _resolve("xl", attrs.get("Target", ""))
        parts = {}
        for tag in SHEET_RE.findall(self._read("xl/workbook.xml")):
            attrs = _attrs(tag)
            relation = attrs.get("r:id") or next(
                (value for key, value in attrs.items() if key.endswith(":id")), None
            )
            if attrs.get("name") and relation in targets:
                parts[_unescape(attrs["name"])] = targets[relation]
        return parts

    def _percent_styles(self) -> set[int]:
        styles = self._read("xl/styles.xml")
        percent_formats = set(BUILTIN_PERCENT_FORMATS)
        for tag in NUMFMT_RE.findall(styles):
            attrs = _attrs(tag)
            if _is_percent_code(_unescape(attrs.get("formatCode", ""))):
                percent_formats.add(int(attrs.get("numFmtId", "-1")))
        block = CELLXFS_RE.search(styles)
        if not block:
            return set()
        return {
            index
            for index, tag in enumerate(XF_RE.findall(block.group(0)))
            if int(_attrs(tag).get("numFmtId", "0")) in percent_formats
        }


def _attrs(tag: bytes) -> dict[str, str]:
    return {key.decode(): value.decode("utf-8", "replace") for key, value in ATTR_RE.findall(tag)}


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<")
        .replace("&gt;", ">").replace("&amp;", "&")
    )


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in PurePosixPath(base, target).parts:
        if piece == "..":
            parts and parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _is_percent_code(code: str) -> bool:
    return "%" in QUOTED_RE.sub("", code)


def _hidden_columns(head: bytes) -> set[int]:
    hidden: set[int] = set()
    for tag in COL_RE.findall(head):
        attrs = _attrs(tag)
        if attrs.get("hidden") in ("1", "true"):
            hidden.update(range(int(attrs.get("min", "0")), int(attrs.get("max", "0")) + 1))
    return hidden


class PercentCells:
    """Which cells carry a percent number format: per column, the sorted worksheet rows.

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


def _cells_with_styles(stream, styles: set[int]) -> PercentCells:
    """Scan a sheet part, a chunk at a time, for cells whose style is a percent style."""
    if not styles:
        return PercentCells()
    # Only cells whose style is one of the percent styles match, so the scan stays cheap.
    alternatives = b"|".join(str(style).encode() for style in sorted(styles))
    pattern = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"(?: t="\w+")? s="(?:' + alternatives + rb')"')
    rows: dict[bytes, list[int]] = {}
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        buffer = tail + chunk
        cut = buffer.rfind(b"<c ") if chunk else len(buffer)  # a tag cut in two waits for the next chunk
        cut = len(buffer) if cut < 0 else cut
        for match in pattern.finditer(buffer, 0, cut):
            rows.setdefault(match.group(1), []).append(int(match.group(2)))
        tail = buffer[cut:]
        if not chunk:
            break
    return PercentCells({column_index(letters.decode()): np.unique(np.array(found, dtype=np.int64))
                         for letters, found in rows.items()})  # fmt: skip
