"""`kpi summary BOOK|DIR [--rules FILE] [--json]`: counts by status per table and section."""

from __future__ import annotations

import json

from kpi_cli.batch import EXIT_FINDINGS, EXIT_OK, BookResult, add_follow_links_argument, run_books
from kpi_cli.terminal import book_line, summary_text


def add_arguments(parser):
    parser.add_argument("book", help="a workbook (.xlsx/.xlsm) or a folder of them")
    parser.add_argument("--rules", metavar="FILE", help="rules file (TOML); see docs/rules.md")
    add_follow_links_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")


def run(args) -> int:
    def show_one(result: BookResult) -> None:
        if args.json:
            print(json.dumps(summary_document(result), ensure_ascii=False))
        else:
            print(summary_text(result.check))

    def show_many(results: list[BookResult]) -> None:
        if args.json:
            print(json.dumps([summary_document(r) for r in results], ensure_ascii=False))
        else:
            for result in results:
                print(book_line(result))

    code = run_books(args.book, args.rules, show_one, show_many, args.follow_links)
    return EXIT_OK if code == EXIT_FINDINGS else code  # counting is summary's job; findings are validate's


def summary_document(result: BookResult) -> dict:
    """{"book", "tables": [...as validate...], "summary": [{sheet, header_row, section, on,
    within, off, none, total}]}; a failed book is {"book", "error"}."""
    if result.check is None:
        return {"book": result.path.name, "error": result.error}
    check = result.check
    rows = check.summary()
    summary = [
        {key: (int(value) if key not in ("sheet", "section") else (value or None))
         for key, value in row.items()}
        for row in rows
    ]  # fmt: skip
    return {"book": check.book, "tables": check.to_json()["tables"], "summary": summary}
