"""Running a check over one book or a folder of books, for the `kpi` commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kpi_rules import RulesError
from kpi_rules.errors import internal_error, one_line
from workbook.check import BookCheck, check_book
from workbook.isolated import Limits, Stopped, run_isolated
from workbook.read.grid import WorkbookReadError
from workbook.read.tables import LayoutError

BOOK_SUFFIXES = (".xlsx", ".xlsm")
EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2
MAX_LINE = 4096 + 200  # a path (PATH_MAX) and a reason of at most 200 characters


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


def books_under(folder: Path, follow_links: bool = False) -> list[Path]:
    """Every .xlsx/.xlsm under a folder, skipping Excel's ~$ lock files, in name order. A link to
    a file outside the folder is said on stderr and left out unless `follow_links`."""
    inside = Path(os.path.realpath(folder))
    books = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in BOOK_SUFFIXES or path.name.startswith("~$") or not path.is_file():
            continue
        if not follow_links and not Path(os.path.realpath(path)).is_relative_to(inside):
            say_error(f"{path}: a link to a file outside the folder, not read "
                  "(--follow-links reads it)")
            continue
        books.append(path)
    return books


def add_follow_links_argument(parser) -> None:
    parser.add_argument("--follow-links", action="store_true",
                        help="in a folder, also read links to books outside it")  # fmt: skip


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

    tqdm.write(one_line(f"kpi: {path}: {reason}", limit=MAX_LINE), file=sys.stderr)


def say_error(message: str) -> None:
    """`kpi: <message>` on stderr, on one line; the reason after the path is at most 200
    characters (KpiError's), the path is never cut."""
    print(one_line(f"kpi: {message}", limit=MAX_LINE), file=sys.stderr)


def check_many(paths: list[Path], rules_path: str | None) -> list[BookResult]:
    """Check books, each in a worker with a time and memory limit (workbook.isolated), with a
    progress bar on stderr; each failure is said as it happens; results in the books' order."""
    return work_on_books(paths, partial(check_one, rules_path=rules_path), "checking", BookResult)


def work_on_books(paths: list[Path], work: Callable[[Path], BookResult], doing: str,
                  failed: Callable[..., BookResult]) -> list[BookResult]:
    """`work` on every book in isolated workers; a worker that died or overran is the book's
    one-line `failed(path, error=reason)`. Results come back in the order of `paths`."""
    results: list[BookResult | None] = [None] * len(paths)
    limits = Limits.from_environment()
    with progress_bar(paths, doing) as progress:
        for index, outcome in run_isolated(work, paths, limits):
            path = paths[index]
            if isinstance(outcome, Stopped):
                outcome = failed(path, error=outcome.reason)
            if outcome.error:
                say_failed(path, outcome.error)
            results[index] = outcome
            progress.update()
    return results


def run_books(
    target: str, rules_path: str | None, show_one: Callable[[BookResult], None],
    show_many: Callable[[list[BookResult]], None], follow_links: bool = False,
) -> int:
    """Check a book or a folder; report failures as `kpi: <file>: <reason>`; the worst exit code."""
    path = Path(target)
    if path.is_dir():
        books = books_under(path, follow_links)
        if not books:
            say_error(f"{path}: no .xlsx or .xlsm workbooks in this folder")
            return EXIT_FAILED
        results = check_many(books, rules_path)
        return _shown(path, show_many, results) or max(result.exit_code for result in results)
    result = check_one(path, rules_path)
    if result.error:
        say_error(f"{path}: {result.error}")
        return EXIT_FAILED
    return _shown(path, show_one, result) or result.exit_code


def _shown(path: Path, show: Callable, what) -> int | None:
    """Print the result; EXIT_FAILED (and one line) if even that goes wrong, else None."""
    try:
        show(what)
    except BrokenPipeError:
        reader_left()
        return None
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        say_error(f"{path}: {internal_error(exc)}")
        return EXIT_FAILED
    return None


def print_report(text: str) -> None:
    """Print the report; `kpi refresh DIR | head -1` leaving early is fine, not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        reader_left()


def reader_left() -> None:
    """stdout's reader has gone (`| head`): send the rest, and Python's last flush, nowhere."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
