"""`kpi report BOOK|DIR -o PACK.docx|.html|.pdf [--rules FILE] [--title TEXT]`: the committee
pack. From a folder: one pack, a corporate summary, a section per book in folder order, and the
books that could not be read (then exit 2, as every folder run). Exit 1 when findings of error
severity are present, as `kpi validate`."""

from __future__ import annotations

from pathlib import Path

from kpi_cli.batch import (
    EXIT_FAILED,
    EXIT_FINDINGS,
    EXIT_OK,
    BookResult,
    add_follow_links_argument,
    books_under,
    check_many,
    check_one,
    print_report,
)
from kpi_rules.errors import KpiError, one_line


class ReportError(KpiError):
    """Nothing to make a pack from; one line."""


def add_arguments(parser):
    parser.add_argument("book", help="a workbook (.xlsx/.xlsm) or a folder of them")
    parser.add_argument("-o", "--output", metavar="PACK", required=True,
                        help="the pack to write: a .docx, .html or .pdf file")
    parser.add_argument("--rules", metavar="FILE", help="rules file (TOML); see docs/rules.md")
    parser.add_argument("--title", metavar="TEXT", help="the pack's title")
    add_follow_links_argument(parser)


def run(args) -> int:
    from workbook.pack import UnreadBook, build_pack, check_target, write_pack

    source, target = Path(args.book), Path(args.output)
    check_target(target)
    title = _title(args.title, source)
    from_folder = source.is_dir()
    results = _checked(source, args.rules, args.follow_links)  # a folder's failures are said as they happen
    read = [result for result in results if result.check is not None]
    if not read:
        raise ReportError(f"{source}: no workbook could be read, so no pack was written")
    unread = [UnreadBook(_name(result.path, source), result.error)
              for result in results if result.check is None]
    names = [_name(result.path, source).rsplit(".", 1)[0] for result in read]
    checks = [result.check for result in read]
    pack = build_pack(title, checks, unread, from_folder, names=names)
    write_pack(pack, target)
    print_report(f"Wrote {target}: {_what(pack)}")
    if unread:
        return EXIT_FAILED
    return EXIT_FINDINGS if any(check.has_errors for check in checks) else EXIT_OK


def _checked(source: Path, rules: str | None, follow_links: bool) -> list[BookResult]:
    if not source.is_dir():
        result = check_one(source, rules)
        if result.error:  # one book that cannot be read: nothing to report on
            raise ReportError(f"{source}: {result.error}")
        return [result]
    books = books_under(source, follow_links)
    if not books:
        raise ReportError(f"{source}: no .xlsx or .xlsm workbooks in this folder")
    return check_many(books, rules)


def _title(given: str | None, source: Path) -> str:
    if given is None:
        return f"Performance report: {source.stem if source.is_file() else source.name}"
    title = one_line(given, limit=300)
    if not title:
        raise ReportError("--title: is empty")
    return title


def _name(path: Path, folder: Path) -> str:
    """A book as the pack names it: its path inside the folder ("north/Q2.xlsx")."""
    return path.relative_to(folder).as_posix() if folder.is_dir() else path.name


def _what(pack) -> str:
    indicators = sum(book.counts.indicators for book in pack.books)
    books = f"{len(pack.books)} book{'s' if len(pack.books) != 1 else ''}"
    unread = f", {len(pack.unread)} not read" if pack.unread else ""
    return f"{indicators} indicators from {books}{unread}"
