"""Check a whole workbook: find its KPI tables, evaluate every indicator, list the findings.

`check_grids` works on in-memory grids (what the add-in's ribbon scripts receive);
`check_book` reads a file into grids first. Both raise one-line errors only:
WorkbookReadError (unreadable file), LayoutError (no KPI table, rules that do not fit the book)
and kpi_rules.RulesError (a bad rules file).
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kpi_rules import (
    FINDING_COLUMNS,
    STATUSES,
    Rules,
    attach_notes,
    evaluate,
    find_findings,
)
from workbook.detect import (
    PRODUCT_SHEETS,
    LayoutError,
    TableLayout,
    find_tables,
    missing_rule_headers,
)
from workbook.grid import Grid, read_grids
from workbook.reader import looks_like_notes_sheet, notes_frame, table_frame
from workbook.rules_lookup import find_rules, rules_sheet

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

    `indicators` is the engine's evaluated frame of every table, with a `table` column giving the
    index into `tables`; `tables[i].data_rows` are the worksheet rows of table i's indicators.
    """

    book: str
    rules: Rules
    tables: list[TableLayout]
    indicators: pd.DataFrame
    findings: pd.DataFrame
    notes_sheet: str | None = None

    @property
    def has_errors(self) -> bool:
        return bool((self.findings["severity"] == "error").any()) if len(self.findings) else False

    def table_indicators(self, index: int) -> pd.DataFrame:
        """The evaluated rows of one table, in sheet order."""
        return self.indicators[self.indicators["table"] == index]

    def to_json(self) -> dict:
        """The `kpi validate --json` document of interfaces.md."""
        return {
            "book": self.book,
            "tables": [
                {"sheet": t.sheet, "header_row": t.header_row, "columns": t.column_letters}
                for t in self.tables
            ],
            "indicators": _records(self.indicators, INDICATOR_JSON, JSON_SOURCE),
            "findings": _records(self.findings, FINDING_COLUMNS, {}),
        }

    def summary(self) -> pd.DataFrame:
        """Counts by status per table and section: sheet, header_row, section, on..none, total."""
        frame = self.indicators.assign(
            header_row=[self.tables[i].header_row for i in self.indicators["table"]],
            section=self.indicators["section"].fillna(""),
        )
        counts = pd.crosstab(
            [frame["table"], frame["sheet"], frame["header_row"], frame["section"]],
            frame["status"],
        ).reindex(columns=list(STATUS_CODES), fill_value=0)
        counts["total"] = counts.sum(axis=1)
        order = frame.drop_duplicates(["table", "section"])[["table", "section"]]
        counts = counts.reset_index()
        counts = order.merge(counts, on=["table", "section"], how="left")
        return counts.drop(columns="table")[
            ["sheet", "header_row", "section", *STATUS_CODES, "total"]
        ].reset_index(drop=True)


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
    notes_sheet, notes = _notes(grids, rules, {layout.sheet for layout in tables})
    evaluated, findings = [], []
    for index, layout in enumerate(tables):
        frame = table_frame(grids[layout.sheet], layout)
        frame.insert(0, "table", index)
        if notes is not None:
            frame = attach_notes(frame, notes)
        result = evaluate(frame, rules)
        evaluated.append(result)
        findings.append(find_findings(result, rules, layout.column_letters))
    return BookCheck(
        book=book_name,
        rules=rules,
        tables=tables,
        indicators=pd.concat(evaluated, ignore_index=True),
        findings=_concat_findings(findings),
        notes_sheet=notes_sheet,
    )


def _table_sheets(grids: dict[str, Grid], rules: Rules) -> list[Grid]:
    """The sheets that may hold KPI tables; checks that the rules' sheet and headers exist."""
    excluded = set(PRODUCT_SHEETS)
    if rules.commentary:
        excluded.add(_fold(rules.commentary.sheet))
    own_rules = rules_sheet(grids)
    if own_rules is not None:
        excluded.add(_fold(own_rules.sheet))
    if rules.sheet:
        grid = _sheet_named(grids, rules.sheet)
        if grid is None:
            raise LayoutError(f'rules [columns] sheet = "{rules.sheet}": {_no_such_sheet(grids)}')
        candidates = [grid]
    else:
        candidates = [grid for name, grid in grids.items() if _fold(name) not in excluded]
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


def _notes(grids: dict[str, Grid], rules: Rules, table_sheets: set[str]):
    """(sheet name, notes frame) from the rules' [commentary], else a sheet named like notes."""
    source = rules.commentary
    if source is not None:
        grid = _sheet_named(grids, source.sheet)
        if grid is None:
            raise LayoutError(f'rules [commentary] sheet = "{source.sheet}": {_no_such_sheet(grids)}')
        try:
            return grid.sheet, notes_frame(grid, source.key, source.text)
        except LookupError as exc:
            raise LayoutError(f"rules [commentary]: {exc}") from None
    for name, grid in grids.items():
        if name in table_sheets or _fold(name) in PRODUCT_SHEETS or not looks_like_notes_sheet(name):
            continue
        try:
            return name, notes_frame(grid, None, None)
        except LookupError:
            continue
    return None, None


def _sheet_named(grids: dict[str, Grid], name: str) -> Grid | None:
    return next((grid for sheet, grid in grids.items() if _fold(sheet) == _fold(name)), None)


def _no_such_sheet(grids: dict[str, Grid]) -> str:
    return "no such sheet (the book has " + ", ".join(f'"{name}"' for name in grids) + ")"


def _fold(name: str) -> str:
    return " ".join(name.lower().split())


def _concat_findings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    return pd.concat(frames, ignore_index=True)


# --- JSON ------------------------------------------------------------------------------------

def _records(frame: pd.DataFrame, names, source: dict[str, str]) -> list[dict]:
    columns = [_json_column(frame, source.get(name, name)) for name in names]
    if "reference" in names:
        index = list(names).index("reference")
        columns[index] = [_reference_text(value) for value in columns[index]]
    return [dict(zip(names, row)) for row in zip(*columns)]


def _json_column(frame: pd.DataFrame, name: str) -> list:
    """Plain Python values for json: NaN/NA -> None, numpy scalars -> int/float/bool."""
    if name not in frame:
        return [None] * len(frame)
    series = frame[name]
    values = np.array(series.to_numpy(dtype=object), dtype=object)  # floats: Python floats
    missing = np.array(pd.isna(series), dtype=bool)
    if series.dtype.kind == "f":
        missing = missing | np.isinf(series.to_numpy(dtype=float))
    values[missing] = None
    if series.dtype.kind == "O":  # mostly text and None already: convert only the rest
        return [v if v is None or type(v) is str else _json_value(v) for v in values]
    return values.tolist()


def _json_value(value):
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
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
