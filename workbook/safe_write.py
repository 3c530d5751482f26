"""Writing a workbook file so that a crash never leaves a half-written file or a damaged source.

The bytes go to a temporary file in the target's own folder (same file system, so the final
`os.replace` is atomic), are flushed and fsynced, and only then take the target's name.
A process killed mid-write leaves at most a hidden `.NAME.*.tmp` file beside the target.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class WorkbookWriteError(Exception):
    """A workbook could not be written; the message is one line naming the reason."""


def atomic_write(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write(file)` on a temporary file, then atomically rename it to `target`."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        descriptor, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise WorkbookWriteError(f"cannot write in {folder}: {error.strerror}") from error
    temp_path = Path(temp_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_path, _mode_for(target))
        os.replace(temp_path, target)
    except BaseException as error:
        temp_path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise WorkbookWriteError(f"cannot write {target}: {error.strerror}") from error
        raise
    _fsync_folder(folder)


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual umask-based mode."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and not fatal.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
