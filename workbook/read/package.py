"""Opening a workbook file: what kind of file it is, and a one-line reason when it is not an
.xlsx/.xlsm package."""

from __future__ import annotations

import zipfile
from pathlib import Path

from kpi_rules.errors import KpiError


class WorkbookReadError(KpiError):
    """A workbook that cannot be read; str() is one line naming the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")



OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

def open_package(path: Path) -> zipfile.ZipFile:
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


