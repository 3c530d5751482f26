"""Is a workbook open in Excel or LibreOffice? Their lock files beside the book say so, and who.

Excel writes `~$book.xlsx` (its "owner file"): the first byte is the length of the user's name,
then the name in 8-bit (the Windows code page), then, a little further on, the name again in
UTF-16LE, padded. LibreOffice writes `.~lock.book.xlsx#`, one CSV line: name, host, login, date,
profile. Both are read defensively: a lock file we cannot make sense of still means "open".
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kpi_rules.errors import KpiError, shorten

LOCK_FILE_LIMIT = 4096  # both kinds are a few hundred bytes at most


class BookOpenError(KpiError):
    """The book is open in a spreadsheet program: writing it in place would lose someone's work."""


def refuse_if_open(book: Path) -> None:
    """Raise BookOpenError naming the user when a lock file is beside the book."""
    holder = open_by(book)
    if holder is not None:
        raise BookOpenError(f"{book.name}: {holder}: close it, or write a copy with -o "
                            "(or --force if it is not open)")


def open_by(book: Path) -> str | None:
    """'open in Excel by Jane Smith' (or LibreOffice), or None when no lock file is beside it."""
    for lock, program, read_name in _lock_files(book):
        data = _read_start(lock)
        if data is None:
            continue
        name = read_name(data)
        return f"open in {program} by {shorten(name)}" if name else f"open in {program} ({lock.name})"
    return None


def _lock_files(book: Path):
    folder, name = book.parent, book.name
    yield folder / f"~${name}", "Excel", excel_owner
    if len(name) > 2:  # Office's other form: the first two characters give way to "~$"
        yield folder / f"~${name[2:]}", "Excel", excel_owner
    yield folder / f".~lock.{name}#", "LibreOffice", libreoffice_owner


def _read_start(lock: Path) -> bytes | None:
    try:
        with lock.open("rb") as stream:
            return stream.read(LOCK_FILE_LIMIT)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:  # there but unreadable (Excel holds it open on a share): still a lock
        return b""


def excel_owner(data: bytes) -> str | None:
    """The user named in Excel's owner file; the UTF-16LE copy wins (it keeps any alphabet)."""
    if not data or not 0 < data[0] < len(data):
        return None
    length = data[0]
    return _utf16_name(data, length) or _printable(data[1 : 1 + length].decode("cp1252", "replace"))


def _utf16_name(data: bytes, length: int) -> str | None:
    """The UTF-16LE copy: `length` characters just after the length again, as 16 bits."""
    mark = length.to_bytes(2, "little")
    for start in range(3 + length, len(data) - 2 * length + 1):
        if data[start - 2 : start] != mark:
            continue
        try:
            name = data[start : start + 2 * length].decode("utf-16-le")
        except UnicodeDecodeError:
            continue
        if _printable(name):
            return name.strip()
    return None


def libreoffice_owner(data: bytes) -> str | None:
    """The name (or, when the user gave none, the login) on LibreOffice's lock line."""
    line = data.decode("utf-8", "replace").splitlines()[:1]
    fields = next(csv.reader(io.StringIO(line[0])), []) if line else []
    name = fields[0] if fields else ""
    login = fields[2] if len(fields) > 2 else ""
    return _printable(name) or _printable(login)


def _printable(text: str) -> str | None:
    text = text.strip()
    return text if text and text.isprintable() and "\ufffd" not in text else None
