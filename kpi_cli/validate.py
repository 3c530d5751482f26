"""`kpi validate BOOK|DIR [--rules FILE] [--json]`: read a workbook, print the mapping used and
the findings. Exit 0 no error findings, 1 error findings, 2 could not run."""

from __future__ import annotations

import json

from kpi_cli.batch import BookResult, run_books
from kpi_cli.terminal import book_line, validate_text


def add_arguments(parser):
    parser.add_argument("book", help="a workbook (.xlsx/.xlsm) or a folder of them")
    parser.add_argument("--rules", metavar="FILE", help="rules file (TOML); see interfaces.md")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")


def run(args) -> int:
    def show_one(result: BookResult) -> None:
        if args.json:
            print(json.dumps(result.check.to_json(), ensure_ascii=False))
        else:
            print(validate_text(result.check))

    def show_many(results: list[BookResult]) -> None:
        if args.json:
            documents = [_document(result) for result in results]
            print(json.dumps(documents, ensure_ascii=False))
        else:
            for result in results:
                print(book_line(result))

    return run_books(args.book, args.rules, show_one, show_many)


def _document(result: BookResult) -> dict:
    if result.check is None:
        return {"book": result.path.name, "path": str(result.path), "error": result.error}
    return {**result.check.to_json(), "path": str(result.path)}
