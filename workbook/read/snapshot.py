"""The source workbook read once: its bytes and the identity of the file they came from.

The reader, the rules lookup and the writer all work from these bytes, so a refresh never mixes
two versions of a file that was saved meanwhile; before an in-place replace, `unchanged()` says
whether the file on disk is still the one that was read.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workbook.read.package import WorkbookReadError

MAX_BOOK_BYTES = 1 << 30  # a KPI return of 1 GB is not a workbook this tool can hold in memory
READ_PIECE = 1 << 20


@dataclass(frozen=True)
class FileIdentity:
    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> FileIdentity:
        return cls(status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


@dataclass(frozen=True)
class Snapshot:
    path: Path  # as the user named it
    real_path: Path  # symbolic links resolved: what an in-place refresh replaces
    data: bytes
    identity: FileIdentity
    digest: bytes

    @property
    def name(self) -> str:
        return self.path.name

    def stream(self) -> io.BytesIO:
        return io.BytesIO(self.data)

    def zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(self.stream())

    def unchanged(self) -> bool:
        """Whether the file on disk still holds the bytes that were read."""
        try:
            if FileIdentity.of(os.stat(self.real_path)) != self.identity:
                return False
            return _read_all(self.real_path)[1] == self.digest
        except (OSError, WorkbookReadError):
            return False


def take_snapshot(path: str | Path) -> Snapshot:
    """Read a regular file once, refusing anything else (folder, FIFO, device) before opening it."""
    path = Path(path)
    status = _status(path)
    data, digest, identity = _read_all(path, status)
    return Snapshot(path, Path(os.path.realpath(path)), data, identity, digest)


def _status(path: Path) -> os.stat_result:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise WorkbookReadError(path, "no such file") from None
    except PermissionError:
        raise WorkbookReadError(path, "permission denied") from None
    except OSError as error:
        raise WorkbookReadError(path, f"cannot open ({error.strerror or error})") from None
    if stat.S_ISDIR(status.st_mode):
        raise WorkbookReadError(path, "is a folder, not a workbook")
    if not stat.S_ISREG(status.st_mode):
        raise WorkbookReadError(path, "not a regular file (a pipe, socket or device): not a workbook")
    if status.st_size > MAX_BOOK_BYTES:
        raise WorkbookReadError(path, f"too large ({status.st_size >> 20} MB; the limit is "
                                  f"{MAX_BOOK_BYTES >> 20} MB)")
    return status


def _read_all(path: Path, expected: os.stat_result | None = None
              ) -> tuple[bytes, bytes, FileIdentity]:
    # O_NONBLOCK: should a pipe take the file's place after the check, opening does not hang
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except PermissionError:
        raise WorkbookReadError(path, "permission denied") from None
    except OSError as error:
        raise WorkbookReadError(path, f"cannot open ({error.strerror or error})") from None
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        before = os.fstat(handle.fileno())
        if not stat.S_ISREG(before.st_mode) or (
                expected is not None and FileIdentity.of(before) != FileIdentity.of(expected)):
            raise WorkbookReadError(path, "the file changed while it was being opened: try again")
        pieces, hasher, size = [], hashlib.blake2b(digest_size=32), 0
        while piece := handle.read(READ_PIECE):
            size += len(piece)
            if size > MAX_BOOK_BYTES:
                raise WorkbookReadError(path, "too large (it grew while being read)")
            hasher.update(piece)
            pieces.append(piece)
        after = os.fstat(handle.fileno())
    if FileIdentity.of(after) != FileIdentity.of(before) or size != before.st_size:
        raise WorkbookReadError(path, "the file changed while it was being read: try again")
    return b"".join(pieces), hasher.digest(), FileIdentity.of(before)
