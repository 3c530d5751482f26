"""Plain-text renderings of a BookCheck for the terminal: the mapping used, findings, summary."""

from __future__ import annotations

from kpi_cli.batch import BookResult
from workbook.addresses import column_letter
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
    return f"'{sheet}'!{cell}" if cell else f"'{sheet}'"


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


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
