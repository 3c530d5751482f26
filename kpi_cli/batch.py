"""Running a check over one book or a folder of books, for the `kpi` commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kpi_rules import RulesError
from kpi_rules.errors import internal_error
from workbook.check import BookCheck, check_book
from workbook.read.grid import WorkbookReadError
from workbook.read.tables import LayoutError

BOOK_SUFFIXES = (".xlsx", ".xlsm")
EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


@dataclass
class BookResult:
    path: Path
    check: BookCheck | None = None
    error: str | None = None  # one line, without the "kpi: <file>:" prefix

    @property
    def exit_code(self) -> int:
        if self.check is None:
            return EXIT_FAILED
        return EXIT_FINDINGS if self.check.has_errors else EXIT_OK


def books_under(folder: Path) -> list[Path]:
    """Every .xlsx/.xlsm under a folder, skipping Excel's ~$ lock files, in name order."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in BOOK_SUFFIXES and not path.name.startswith("~$") and path.is_file()
    )


def check_one(path: Path, rules_path: str | None) -> BookResult:
    """Check one book; every failure becomes a one-line reason, never a traceback."""
    try:
        return BookResult(path, check=check_book(path, rules_path))
    except (WorkbookReadError, LayoutError, RulesError) as exc:
        return BookResult(path, error=one_line_reason(path, exc))
    except MemoryError:
        return BookResult(path, error="not enough memory to read this workbook")
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        return BookResult(path, error=internal_error(exc))


def one_line_reason(path: Path, exc: Exception) -> str:
    """An error as one line, without the file name the caller prints in front of it."""
    text = " ".join(str(exc).split())
    prefix = f"{path.name}: "
    return text.removeprefix(prefix)


def progress_bar(paths: list[Path], doing: str):
    """The progress bar of folder mode, on stderr so that stdout stays the report. It is drawn only
    when stderr is a terminal (a log file gets no bar text) and moves on after every book."""
    from tqdm import tqdm  # only folders show a bar; one book does not pay for the import

    return tqdm(paths, desc=doing, unit="book", file=sys.stderr, leave=False,
                disable=not _is_terminal(sys.stderr), mininterval=0, miniters=1)  # fmt: skip


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed by the caller
        return False


def say_failed(path: Path, reason: str) -> None:
    """`kpi: <file>: <reason>` on stderr, on a line of its own above the progress bar."""
    from tqdm import tqdm

    tqdm.write(f"kpi: {path}: {reason}", file=sys.stderr)


def check_many(paths: list[Path], rules_path: str | None) -> list[BookResult]:
    """Check books in turn with a progress bar on stderr; each failure is said as it happens."""
    results = []
    with progress_bar(paths, "checking") as progress:
        for path in progress:
            progress.set_postfix_str(path.name[:30])
            result = check_one(path, rules_path)
            if result.error:
                say_failed(path, result.error)
            results.append(result)
    return results


def run_books(
    target: str, rules_path: str | None, show_one: Callable[[BookResult], None],
    show_many: Callable[[list[BookResult]], None],
) -> int:
    """Check a book or a folder; report failures as `kpi: <file>: <reason>`; the worst exit code."""
    path = Path(target)
    if path.is_dir():
        books = books_under(path)
        if not books:
            print(f"kpi: {path}: no .xlsx or .xlsm workbooks in this folder", file=sys.stderr)
            return EXIT_FAILED
        results = check_many(books, rules_path)
        return _shown(path, show_many, results) or max(result.exit_code for result in results)
    result = check_one(path, rules_path)
    if result.error:
        print(f"kpi: {path}: {result.error}", file=sys.stderr)
        return EXIT_FAILED
    return _shown(path, show_one, result) or result.exit_code


def _shown(path: Path, show: Callable, what) -> int | None:
    """Print the result; EXIT_FAILED (and one line) if even that goes wrong, else None."""
    try:
        show(what)
    except BrokenPipeError:  # `kpi validate BOOK | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return None
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        print(f"kpi: {path}: {internal_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    return None
