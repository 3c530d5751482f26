"""Opening a workbook file: what kind of file it is, and a one-line reason when it is not an
.xlsx/.xlsm package."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from kpi_rules.errors import KpiError, one_line, shorten

if TYPE_CHECKING:
    from workbook.read.snapshot import Snapshot


class WorkbookReadError(KpiError):
    """A workbook that cannot be read; str() is one line naming the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")



OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_PART_BYTES = 512 << 20  # inflated; a 100k-row sheet is about 60 MB of XML
MAX_PACKAGE_BYTES = 2 << 30  # all parts inflated together
MAX_RATIO = 200  # real parts deflate 5-30 times; deflate itself cannot go past about 1,030
RATIO_FLOOR = 16 << 20  # below this, any ratio is harmless
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
           ValueError)
WORKBOOK_PART = "xl/workbook.xml"
ATTR_RE = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def open_package(source: Snapshot | str | Path) -> zipfile.ZipFile:
    """The workbook's zip package, its members checked (no encrypted, duplicate or bomb-sized
    members); raises WorkbookReadError naming the reason, never anything else."""
    from workbook.read.snapshot import Snapshot, take_snapshot  # it raises this module's error

    if not isinstance(source, Snapshot):
        source = take_snapshot(source)
    path, head = source.path, source.data[:4096]
    if not head:
        raise WorkbookReadError(path, "empty file (0 bytes)")
    if head.startswith(OLE_MAGIC):
        raise WorkbookReadError(path, _ole_reason(source.data))
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookReadError(path, _not_zip_reason(path, head))
    try:
        archive = source.zip()
    except DAMAGED:
        raise WorkbookReadError(path, "truncated or damaged file (the zip package is incomplete)")
    from workbook.read.opc.relationships import office_document_target, workbook_part

    try:
        _use_forward_slashes(archive)
        _check_members(path, archive.infolist())
        reason = _package_reason(set(archive.namelist()))
        if reason is None and (office_document_target(path, archive) or "").endswith(".bin"):
            reason = "binary workbook (.xlsb) is not supported: save it as .xlsx in Excel"
        if reason is None and workbook_part(path, archive) is None:
            reason = "not an Excel workbook (a zip without xl/workbook.xml)"
    except BaseException:
        archive.close()
        raise
    if reason:
        archive.close()
        raise WorkbookReadError(path, reason)
    return archive


def read_part(path: Path, archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes, read to the end (so zipfile checks its CRC); None when it is absent."""
    try:
        return archive.read(name)
    except KeyError:
        return None
    except DAMAGED as error:
        raise WorkbookReadError(path, f"damaged part {shorten(name, 60)} ({one_line(error, 80)})")


def tag_attributes(tag: bytes) -> dict[str, str]:
    """The attributes of one start tag (either quote style), decoded, entities left as written."""
    return {key.decode(): (double if double or not single else single).decode("utf-8", "replace")
            for key, double, single in ATTR_RE.findall(tag)}


def _use_forward_slashes(archive: zipfile.ZipFile) -> None:
    """Part names as the package means them: some Windows tools write "xl\\workbook.xml". The
    local headers are still checked against the names as stored (zipfile keeps orig_filename)."""
    if not any("\\" in info.filename for info in archive.filelist):
        return
    for info in archive.filelist:
        info.filename = info.filename.replace("\\", "/")
    archive.NameToInfo = {}
    for info in archive.filelist:
        archive.NameToInfo.setdefault(info.filename, info)


def _check_members(path: Path, members: list[zipfile.ZipInfo]) -> None:
    seen: set[str] = set()
    total = 0
    for info in members:
        name = shorten(info.filename, 60)
        if info.filename in seen:
            raise WorkbookReadError(path, f"damaged package: the part {name} appears twice")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise WorkbookReadError(path, f"the part {name} is encrypted: open and save it in Excel")
        if info.file_size > MAX_PART_BYTES:
            raise WorkbookReadError(path, f"the part {name} inflates to {info.file_size >> 20} MB "
                                          f"(the limit is {MAX_PART_BYTES >> 20} MB)")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise WorkbookReadError(path, f"zip bomb: the part {name} inflates "
                                          f"{info.file_size // max(info.compress_size, 1):,} times")
        total += info.file_size
        if total > MAX_PACKAGE_BYTES:
            raise WorkbookReadError(path, f"zip bomb: the parts inflate to over "
                                          f"{MAX_PACKAGE_BYTES >> 30} GB")


def _ole_reason(data: bytes) -> str:
    # Password-protected .xlsx files are OLE containers holding an EncryptionInfo stream.
    if "EncryptionInfo".encode("utf-16-le") in data[: 1 << 20]:
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
    if "word/document.xml" in names and WORKBOOK_PART not in names:
        return "a Word document, not an Excel workbook"
    return None


