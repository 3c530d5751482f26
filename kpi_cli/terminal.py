"""Plain-text renderings of a BookCheck for the terminal: the mapping used, findings, summary."""

from __future__ import annotations

import csv
from pathlib import Path

from kpi_cli.batch import BOOK_SUFFIXES, BookResult
from kpi_rules.errors import KpiError
from kpi_rules.values import text_not_formula
from workbook.addresses import column_letter, quote_sheet
from workbook.check import STATUS_CODES, BookCheck
from workbook.read.tables import ROLES


def text_table(headers: list[str], rows: list[list]) -> str:
    """Left-aligned columns separated by two spaces; None shows as blank."""
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = [headers, ["-" * width for width in widths], *cells]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(line, widths)).rstrip()
        for line in lines
    )


def mapping_text(check: BookCheck) -> str:
    """Which rows and columns were read, and which header each role came from."""
    blocks = []
    for number, table in enumerate(check.tables, start=1):
        where = f'Table {number}: sheet "{table.sheet}", header row {table.header_row}, '
        where += f"indicators in rows {table.first_row}-{table.last_row}"
        if table.list_object:
            where += f' (Excel table "{table.list_object}")'
        rows = [
            [role, letter, _header_note(role, table), table.reasons.get(role, "")]
            for role, letter in table.column_letters.items()
        ]
        missing = [role for role in ROLES if role not in table.columns]
        text = where + "\n" + _indent(text_table(["role", "column", "header", "why"], rows))
        if table.skipped:
            text += "\n  not used: " + "; ".join(
                f"{column_letter(column)} {why}" for column, why in sorted(table.skipped.items()))
        if missing:
            text += "\n  not found: " + ", ".join(missing)
        blocks.append(text)
    if check.notes_sheet:
        blocks.append(f'Commentary also read from sheet "{check.notes_sheet}"')
    return "\n\n".join(blocks)


def _header_note(role: str, table) -> str:
    text = table.headers.get(role)
    if role == "indicator" and text is None:
        first_section = table.sections.get(table.first_row)
        text = (f"{first_section} (the first section's name; no indicator header)"
                if first_section else "(blank: no indicator header)")
    if role == "indicator" and table.reference_in_indicator:
        text = f"{text or ''}  [reference read from the start of the text]".strip()
    return " ".join(str(text).split()) if text is not None else ""


def findings_text(check: BookCheck) -> str:
    findings = check.findings
    if not len(findings):
        return "No findings."
    rows = [
        [f.severity, _cell(f.sheet, f.cell), f.code, f.reference, f.message]
        for f in findings
    ]
    return text_table(["severity", "cell", "code", "reference", "message"], rows)


def _cell(sheet: str, cell) -> str:
    return f"{quote_sheet(sheet)}!{cell}" if cell else quote_sheet(sheet)


def counts_line(check: BookCheck) -> str:
    """'40 indicators in 2 tables: 20 on, ...; 3 errors, 5 warnings, 1 info'."""
    counts = check.counts
    status_text = ", ".join(f"{counts.statuses[code]} {code}" for code in STATUS_CODES)
    finding_text = ", ".join(_plural(n, level) for level, n in counts.severities.items())
    return (f"{_plural(counts.indicators, 'indicator')} in "
            f"{_plural(counts.tables, 'table')}: {status_text}; {finding_text}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 or noun == "info" else f"{count} {noun}s"


def validate_text(check: BookCheck) -> str:
    return "\n\n".join(
        [
            f"{check.book} (rules: {check.rules.source})",
            mapping_text(check),
            "Findings\n" + findings_text(check),
            counts_line(check),
        ]
    )


def summary_text(check: BookCheck) -> str:
    rows = [list(row.values()) for row in check.summary()]
    table = text_table(["sheet", "header row", "section", *STATUS_CODES, "total"], rows)
    return f"{check.book}\n\n{table}\n\n{counts_line(check)}"


def book_line(result: BookResult) -> str:
    """One line per book in folder mode."""
    if result.check is None:
        return f"{result.path}: FAILED: {result.error}"
    return f"{result.path}: {counts_line(result.check)}"


def total_line(results: list[BookResult], failed: str = "could not be read") -> str:
    """'60 findings in 10 books, 1 could not be read': the last line of a folder run."""
    findings = sum(result.check.counts.findings for result in results if result.check is not None)
    line = f"{_plural(findings, 'finding')} in {_plural(len(results), 'book')}"
    failures = sum(1 for result in results if result.check is None)
    return f"{line}, {failures} {failed}" if failures else line


# --- every book's findings in one table (--findings-csv) ---------------------------------------

CSV_COLUMNS = ("book", "sheet", "cell", "reference", "indicator", "code", "severity", "message")
UNREADABLE = "could_not_read"  # the code of the one row a book that failed gets


class CsvWriteError(KpiError):
    """The findings table could not be written."""


def write_findings_csv(target: str, results: list[BookResult]) -> None:
    """Every book's findings as one CSV table; a book that failed is one row with its reason.
    Text that a spreadsheet would take for a formula is written as text."""
    path = Path(target)
    if path.suffix.lower() in BOOK_SUFFIXES:
        raise CsvWriteError(f"{path.name}: --findings-csv needs a .csv file, not a workbook")
    rows = [row for result in results for row in findings_rows(result)]
    try:
        with path.open("w", newline="", encoding="utf-8-sig") as stream:  # the BOM: Excel reads UTF-8
            writer = csv.writer(stream)
            writer.writerow(CSV_COLUMNS)
            writer.writerows([_safe(value) for value in row] for row in rows)
    except OSError as exc:
        raise CsvWriteError(f"{path}: cannot write the findings table ({exc.strerror or exc})") from exc


def findings_rows(result: BookResult) -> list[list]:
    """One book's findings in CSV_COLUMNS order, each with the name of its indicator."""
    book = str(result.path)
    if result.check is None:
        return [[book, None, None, None, None, UNREADABLE, "error", result.error]]
    document = result.check.to_json()
    names = {(i["sheet"], i["row"]): i["indicator"] for i in document["indicators"]}
    return [
        [book, f["sheet"], f["cell"], f["reference"], names.get((f["sheet"], f["row"])),
         f["code"], f["severity"], f["message"]]
        for f in document["findings"]
    ]  # fmt: skip


def _safe(value) -> str:
    return "" if value is None else text_not_formula(str(value))


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
