"""Check a whole workbook: find its KPI tables, evaluate every indicator, list the findings.

`check_grids` works on in-memory grids (what the add-in's ribbon scripts receive);
`check_book` reads a file into grids first. Both raise one-line errors only:
WorkbookReadError (unreadable file), LayoutError (no KPI table, rules that do not fit the book)
and kpi_rules.RulesError (a bad rules file).
"""

from __future__ import annotations

import gc
import math
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from kpi_rules import STATUSES, Counts, Finding, Rules, Severity
from kpi_rules.columns import Columns, is_missing
from kpi_rules.findings import table_findings
from kpi_rules.matching import notes_commentary
from kpi_rules.table import evaluate_columns
from workbook.addresses import PRODUCT_SHEETS, sheet_key, sheet_named
from workbook.read.grid import Grid, read_grids
from workbook.read.indicators import table_columns
from workbook.read.notes import NotesSheet, looks_like_notes_sheet, read_notes
from workbook.read.rules_source import find_rules, rules_sheet
from workbook.read.tables import (
    LayoutError,
    TableLayout,
    find_tables,
    missing_rule_headers,
)

STATUS_CODES = STATUSES  # on, within, off, none
INDICATOR_JSON = (
    "sheet", "row", "section", "reference", "indicator", "actual", "target", "previous",
    "polarity", "status", "label", "variance", "variance_pct", "trend",
)
# JSON name -> column of the evaluated frame
JSON_SOURCE = {"actual": "actual_value", "target": "target_value", "previous": "previous_value",
               "polarity": "polarity_code"}  # fmt: skip


@dataclass
class BookCheck:
    """What one workbook holds and what is wrong with it.

    `indicators` is the engine's evaluated columns of every table, with a `table` column giving
    the index into `tables`; `tables[i].data_rows` are the worksheet rows of table i's indicators.
    `findings` holds every Finding, table by table, by row; `counts` counts them and the
    statuses once, for every report (CLI, JSON, the add-in's alert).
    """

    book: str
    rules: Rules
    tables: list[TableLayout]
    indicators: Columns
    findings: list[Finding]
    notes_sheet: str | None = None
    notes: NotesSheet | None = None  # where the notes sheet's columns and rows are

    @cached_property
    def counts(self) -> Counts:
        return Counts.of(self.indicators["status"].tolist(), self.findings, len(self.tables))

    @property
    def has_errors(self) -> bool:
        return self.counts.severities[Severity.ERROR] > 0

    def table_indicators(self, index: int) -> Columns:
        """The evaluated rows of one table, in sheet order."""
        return self.indicators.take(self.indicators["table"] == index)

    def to_json(self) -> dict:
        """The `kpi validate --json` document of interfaces.md."""
        return {
            "book": self.book,
            "tables": [
                {"sheet": t.sheet, "header_row": t.header_row, "columns": t.column_letters}
                for t in self.tables
            ],
            "indicators": _records(self.indicators, INDICATOR_JSON, JSON_SOURCE),
            "findings": [finding.to_json() for finding in self.findings],
        }

    def summary(self) -> list[dict]:
        """Counts by status per table and section, in sheet order: one record per group with
        sheet, header_row, section ("" for none), on, within, off, none and total."""
        return [dict(group) for group in self._summary]

    @cached_property
    def _summary(self) -> list[dict]:
        sections = ["" if is_missing(s) else s for s in self.indicators["section"].tolist()]
        keys = list(zip(self.indicators["table"].tolist(), sections))
        counted = Counter(zip(keys, self.indicators["status"].tolist()))  # at C speed
        groups = {key: Counter() for key in keys}  # first-seen order: sheet order
        for (key, status), count in counted.items():
            groups[key][status] = count
        return [
            {"sheet": self.tables[table].sheet, "header_row": self.tables[table].header_row,
             "section": section, **{s: counts[s] for s in STATUS_CODES},
             "total": sum(counts.values())}
            for (table, section), counts in groups.items()
        ]  # fmt: skip


def check_book(path: str | Path, rules_path: str | Path | None = None) -> BookCheck:
    path = Path(path)
    with gc_paused():
        grids = read_grids(path)
        rules = find_rules(path, rules_path, grids)
        return check_grids(grids, rules, path.name)


@contextmanager
def gc_paused():
    """Reading a big sheet makes a million small objects and no reference cycles; the cyclic
    collector would rescan them again and again (about a third of the read time at 100k rows)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_grids(grids: dict[str, Grid], rules: Rules, book_name: str) -> BookCheck:
    """Find the tables in the grids, evaluate them with the rules and collect the findings."""
    candidates = _table_sheets(grids, rules)
    layouts_by_sheet = {grid.sheet: find_tables(grid, rules) for grid in candidates}
    tables = [layout for layouts in layouts_by_sheet.values() for layout in layouts if layout.sections]
    if not tables:
        raise LayoutError(_no_table_reason(layouts_by_sheet, candidates))
    notes = _notes(grids, rules, {layout.sheet for layout in tables})
    evaluated, findings = [], []
    for index, layout in enumerate(tables):
        table = table_columns(grids[layout.sheet], layout)
        table["table"] = np.full(table.height, index, dtype=np.int64)
        if notes is not None:
            table["commentary"] = notes_commentary(table, notes.pairs)
        result = evaluate_columns(table, rules)
        evaluated.append(result)
        findings += table_findings(result, rules, layout.column_letters)
    return BookCheck(
        book=book_name,
        rules=rules,
        tables=tables,
        indicators=Columns.concat(evaluated),
        findings=findings,
        notes_sheet=notes.sheet if notes else None,
        notes=notes,
    )


def _table_sheets(grids: dict[str, Grid], rules: Rules) -> list[Grid]:
    """The sheets that may hold KPI tables; checks that the rules' sheet and headers exist."""
    excluded = set(PRODUCT_SHEETS)
    if rules.commentary:
        excluded.add(sheet_key(rules.commentary.sheet))
    own_rules = rules_sheet(grids)
    if own_rules is not None:
        excluded.add(sheet_key(own_rules.sheet))
    if rules.sheet:
        grid = sheet_named(grids, rules.sheet)
        if grid is None:
            raise LayoutError(f'rules [columns] sheet = "{rules.sheet}": {_no_such_sheet(grids)}')
        candidates = [grid]
    else:
        candidates = [grid for name, grid in grids.items() if sheet_key(name) not in excluded]
    if rules.columns:
        problem = missing_rule_headers({grid.sheet: grid for grid in candidates}, rules.columns)
        if problem:
            raise LayoutError(problem)
    return candidates


def _no_table_reason(layouts_by_sheet: dict[str, list[TableLayout]], candidates) -> str:
    for sheet, layouts in layouts_by_sheet.items():
        if layouts:
            return (f'the KPI table on sheet "{sheet}" (header row {layouts[0].header_row}) '
                    "has no indicator rows")  # fmt: skip
    names = ", ".join(f'"{grid.sheet}"' for grid in candidates) or "(none)"
    return ("no KPI table found: no header row with an indicator and an actual or target column "
            f"in sheets {names}")  # fmt: skip


def _notes(grids: dict[str, Grid], rules: Rules, table_sheets: set[str]) -> NotesSheet | None:
    """The notes sheet the rules' [commentary] names, else a sheet named like notes."""
    source = rules.commentary
    if source is not None:
        grid = sheet_named(grids, source.sheet)
        if grid is None:
            raise LayoutError(f'rules [commentary] sheet = "{source.sheet}": {_no_such_sheet(grids)}')
        try:
            return read_notes(grid, source.key, source.text)
        except LookupError as exc:
            raise LayoutError(f"rules [commentary]: {exc}") from None
    for name, grid in grids.items():
        if name in table_sheets or sheet_key(name) in PRODUCT_SHEETS or not looks_like_notes_sheet(name):
            continue
        try:
            return read_notes(grid, None, None)
        except LookupError:
            continue
    return None




def _no_such_sheet(grids: dict[str, Grid]) -> str:
    return "no such sheet (the book has " + ", ".join(f'"{name}"' for name in grids) + ")"




# --- JSON ------------------------------------------------------------------------------------

def _records(table: Columns, names, source: dict[str, str]) -> list[dict]:
    columns = [_json_column(table, source.get(name, name)) for name in names]
    if "reference" in names:
        index = list(names).index("reference")
        columns[index] = [_reference_text(value) for value in columns[index]]
    return [dict(zip(names, row)) for row in zip(*columns)]


def _json_column(table: Columns, name: str) -> list:
    """Plain Python values for json: NaN/NA -> None, numpy scalars -> int/float/bool."""
    if name not in table:
        return [None] * table.height
    values = table[name]
    if values.dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in values.tolist()]
    if values.dtype.kind in "biu":
        return values.tolist()
    # mostly text and None already: convert only the rest
    return [v if v is None or type(v) is str else _json_value(v) for v in values.tolist()]


def _json_value(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if not isinstance(value, float) or math.isfinite(value) else None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not math.isfinite(value) else float(value)
    return str(value)


def _reference_text(value):
    """References are text in the JSON: a typed 101 is "101", not 101.0."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
