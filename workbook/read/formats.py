"""Facts only the package XML knows: which cells carry a percent number format, hidden columns."""

from __future__ import annotations

import re
import zipfile
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from workbook.addresses import column_index

if TYPE_CHECKING:
    from workbook.read.grid import Grid

BUILTIN_PERCENT_FORMATS = {9, 10}
SHEET_RE = re.compile(rb"<sheet\b[^>]*?>")
ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')
RELATIONSHIP_RE = re.compile(rb"<Relationship\b[^>]*?>")
NUMFMT_RE = re.compile(rb"<numFmt\b[^>]*?>")
CELLXFS_RE = re.compile(rb"<cellXfs\b.*?</cellXfs>", re.DOTALL)
XF_RE = re.compile(rb"<xf\b[^>]*?>")
COL_RE = re.compile(rb"<col\b[^>]*?>")
QUOTED_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


class PackageExtras:
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
