"""`kpi refresh BOOK|DIR [-o OUT] [--rules FILE] [--in-place [--force]] [--findings-csv FILE]`: write statuses, variances, trends,
RAG colours, a "KPI Validation" and a "KPI Summary" sheet into a copy of each book."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from kpi_cli.batch import (
    EXIT_FAILED,
    EXIT_FINDINGS,
    EXIT_OK,
    BookResult,
    books_under,
    one_line_reason,
    progress_bar,
    say_failed,
)
from kpi_cli.terminal import book_line, counts_line, summary_text, total_line, write_findings_csv
from kpi_cli.validate import add_findings_csv_argument
from kpi_rules import RulesError
from kpi_rules.errors import internal_error, shorten
from workbook.addresses import quote_sheet
from workbook.lock_file import BookOpenError
from workbook.read.grid import WorkbookReadError
from workbook.read.tables import LayoutError
from workbook.refresh import REFRESHED_SUFFIX, Refreshed, choose_target, refresh_book
from workbook.xlsx.writer import WorkbookWriteError

KNOWN_ERRORS = (WorkbookReadError, WorkbookWriteError, LayoutError, RulesError, BookOpenError)


def add_arguments(parser):
    parser.add_argument("book", help="a workbook (.xlsx/.xlsm) or a folder of them")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="where to write (default: BOOK-refreshed.xlsx beside it; a folder for DIR)")
    parser.add_argument("--rules", metavar="FILE", help="rules file (TOML)")
    parser.add_argument("--in-place", action="store_true",
                        help="replace the source itself (atomically); refused while the book is open")
    parser.add_argument("--force", action="store_true",
                        help="with --in-place: write even though a lock file says the book is open")
    add_findings_csv_argument(parser)


def run(args) -> int:
    path = Path(args.book)
    if path.is_dir():
        return _run_folder(path, args)
    try:
        result = refresh_book(path, _target(path, args.output, args), args.rules)
    except KNOWN_ERRORS as exc:
        print(f"kpi: {path}: {one_line_reason(path, exc)}", file=sys.stderr)
        return EXIT_FAILED
    print(describe(result))
    if args.findings_csv:
        write_findings_csv(args.findings_csv, [BookResult(path, check=result.check)])
    return EXIT_FINDINGS if result.check.has_errors else EXIT_OK


def _target(book: Path, output: str | None, args) -> Path:
    return choose_target(book, output, args.in_place, force=args.force)


def describe(result: Refreshed) -> str:
    lines = [f"Refreshed {result.source.name} -> {result.target}", summary_text(result.check)]
    changes = result.plan.status_changes
    if changes:
        lines.append(f"{len(changes)} typed status{'es' if len(changes) != 1 else ''} changed:")
        lines += [f"  {quote_sheet(c.sheet)}!{c.cell}{' ' + c.reference if c.reference else ''}: "
                  f"{c.before!r} -> {c.after!r}" for c in changes]
    kept = result.plan.formulas_kept
    if kept:
        lines.append(f"{len(kept)} formula{'s' if len(kept) != 1 else ''} left as "
                     f"{'they are' if len(kept) != 1 else 'it is'} (refresh never overwrites a "
                     f"formula): {shorten(', '.join(kept), 120)}")
    return "\n".join(lines)


def _run_folder(folder: Path, args) -> int:
    if args.in_place and args.output:
        print("kpi: use either -o or --in-place, not both", file=sys.stderr)
        return EXIT_FAILED
    out_dir = Path(args.output) if args.output else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        print(f"kpi: {out_dir}: -o must be a folder when refreshing a folder", file=sys.stderr)
        return EXIT_FAILED
    books = [b for b in books_under(folder) if not b.stem.endswith(REFRESHED_SUFFIX)]
    if not books:
        print(f"kpi: {folder}: no .xlsx or .xlsm workbooks in this folder", file=sys.stderr)
        return EXIT_FAILED
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    results, lines = [], []
    with progress_bar(books, "refreshing") as progress:
        for book in progress:
            progress.set_postfix_str(book.name[:30])
            result = _refresh_one(book, folder, out_dir, args)
            results.append(result)
            if result.error:
                say_failed(book, result.error)
                lines.append(book_line(result))
            else:
                lines.append(f"{book}: -> {result.target.name}, {counts_line(result.check)}")
    print("\n".join([*lines, total_line(results, "could not be refreshed")]))
    if args.findings_csv:
        write_findings_csv(args.findings_csv, results)
    return max(result.exit_code for result in results)


@dataclass
class _Refreshed(BookResult):
    target: Path | None = None


def _refresh_one(book: Path, folder: Path, out_dir: Path | None, args) -> _Refreshed:
    """Refresh one book of a folder; a failure is its one-line reason, as `kpi validate` gives."""
    output = str(out_dir / book.relative_to(folder)) if out_dir is not None else None
    try:
        if output:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
        result = refresh_book(book, _target(book, output, args), args.rules)
    except KNOWN_ERRORS as exc:
        return _Refreshed(book, error=one_line_reason(book, exc))
    except MemoryError:
        return _Refreshed(book, error="not enough memory to refresh this workbook")
    except Exception as exc:  # noqa: BLE001 - one bad book is one line; the others go on
        return _Refreshed(book, error=internal_error(exc))
    return _Refreshed(book, check=result.check, target=result.target)
