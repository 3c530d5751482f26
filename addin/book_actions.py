"""The ribbon scripts' logic, in plain Python over an `xw.Book`.

The same code serves the Office add-in (a values-only book that xlwings Server builds from the
JSON the Office.js client sends; every write becomes one action in the response) and desktop
xlwings ("Run main", a live COM book). It never decides *what* to write: it reads the sheets'
values into grids, asks the workbook layer for a `WorkbookPlan` (the vocabulary shared with
`kpi refresh`) and applies it:

- one `range.value = rows` per `CellBlock` (a whole column at once),
- one `range.color = fill` per `ColourRun` (a run of equal status, never a fill per cell) and per
  run of marked cells; a column with many short runs goes as one colour matrix per 10,000 cells
  instead,
- each `SheetContent` ("KPI Validation", "KPI Summary") is cleared or created and written in one
  go, with its own fills, widths and links (many links: one =HYPERLINK() column in one action),
- one short `book.app.alert(...)`.

Errors never reach the user as a traceback: `run_script` turns any exception into a one-line
alert.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from addin import task_pane
from kpi_rules.errors import KpiError
from kpi_rules.values import text_not_formula
from workbook.addresses import SUMMARY_SHEET, VALIDATION_SHEET, sheet_key
from workbook.plan.blocks import CellBlock, CellMark, SheetContent, WorkbookPlan

logger = logging.getLogger(__name__)

ALERT_TITLE = "KPI"
VERBS = {"refresh": "refresh", "validate": "validate", "summary": "summarise"}
STATUS_WORDS = {"on": "on target", "within": "within tolerance", "off": "off target",
                "none": "not assessed"}


class PlanUnavailable(KpiError):
    """The workbook layer is not installed or cannot build a plan."""


class PlanMismatch(KpiError):
    """The plan names a sheet the book sent does not have (it was renamed or removed)."""


# --- reading ---------------------------------------------------------------------------------


def read_grids(book) -> dict[str, list[list[Any]]]:
    """Every sheet's values from A1 to the end of its used range; empty cells are None."""
    grids: dict[str, list[list[Any]]] = {}
    for sheet in book.sheets:
        grids[sheet.name] = _sheet_grid(sheet)
    return grids


def _sheet_grid(sheet) -> list[list[Any]]:
    used = sheet.used_range
    values = used.options(ndim=2).value or [[]]
    top, left = used.row, used.column
    width = left - 1 + max((len(row) for row in values), default=0)
    rows = [[None] * width for _ in range(top - 1)]
    for row in values:
        cells = [None] * (left - 1) + [None if cell == "" else cell for cell in row]
        cells.extend([None] * (width - len(cells)))
        rows.append(cells)
    if rows == [[None]]:
        return []
    return rows


# --- planning --------------------------------------------------------------------------------


PARTS = {"refresh": ("results", "validation", "summary"),
         "validate": ("validation",),
         "summary": ("summary",)}


def default_planner(grids: dict[str, list[list[Any]]], part: str, book_name: str) -> WorkbookPlan:
    """The workbook layer's plan (shared with `kpi refresh`) for one ribbon button.

    Rules: `workbook.plan.build_plan` with rules=None looks for a "KPI Rules" sheet in the
    grids, else uses the defaults (a kpi.toml beside the file cannot be seen from Office.js).
    """
    try:
        from workbook.plan import build_plan
    except ImportError as exc:
        raise PlanUnavailable(
            "this installation has no workbook planner (workbook.plan.build_plan)"
        ) from exc
    return build_plan(grids, None, book_name=book_name, parts=PARTS[part], mark_cells=True)


Planner = Callable[[dict[str, list[list[Any]]], str, str], WorkbookPlan]


def select(plan: WorkbookPlan, part: str) -> WorkbookPlan:
    """The part of a plan one ribbon button writes (a guard if a planner returns more).

    refresh: everything; validate: the "KPI Validation" sheet; summary: the "KPI Summary" sheet.
    """
    if part == "refresh":
        return plan
    wanted = {"validate": VALIDATION_SHEET, "summary": SUMMARY_SHEET}[part]
    marks = plan.marks if part == "validate" else []
    return WorkbookPlan(sheets=[s for s in plan.sheets if s.name == wanted], marks=marks)


# --- applying --------------------------------------------------------------------------------


@dataclass
class Applied:
    """What was written, to check against the actions and to word the alert."""

    value_writes: int = 0
    colour_writes: int = 0
    sheets_written: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """A plan value as the engine takes it: text is never a formula ("=x", "+44", "-5 days" and
    "@risk" are written as text),
    None blanks the cell, numpy numbers become plain numbers, NaN becomes a blank."""
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


def _rows(values) -> list[list[Any]]:
    width = max((len(row) for row in values), default=0)
    return [[_plain(v) for v in row] + [""] * (width - len(row)) for row in values]


def _write(rng, rows: list[list[Any]]) -> None:
    """One setValues for the whole rectangle. `raw_value` skips xlwings' conversion, which on a
    values-only book re-reads the whole sheet for every write; `rows` are plain already."""
    rng.raw_value = rows


def _is_remote(book) -> bool:
    return type(book.impl).__module__.endswith("_xlremote")


def _width_for(book, characters: float) -> float:
    """Plan widths are in characters (as openpyxl); Office.js takes points."""
    if _is_remote(book):
        return round((characters * 7 + 5) * 0.75, 2)
    return characters


def _write_block(sheet, block: CellBlock, applied: Applied) -> None:
    if not block.height or not block.width:
        return
    rng = sheet.range((block.top, block.left), (block.bottom, block.right))
    _write(rng, _rows(block.values))
    applied.value_writes += 1
    if block.number_format:
        rng.number_format = block.number_format
    if block.bold:
        rng.font.bold = True


def _fill(sheet, column: int, top: int, height: int, fill: str | None, applied: Applied) -> None:
    if height <= 0:
        return
    sheet.range((top, column), (top + height - 1, column)).color = fill
    applied.colour_writes += 1


# Office.js applies actions one by one, each with its own sync: a column whose statuses alternate
# would cost one round trip per cell. Past this many runs in one column the add-in sends the
# column's fills as one colour matrix per 10,000 cells (xlwings' Range.set_colors, ExcelApi 1.9).
MATRIX_MIN_RUNS = 32
MATRIX_MAX_CELLS = 10_000  # xlwings' setRangeColors limit per action


def _fill_column(sheet, column: int, runs_: list[tuple[int, int, str | None]], remote: bool,
                 applied: Applied) -> None:
    """Fills (top, height, fill; None clears) down one column: one action per run, or one colour
    matrix per 10,000 rows when the column has many runs (cells between runs keep theirs)."""
    if not remote or len(runs_) < MATRIX_MIN_RUNS:
        for top, height, fill in runs_:
            _fill(sheet, column, top, height, fill, applied)
        return
    top = min(start for start, _, _ in runs_)
    bottom = max(start + height - 1 for start, height, _ in runs_)
    fills: list[Any] = [...] * (bottom - top + 1)  # Ellipsis = keep the cell's fill
    for start, height, fill in runs_:
        fills[start - top:start - top + height] = [fill] * height
    for start in range(0, len(fills), MATRIX_MAX_CELLS):
        chunk = fills[start:start + MATRIX_MAX_CELLS]
        first = top + start
        rng = sheet.range((first, column), (first + len(chunk) - 1, column))
        rng.set_colors([[fill] for fill in chunk])
        applied.colour_writes += 1


def _by_column(runs_) -> dict[tuple[str, int], list[tuple[int, int, str | None]]]:
    """(sheet, column, top, height, fill) runs grouped by column."""
    grouped: dict[tuple[str, int], list[tuple[int, int, str | None]]] = {}
    for sheet, column, top, height, fill in runs_:
        if height > 0:
            grouped.setdefault((sheet, column), []).append((top, height, fill))
    return grouped


def _sheet_by_name(book, name: str):
    for sheet in book.sheets:
        if sheet_key(sheet.name) == sheet_key(name):
            return sheet
    return None


def _write_sheet(book, content: SheetContent, applied: Applied) -> None:
    sheet = _sheet_by_name(book, content.name)
    if sheet is None:
        sheet = book.sheets.add(content.name, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.clear()
    if content.rows:
        rows = _rows(content.rows)
        _write(sheet.range((1, 1), (len(rows), len(rows[0]))), rows)
        applied.value_writes += 1
        sheet.range((1, 1), (1, len(rows[0]))).font.bold = True
    for column, width in sorted(content.column_widths.items()):
        sheet.range((1, column)).column_width = _width_for(book, width)
    links = [link for link in content.hyperlinks if _inside(content, link)]
    if _is_remote(book) and len(links) >= LINK_FORMULA_MIN:
        _link_formulas(sheet, content, links)
    else:
        for link in links:
            text = content.rows[link.row - 1][link.column - 1]
            sheet.range((link.row, link.column)).add_hyperlink(
                "#" + link.location,
                text_to_display=str(text if text not in (None, "") else link.location),
                screen_tip=f"Go to {link.location}",
            )
    for run in content.fills:
        _fill(sheet, run.column, run.top, run.height, run.fill, applied)
    applied.sheets_written.append(content.name)


# Office.js sets one hyperlink per action (one sync each); past this many links in a sheet the
# add-in writes each link column as =HYPERLINK() formulas in one setFormula action instead.
LINK_FORMULA_MIN = 8


def _link_formulas(sheet, content: SheetContent, links: list) -> None:
    by_column: dict[int, dict[int, Any]] = {}
    for link in links:
        by_column.setdefault(link.column, {})[link.row] = link
    for column, by_row in sorted(by_column.items()):
        top, bottom = min(by_row), max(by_row)
        formulas = []
        for row in range(top, bottom + 1):
            cells = content.rows[row - 1]
            text = cells[column - 1] if column <= len(cells) else None
            link = by_row.get(row)
            if link is None:
                formulas.append([_plain(text)])
                continue
            shown = str(text if text not in (None, "") else link.location)
            target = ("#" + link.location).replace('"', '""')
            formulas.append([f'=HYPERLINK("{target}","{shown.replace(chr(34), chr(34) * 2)}")'])
        sheet.range((top, column), (bottom, column)).impl.formula = formulas


def _inside(content: SheetContent, link) -> bool:
    return 0 < link.row <= len(content.rows) and 0 < link.column <= len(content.rows[link.row - 1])


def apply_plan(book, plan: WorkbookPlan) -> Applied:
    """Write a plan into a book: one value write per block, one fill per colour run."""
    applied = Applied()
    # Resolve every target sheet before the first write, so a bad plan writes nothing.
    sheets: dict[str, Any] = {}
    for name in {b.sheet for b in plan.blocks} | {r.sheet for r in plan.colour_runs} | \
            {m.sheet for m in plan.marks}:
        sheet = _sheet_by_name(book, name)
        if sheet is None:
            raise PlanMismatch(f"the plan writes to a sheet that is not in the book: {name!r}")
        sheets[name] = sheet

    for block in plan.blocks:
        _write_block(sheets[block.sheet], block, applied)
    status_fills = [(r.sheet, r.column, r.top, r.height, r.fill) for r in plan.colour_runs]
    for runs_ in (status_fills, mark_runs(plan.marks)):
        for (name, column), column_runs in _by_column(runs_).items():
            _fill_column(sheets[name], column, column_runs, _is_remote(book), applied)
    for content in plan.sheets:
        _write_sheet(book, content, applied)
    return applied


def mark_runs(marks: list[CellMark]) -> list[tuple[str, int, int, int, str | None]]:
    """Marks as (sheet, column, top, height, fill): one action per run of adjacent equal marks."""
    found: list[list] = []
    for mark in sorted(marks, key=lambda m: (m.sheet, m.column, m.row)):
        last = found[-1] if found else None
        if last and (last[0], last[1], last[4]) == (mark.sheet, mark.column, mark.fill) \
                and last[2] + last[3] == mark.row:
            last[3] += 1
        else:
            found.append([mark.sheet, mark.column, mark.row, 1, mark.fill])
    return [tuple(run) for run in found]


# --- messages --------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def refresh_message(plan: WorkbookPlan, applied: Applied) -> str:
    counts = plan.counts
    if counts is None or not counts.indicators:
        return "No KPI table found: nothing to refresh. Check the header row (Actual, Target...)."
    parts = [f"{n} {STATUS_WORDS[code]}" for code, n in counts.statuses.items() if n]
    message = f"Refreshed {_plural(counts.indicators, 'indicator')}"
    if parts:
        message += ": " + ", ".join(parts)
    message += "."
    if plan.status_changes:
        message += f" {_plural(len(plan.status_changes), 'typed status')} replaced."
    return message


def validation_message(plan: WorkbookPlan) -> str:
    counts = plan.counts
    if counts is None or not counts.findings:
        return "No findings: commentary is complete."
    errors = counts.severities["error"]
    message = f"{_plural(counts.findings, 'finding')}"
    if errors:
        message += f" ({_plural(errors, 'error')})"
    return message + f": see the '{VALIDATION_SHEET}' sheet."


def summary_message(plan: WorkbookPlan) -> str:
    if not any(s.name == SUMMARY_SHEET for s in plan.sheets):
        return "No KPI table found: nothing to summarise."
    return f"Summary written to the '{SUMMARY_SHEET}' sheet."


# --- the three scripts -------------------------------------------------------------------------


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that describe the workbook or its rules (no KPI table, a bad "KPI Rules" sheet)."""
    errors: list[type[BaseException]] = [KpiError]
    try:
        from workbook.read.tables import LayoutError

        errors.append(LayoutError)
    except ImportError:
        pass
    try:
        from kpi_rules import RulesError

        errors.append(RulesError)
    except ImportError:
        pass
    return tuple(errors)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def run_script(book, part: str, planner: Planner | None = None) -> Applied | None:
    """Plan and apply one ribbon button's part; always ends in one alert, never a traceback."""
    planner = planner or default_planner
    try:
        grids = read_grids(book)
        plan = planner(grids, part, book.name)
        chosen = select(plan, part)
        applied = apply_plan(book, chosen)
        if part == "refresh":
            message = refresh_message(plan, applied)
        elif part == "validate":
            message = validation_message(plan)
        else:
            message = summary_message(plan)
    except PlanUnavailable as exc:
        logger.error("KPI %s: %s", part, exc)
        _fail(book, part, f"KPI add-in is not fully installed: {_one_line(exc)}.")
        return None
    except Exception as exc:  # the user sees one line, the log keeps the traceback
        if isinstance(exc, _user_errors()):  # the workbook's or the rules' fault: no traceback
            logger.warning("KPI %s: %s", part, _one_line(exc))
            reason = _one_line(exc)
        else:  # a bug: Python's own words ("object of type 'bool' has no len()") stay in the log
            logger.exception("KPI %s failed", part)
            reason = "an internal error, logged on the server for IT"
        _fail(book, part, f"Could not {VERBS[part]} the KPIs: {reason}")
        return None
    _tell_pane(book, task_pane.run_result(chosen_for_pane(plan, part), part, message, book.name))
    book.app.alert(message, title=ALERT_TITLE)
    return applied


def chosen_for_pane(plan: WorkbookPlan, part: str) -> WorkbookPlan:
    """What the pane shows of a run: its counts and rules; the findings when it wrote them."""
    if part == "summary":
        return WorkbookPlan(counts=plan.counts, rules=plan.rules)
    return plan


def _fail(book, part: str, message: str) -> None:
    _tell_pane(book, task_pane.failed_result(part, message, book.name))
    book.app.alert(message, title=ALERT_TITLE)


def _tell_pane(book, result: dict) -> None:
    """The run's result for the task pane: one runMacro action calling its registered callback
    (Office.js only; desktop xlwings has no pane)."""
    if _is_remote(book):
        book.app.macro(task_pane.PANE_CALLBACK)(task_pane.as_text(result))


def refresh_statuses(book, planner: Planner | None = None) -> Applied | None:
    return run_script(book, "refresh", planner)


def validate_commentary(book, planner: Planner | None = None) -> Applied | None:
    return run_script(book, "validate", planner)


def summary(book, planner: Planner | None = None) -> Applied | None:
    return run_script(book, "summary", planner)
