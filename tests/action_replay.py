"""Replay the ribbon scripts' answer (what Excel would do with it) on a workbook file, without a
browser: lets a test compare what a button changes with what `kpi refresh` writes to a file.

The answer is xlwings actions: one `runMacro("kpiApplyPlan", plan)`, one
`runMacro("kpiShowRun", result)` for the task pane and one `alert`. The plan
(addin/office_plan.py) is applied here with the semantics of ribbon.js' kpiApplyPlan: values
("" empties a cell, a leading apostrophe makes the rest literal text), number formats, bold,
status colours and marks as conditional formats (earlier ones of ours replaced), our two sheets
cleared or added at the end. Anything else raises, so a new kind of write cannot slip through
untested. The browser test (tests/test_addin_browser.py) runs the real JavaScript.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter


def _value(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    if isinstance(value, str) and value.startswith("="):
        raise ValueError(f"a formula reached the workbook: {value!r}")
    return value


def _ref(row: int, column: int, rows: int = 1, columns: int = 1) -> str:
    first = f"{get_column_letter(column + 1)}{row + 1}"
    last = f"{get_column_letter(column + columns)}{row + rows}"
    return first if first == last else f"{first}:{last}"


def _fill(colour: str) -> PatternFill:
    rgb = colour.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb, bgColor=rgb)


def _write_block(ws, block: dict[str, Any]) -> None:
    for r, cells in enumerate(block["values"]):
        for c, value in enumerate(cells):
            cell = ws.cell(row=block["row"] + r + 1, column=block["column"] + c + 1)
            cell.value = _value(value)
            if block["numberFormat"]:
                cell.number_format = block["numberFormat"]
            if block["bold"]:
                cell.font = Font(bold=True)


def _overlaps(sqref, area: dict[str, Any]) -> bool:
    for bounds in sqref.ranges:
        if bounds.min_col <= area["column"] + 1 <= bounds.max_col and \
                bounds.min_row <= area["row"] + area["rows"] and area["row"] + 1 <= bounds.max_row:
            return True
    return False


def _drop_rules(ws, areas: list[dict[str, Any]], ours) -> None:
    """Remove the conditional formats `ours(rule)` that overlap any of `areas`."""
    kept = []
    for formatting in ws.conditional_formatting:
        for rule in formatting.rules:
            if not (ours(rule) and any(_overlaps(formatting.sqref, a) for a in areas)):
                kept.append((str(formatting.sqref), rule))
    ws.conditional_formatting._cf_rules.clear()
    for ref, rule in kept:
        ws.conditional_formatting.add(ref, rule)


def _is_status_rule(rule) -> bool:
    formula = rule.formula[0] if rule.formula else ""
    return rule.type == "cellIs" and rule.operator == "equal" and formula.startswith('"') and formula != '""'


def _is_mark(rule) -> bool:
    return rule.type == "cellIs" and rule.operator == "equal" and rule.formula == ['""']


def _apply_sheet(ws, sheet: dict[str, Any], mark_fill: str) -> None:
    for block in sheet["blocks"]:
        _write_block(ws, block)
    _drop_rules(ws, sheet["statusRules"], _is_status_rule)
    _drop_rules(ws, sheet["markColumns"], _is_mark)
    for area in sheet["statusRules"]:
        for rule in area["rules"]:
            quoted = '"' + rule["label"].replace('"', '""') + '"'
            ws.conditional_formatting.add(_ref(area["row"], area["column"], area["rows"]),
                                          CellIsRule(operator="equal", formula=[quoted], fill=_fill(rule["fill"])))
    for mark in sheet["marks"]:
        ws.conditional_formatting.add(_ref(mark["row"], mark["column"]),
                                      CellIsRule(operator="equal", formula=['""'], fill=_fill(mark_fill)))


def _apply_owned(wb: Workbook, owned: dict[str, Any]) -> None:
    existing = next((ws for ws in wb.worksheets if ws.title.lower() == owned["name"].lower()), None)
    if existing is not None:
        index = wb.worksheets.index(existing)
        wb.remove(existing)
        ws = wb.create_sheet(title=existing.title, index=index)
    else:
        ws = wb.create_sheet(title=owned["name"])
    for r, cells in enumerate(owned["values"]):
        for c, value in enumerate(cells):
            ws.cell(row=r + 1, column=c + 1).value = _value(value)
    width = len(owned["values"][0]) if owned["values"] else 0
    for c in range(width):
        ws.cell(row=owned["headerRow"] + 1, column=c + 1).font = Font(bold=True)
    for column, fmt in owned["columnFormats"]:
        for r in range(owned["headerRow"] + 1, len(owned["values"])):
            ws.cell(row=r + 1, column=column + 1).number_format = fmt
    for column, points in owned["widths"]:
        ws.column_dimensions[get_column_letter(column + 1)].width = round(max(0.0, (points / 0.75 - 5) / 7), 2)
    for run in owned["fills"]:
        for r in range(run["rows"]):
            ws.cell(row=run["row"] + r + 1, column=run["column"] + 1).fill = _fill(run["fill"])
    for link in owned["links"]:
        cell = ws.cell(row=link["row"] + 1, column=link["column"] + 1)
        cell.hyperlink = "#" + link["location"]
        cell.value = link["text"]


def apply_office_plan(wb: Workbook, plan: dict[str, Any]) -> None:
    for sheet in plan["sheets"]:
        _apply_sheet(wb[sheet["name"]], sheet, plan["markFill"])
    for owned in plan["owned"]:
        _apply_owned(wb, owned)


def plans(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plans the answer hands to kpiApplyPlan."""
    return [a["args"][1] for a in actions if a["func"] == "runMacro" and a["args"][0] == "kpiApplyPlan"]


def replay(wb: Workbook, actions: list[dict[str, Any]]) -> list[str]:
    """Apply an answer's actions to an openpyxl workbook in order; returns the alert messages."""
    alerts: list[str] = []
    for action in actions:
        if action["func"] == "alert":
            alerts.append(action["args"][0])
        elif action["func"] == "runMacro" and action["args"][0] == "kpiApplyPlan":
            apply_office_plan(wb, action["args"][1])
        elif action["func"] == "runMacro" and action["args"][0] == "kpiShowRun":
            continue  # the task pane's callback: it writes nothing into the book
        else:
            raise ValueError(f"action {action['func']!r} is not replayed")
    return alerts


def replay_file(source: str | Path, actions: list[dict[str, Any]], target: str | Path) -> list[str]:
    """Load `source`, replay the actions, save to `target`; returns the alert messages."""
    wb = load_workbook(source)
    alerts = replay(wb, actions)
    wb.save(target)
    return alerts
