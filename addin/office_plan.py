"""A `WorkbookPlan` as the JSON our Office.js callback applies in one batch (ribbon.js,
`kpiApplyPlan`): the ribbon scripts send ONE `runMacro` action holding it, so a click costs the
same few `context.sync()` calls whatever the size of the sheet.

Shape (rows and columns 0-based, as Office.js' getRangeByIndexes; widths in points):

    {"sheets": [{"name", "blocks": [{"row", "column", "values", "numberFormat", "bold"}],
                 "statusRules": [{"row", "column", "rows", "rules": [{"label", "fill"}]}],
                 "markColumns": [{"row", "column", "rows"}],   # where earlier marks may be
                 "marks": [{"row", "column"}]}],
     "markFill": "#RRGGBB",
     "owned": [{"name", "values", "headerRow", "widths": [[column, points]],
                "columnFormats": [[column, format]], "wrap": [column...],
                "fills": [{"row", "column", "rows", "fill"}],
                "links": [{"row", "column", "location", "text"}]}]}

Status colours and marks are conditional formats, as the file path writes them: a status cell
is coloured by a cellValue rule equal to its label, so a status typed over later recolours
itself; a mark is a rule "equal to empty" on a commentary cell, so it goes when the officer
writes the commentary.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from kpi_rules.values import text_not_formula
from workbook.plan.blocks import SheetContent, WorkbookPlan
from workbook.plan.validation import MARK_FILL


def plain(value: Any) -> Any:
    """A plan value as Office.js takes it: text is never a formula ("=x", "+44", "-5 days" and
    "@risk" are written as text), None blanks the cell, numpy numbers become plain numbers,
    NaN becomes a blank."""
    if value is None:
        return ""
    if isinstance(value, str):
        return text_not_formula(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return "" if math.isnan(number) or math.isinf(number) else number
    return str(value)


def plain_rows(values) -> list[list[Any]]:
    """Rows of plain values, padded to the widest row (Office.js wants a rectangle)."""
    width = max((len(row) for row in values), default=0)
    return [[plain(v) for v in row] + [""] * (width - len(row)) for row in values]


def points(characters: float) -> float:
    """Plan widths are in characters (as openpyxl); Office.js takes points."""
    return round((characters * 7 + 5) * 0.75, 2)


def office_plan(plan: WorkbookPlan, mark_columns: list[tuple[str, int, int, int]] = ()) -> dict:
    """The JSON kpiApplyPlan applies. `mark_columns`: (sheet, column, top, bottom) of each
    commentary column whose earlier marks this run replaces (1-based)."""
    sheets: dict[str, dict[str, list]] = {}

    def sheet(name: str) -> dict[str, list]:
        return sheets.setdefault(name, {"blocks": [], "statusRules": [], "markColumns": [], "marks": []})

    for block in plan.blocks:
        if block.height and block.width:
            sheet(block.sheet)["blocks"].append({
                "row": block.top - 1, "column": block.left - 1, "values": plain_rows(block.values),
                "numberFormat": block.number_format, "bold": block.bold})
    for rule_range, rules in _rules_by_range(plan).items():
        name, top, left, bottom = rule_range
        sheet(name)["statusRules"].append({"row": top - 1, "column": left - 1,
                                           "rows": bottom - top + 1, "rules": rules})
    for name, column, top, bottom in mark_columns:
        sheet(name)["markColumns"].append({"row": top - 1, "column": column - 1, "rows": bottom - top + 1})
    for mark in plan.marks:
        if mark.fill is not None:
            sheet(mark.sheet)["marks"].append({"row": mark.row - 1, "column": mark.column - 1})
    return {"sheets": [{"name": name, **parts} for name, parts in sheets.items()],
            "markFill": MARK_FILL, "owned": [owned_sheet(content) for content in plan.sheets]}


def _rules_by_range(plan: WorkbookPlan) -> dict[tuple[str, int, int, int], list[dict[str, str]]]:
    grouped: dict[tuple[str, int, int, int], list[dict[str, str]]] = {}
    for rule in plan.colour_rules:
        for column in range(rule.left, rule.right + 1):
            grouped.setdefault((rule.sheet, rule.top, column, rule.bottom), []).append(
                {"label": rule.label, "fill": rule.fill})
    return grouped


def owned_sheet(content: SheetContent) -> dict[str, Any]:
    rows = plain_rows(content.rows)
    width = len(rows[0]) if rows else 0
    return {
        "name": content.name,
        "values": rows,
        "headerRow": content.header_row - 1,
        "widths": [[column - 1, points(w)] for column, w in sorted(content.column_widths.items())],
        "columnFormats": [[column - 1, f] for column, f in sorted(content.column_formats.items())],
        "wrap": sorted(column - 1 for column in content.wrap_columns),
        "fills": [{"row": run.top - 1, "column": run.column - 1, "rows": run.height, "fill": run.fill}
                  for run in content.fills if run.height > 0],
        "links": [_link(content, link) for link in content.hyperlinks
                  if 0 < link.row <= len(rows) and 0 < link.column <= width],
    }


def _link(content: SheetContent, link) -> dict[str, Any]:
    text = content.rows[link.row - 1][link.column - 1] if link.column <= len(content.rows[link.row - 1]) else None
    shown = str(text if text not in (None, "") else link.location)
    return {"row": link.row - 1, "column": link.column - 1, "location": link.location, "text": shown}
