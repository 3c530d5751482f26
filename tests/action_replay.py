"""Replay xlwings Server actions (what the Office.js client would do in Excel) on a workbook file.

Lets a test compare what the add-in's ribbon scripts would change in Excel with what
`kpi refresh` writes to a file. Only the actions the KPI add-in emits are supported; anything
else raises, so a new kind of write cannot slip through untested.

Semantics follow xlwings' Office.js client (static/js/custom-scripts): positions are 0-based,
`sheet_position` indexes the workbook's sheets at the time of the action, a value "" empties a
cell, a leading apostrophe makes the rest literal text, column widths are in points.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill


def _cells(ws, action: dict[str, Any]):
    top, left = action["start_row"] + 1, action["start_column"] + 1
    rows, cols = action["row_count"], action["column_count"]
    return ws.iter_rows(min_row=top, max_row=top + rows - 1, min_col=left, max_col=left + cols - 1)


def _cell_value(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _set_values(ws, action):
    values = action["values"]
    if len(values) != action["row_count"] or any(len(r) != action["column_count"] for r in values):
        raise ValueError(f"setValues: values do not match the range size: {action}")
    for row, new in zip(_cells(ws, action), values):
        for cell, value in zip(row, new):
            cell.value = _cell_value(value)


def _set_colour(ws, action):
    colour = action["args"][0]
    for row in _cells(ws, action):
        for cell in row:
            if colour is None:
                cell.fill = PatternFill(fill_type=None)
            else:
                rgb = colour.lstrip("#").upper()
                cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


def _set_colours(ws, action):
    matrix = action["args"][0]
    for row, colours in zip(_cells(ws, action), matrix):
        for cell, colour in zip(row, colours):
            if colour == "keep":
                continue
            if colour is None:
                cell.fill = PatternFill(fill_type=None)
            else:
                rgb = colour.lstrip("#").upper()
                cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


_HYPERLINK = re.compile(r'^=HYPERLINK\("((?:[^"]|"")*)","((?:[^"]|"")*)"\)$')


def _set_formulas(ws, action):
    """Constants, and =HYPERLINK("target","text") as Excel shows it: the text, linked."""
    for row, new in zip(_cells(ws, action), action["values"]):
        for cell, value in zip(row, new):
            if isinstance(value, str) and value.startswith("="):
                match = _HYPERLINK.match(value)
                if not match:
                    raise ValueError(f"formula {value!r} is not replayed")
                cell.value = match.group(2).replace('""', '"')
                cell.hyperlink = match.group(1).replace('""', '"')
            else:
                cell.value = _cell_value(value)


def _set_font(ws, action):
    prop, value = action["args"][0], action["args"][1]
    if prop != "bold":
        raise ValueError(f"setFontProperty {prop!r} is not replayed")
    for row in _cells(ws, action):
        for cell in row:
            cell.font = Font(bold=bool(value))


def _set_number_format(ws, action):
    for row in _cells(ws, action):
        for cell in row:
            cell.number_format = action["args"][0]


def _set_column_width(ws, action):
    from openpyxl.utils import get_column_letter

    characters = max(0.0, (action["args"][0] / 0.75 - 5) / 7)
    for col in range(action["start_column"] + 1,
                     action["start_column"] + action["column_count"] + 1):
        ws.column_dimensions[get_column_letter(col)].width = round(characters, 2)


def _add_hyperlink(ws, action):
    address, text = action["args"][0], action["args"][1]
    for row in _cells(ws, action):
        for cell in row:
            cell.hyperlink = address  # "#'Sheet'!A1": a link inside the book
            if text is not None:
                cell.value = text


def replay(wb: Workbook, actions: list[dict[str, Any]]) -> list[str]:
    """Apply actions to an openpyxl workbook in order; returns the alert messages."""
    alerts: list[str] = []
    for action in actions:
        func = action["func"]
        if func == "alert":
            alerts.append(action["args"][0])
            continue
        if func == "runMacro":  # the task pane's callback: it writes nothing into the book
            if action["args"][0] != "kpiShowRun":
                raise ValueError(f"runMacro of {action['args'][0]!r} is not the task pane's")
            continue
        if func == "addSheet":
            position, name = action["args"][0], action["args"][1]
            wb.create_sheet(title=name, index=position)
            continue
        ws = wb.worksheets[action["sheet_position"]]
        if func == "sheetClear":
            index, title = wb.worksheets.index(ws), ws.title
            wb.remove(ws)
            wb.create_sheet(title=title, index=index)
        elif func == "setValues":
            _set_values(ws, action)
        elif func == "setRangeColor":
            _set_colour(ws, action)
        elif func == "setFormula":
            _set_formulas(ws, action)
        elif func == "setRangeColors":
            _set_colours(ws, action)
        elif func == "setFontProperty":
            _set_font(ws, action)
        elif func == "setNumberFormat":
            _set_number_format(ws, action)
        elif func == "setColumnWidth":
            _set_column_width(ws, action)
        elif func == "addHyperlink":
            _add_hyperlink(ws, action)
        else:
            raise ValueError(f"action {func!r} is not replayed")
    return alerts


def replay_file(source: str | Path, actions: list[dict[str, Any]], target: str | Path) -> list[str]:
    """Load `source`, replay the actions, save to `target`; returns the alert messages."""
    wb = load_workbook(source)
    alerts = replay(wb, actions)
    wb.save(target)
    return alerts
