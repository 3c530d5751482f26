"""`kpi validate BOOK|DIR [--rules FILE] [--json] [--findings-csv FILE]`: read a workbook, print the
mapping used and the findings. Exit 0 no error findings, 1 error findings, 2 could not run."""

from __future__ import annotations

import json

from kpi_cli.batch import BookResult, add_follow_links_argument, run_books
from kpi_cli.terminal import book_line, total_line, validate_text, write_findings_csv


def add_arguments(parser):
    parser.add_argument("book", help="a workbook (.xlsx/.xlsm) or a folder of them")
    parser.add_argument("--rules", metavar="FILE", help="rules file (TOML); see docs/rules.md")
    add_follow_links_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_findings_csv_argument(parser)


def add_findings_csv_argument(parser):
    parser.add_argument("--findings-csv", metavar="FILE",
                        help="also write every book's findings into one CSV table")  # fmt: skip


def run(args) -> int:
    shown: list[BookResult] = []

    def show_one(result: BookResult) -> None:
        shown.append(result)
        if args.json:
            print(json.dumps(result.check.to_json(), ensure_ascii=False))
        else:
            print(validate_text(result.check))

    def show_many(results: list[BookResult]) -> None:
        shown.extend(results)
        if args.json:
            documents = [_document(result) for result in results]
            print(json.dumps(documents, ensure_ascii=False))
        else:
            for result in results:
                print(book_line(result))
            print(total_line(results))

    code = run_books(args.book, args.rules, show_one, show_many, args.follow_links)
    if args.findings_csv and shown:  # a single book that could not be read writes nothing
        write_findings_csv(args.findings_csv, shown)
    return code


def _document(result: BookResult) -> dict:
    if result.check is None:
        return {"book": result.path.name, "path": str(result.path), "error": result.error}
    return {**result.check.to_json(), "path": str(result.path)}
