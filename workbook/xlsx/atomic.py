"""Writing a workbook file so that a crash never leaves a half-written file or a damaged source.

The bytes go to a temporary file in the target's own folder (same file system, so the final
`os.replace` is atomic), are flushed and fsynced, and only then take the target's name.
A process killed mid-write leaves at most a hidden `.NAME.*.tmp` file beside the target; the
next write to the same name removes such a file once it is over an hour old.

Writing and renaming are two steps (`write_temporary`, then `commit`) so that a caller can
close what it still has open in between: Windows refuses to replace a file that is open, and
an in-place refresh reads the very file it replaces.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from kpi_rules.errors import KpiError

STALE_AFTER_SECONDS = 3600  # a refresh takes seconds: a temporary file this old is an orphan


class WorkbookWriteError(KpiError):
    """A workbook could not be written; the message is one line naming the reason."""


class TemporaryFile:
    """Complete content for `target`, waiting beside it under a temporary name."""

    def __init__(self, path: Path, target: Path):
        self.path = path
        self.target = target

    def commit(self, check: Callable[[], None] | None = None) -> None:
        """Give the content the target's name (atomically), keeping the target's permissions.
        `check`, called just before the rename, may refuse it by raising (the content is then
        discarded)."""
        try:
            if check is not None:
                check()
            os.chmod(self.path, _mode_for(self.target))
            os.replace(self.path, self.target)
        except BaseException as error:
            self.discard()
            if isinstance(error, OSError):
                raise WorkbookWriteError(f"cannot write {self.target}: {error.strerror}") from error
            raise
        _fsync_folder(_folder_of(self.target))

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def write_temporary(target: Path, write: Callable[[BinaryIO], None]) -> TemporaryFile:
    """Call `write(file)` on a new temporary file beside `target`, flushed and fsynced."""
    target = Path(target)
    folder = _folder_of(target)
    _remove_stale_temporaries(folder, target.name)
    try:
        descriptor, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise WorkbookWriteError(f"cannot write in {folder}: {error.strerror}") from error
    written = TemporaryFile(Path(temp_name), target)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as error:
        written.discard()
        if isinstance(error, OSError):
            raise WorkbookWriteError(f"cannot write {target}: {error.strerror}") from error
        raise
    return written


def _folder_of(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _remove_stale_temporaries(folder: Path, name: str) -> None:
    """Remove what an earlier, killed write of `name` left behind (only files named the way
    `write_temporary` names them, and only when over an hour old: a younger one may belong to
    a write still under way). Best effort: whatever cannot be removed stays."""
    pattern = re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}\.tmp")
    now = time.time()
    try:
        entries = os.scandir(folder)
    except OSError:
        return
    with entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            try:
                if (entry.is_file(follow_symlinks=False)
                        and now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS):
                    os.unlink(entry.path)
            except OSError:
                pass


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
