"""Which rules apply to a workbook: --rules FILE, else kpi.toml beside the book, else a
"KPI Rules" sheet inside it, else the defaults (interfaces.md)."""

from __future__ import annotations

from pathlib import Path

from kpi_rules import Rules, default_rules, load_rules_file, rules_from_rows
from workbook.addresses import RULES_SHEET, sheet_key
from workbook.read.grid import Grid

RULES_FILE_NAME = "kpi.toml"


def find_rules(
    book_path: str | Path | None, rules_path: str | Path | None = None,
    grids: dict[str, Grid] | None = None,
) -> Rules:
    """The rules for one book. Raises kpi_rules.RulesError (one line) when they are wrong."""
    if rules_path is not None:
        return load_rules_file(rules_path)
    if book_path is not None:
        beside = Path(book_path).with_name(RULES_FILE_NAME)
        if beside.is_file():
            return load_rules_file(beside)
    sheet = rules_sheet(grids or {})
    if sheet is not None:
        rows = [[None if value == "" else value for value in row] for row in sheet.values]
        return rules_from_rows(rows, source=f'"{sheet.sheet}" sheet')
    return default_rules()


def rules_sheet(grids: dict[str, Grid]) -> Grid | None:
    """The "KPI Rules" sheet, whatever its case."""
    return next(
        (grid for name, grid in grids.items() if sheet_key(name) == sheet_key(RULES_SHEET)),
        None,
    )
