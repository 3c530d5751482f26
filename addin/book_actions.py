"""The ribbon scripts' logic, in plain Python over an `xw.Book`.

The same code serves the Office add-in (a values-only book that xlwings Server builds from the
JSON the Office.js client sends) and desktop xlwings ("Run main", a live COM book). It never
decides *what* to write: it reads the sheets' values into grids (with the number formats our
Office.js code sends along, so percentages are recognised as in the file), asks the workbook
layer for a `WorkbookPlan` (the vocabulary shared with `kpi refresh`) and hands it over:

- in Office: the whole plan as ONE `runMacro` action for our callback `kpiApplyPlan`
  (static/js/ribbon.js), which applies it inside one `Excel.run` with two `context.sync()`
  calls whatever the size of the sheet (addin/office_plan.py says what it holds);
- on the desktop: one write per block and per colour run through xlwings.

Marks policy (docs/addin.md): only Validate commentary marks cells (an empty commentary of an
off-target indicator); Refresh statuses writes what `kpi refresh` writes, and no marks.

Errors never reach the user as a traceback: `run_script` turns any exception into a one-line
alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from addin import task_pane
from addin.office_plan import office_plan, plain_rows
from kpi_rules.errors import KpiError
from workbook.addresses import SUMMARY_SHEET, VALIDATION_SHEET, sheet_key
from workbook.plan.blocks import CellBlock, SheetContent, WorkbookPlan

logger = logging.getLogger(__name__)

ALERT_TITLE = "KPI"
APPLY_PLAN = "kpiApplyPlan"  # the callback static/js/ribbon.js registers with xlwings
VERBS = {"refresh": "refresh", "validate": "validate", "summary": "summarise"}
STATUS_WORDS = {"on": "on target", "within": "within tolerance", "off": "off target",
                "none": "not assessed"}
# Sheets a button never reads: ours, rewritten whole (xlwings' script exclude option).
OWNED_SHEETS = f"{VALIDATION_SHEET},{SUMMARY_SHEET}"


class PlanUnavailable(KpiError):
    """The workbook layer is not installed or cannot build a plan."""


class PlanMismatch(KpiError):
    """The plan names a sheet the book sent does not have (it was renamed or removed)."""


class BadFormats(KpiError):
    """The number formats sent with the request are not in the shape ribbon.js sends."""


# --- reading ---------------------------------------------------------------------------------


def read_grids(book, formats: Any = None) -> dict[str, Any]:
    """Every sheet's values from A1 to the end of its used range (empty cells are None); with
    `formats` (ribbon.js: {sheet: [[column, [[format, rows], ...]], ...]}, 0-based columns), a
    `Grid` that knows which cells are percentages."""
    from workbook.read.formats import percent_cells_from_formats
    from workbook.read.grid import Grid

    by_sheet = _format_runs(formats)
    grids: dict[str, Any] = {}
    for sheet in book.sheets:
        values = _sheet_grid(sheet)
        if sheet.name in by_sheet:
            grids[sheet.name] = Grid(sheet.name, values,
                                     percent_cells=percent_cells_from_formats(by_sheet[sheet.name]))
        else:
            grids[sheet.name] = values
    return grids


def _format_runs(formats: Any) -> dict[str, dict[int, list[tuple[str, int]]]]:
    if formats is None:
        return {}
    if not isinstance(formats, dict):
        raise BadFormats("the number formats sent with the request are not an object")
    found: dict[str, dict[int, list[tuple[str, int]]]] = {}
    for sheet, columns in formats.items():
        found[sheet] = {}
        for entry in columns if isinstance(columns, list) else [None]:
            if not (isinstance(entry, list) and len(entry) == 2 and _index(entry[0])
                    and isinstance(entry[1], list) and all(_run(run) for run in entry[1])):
                raise BadFormats(f"the number formats sent for sheet {sheet[:40]!r} are not readable")
            found[sheet][entry[0] + 1] = [(code, count) for code, count in entry[1]]
    return found


def _index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 16_384


def _run(run: Any) -> bool:
    """[format, rows]: a format code Excel allows (255 characters) for up to a sheet's rows."""
    return (isinstance(run, list) and len(run) == 2 and isinstance(run[0], str) and len(run[0]) <= 255
            and isinstance(run[1], int) and not isinstance(run[1], bool) and 0 < run[1] <= 1_048_576)


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


def default_planner(grids: dict[str, Any], part: str, book_name: str) -> WorkbookPlan:
    """The workbook layer's plan (shared with `kpi refresh`) for one ribbon button.

    Rules: `workbook.plan.build_plan` with rules=None looks for a "KPI Rules" sheet in the
    grids, else uses the defaults (a kpi.toml beside the file cannot be seen from Office.js).
    Only Validate marks cells.
    """
    try:
        from workbook.plan import build_plan
    except ImportError as exc:
        raise PlanUnavailable(
            "this installation has no workbook planner (workbook.plan.build_plan)"
        ) from exc
    return build_plan(grids, None, book_name=book_name, parts=PARTS[part],
                      mark_cells=part == "validate")


Planner = Callable[[dict[str, Any], str, str], WorkbookPlan]


def select(plan: WorkbookPlan, part: str) -> WorkbookPlan:
    """The part of a plan one ribbon button writes (a guard if a planner returns more).

    refresh: everything; validate: the "KPI Validation" sheet and the marks; summary: the
    "KPI Summary" sheet.
    """
    if part == "refresh":
        return plan
    wanted = {"validate": VALIDATION_SHEET, "summary": SUMMARY_SHEET}[part]
    chosen = WorkbookPlan(sheets=[s for s in plan.sheets if s.name == wanted], counts=plan.counts)
    if part == "validate":
        chosen.marks, chosen.mark_columns = plan.marks, plan.mark_columns
    return chosen


# --- applying --------------------------------------------------------------------------------


@dataclass
class Applied:
    """What was written, to check against the plan and to word the alert."""

    value_writes: int = 0
    colour_writes: int = 0
    sheets_written: list[str] = field(default_factory=list)


def _is_remote(book) -> bool:
    return type(book.impl).__module__.endswith("_xlremote")


def _sheet_by_name(book, name: str):
    for sheet in book.sheets:
        if sheet_key(sheet.name) == sheet_key(name):
            return sheet
    return None


def _check_sheets(book, plan: WorkbookPlan) -> None:
    """Every sheet the plan writes into (other than ours) is in the book: else nothing is written."""
    for name in {b.sheet for b in plan.blocks} | {r.sheet for r in plan.colour_rules} | \
            {m.sheet for m in plan.marks}:
        if _sheet_by_name(book, name) is None:
            raise PlanMismatch(f"the plan writes to a sheet that is not in the book: {name!r}")


def send_plan(book, plan: WorkbookPlan) -> Applied:
    """Office: the whole plan as one runMacro action, applied by kpiApplyPlan in one batch."""
    _check_sheets(book, plan)
    book.app.macro(APPLY_PLAN)(office_plan(plan, plan.mark_columns))
    return Applied(value_writes=len(plan.blocks) + len(plan.sheets),
                   colour_writes=len(plan.colour_rules) + len(plan.marks),
                   sheets_written=[s.name for s in plan.sheets])


def apply_plan(book, plan: WorkbookPlan) -> Applied:
    """Desktop: write a plan through xlwings, one value write per block, one fill per colour
    run and per mark."""
    _check_sheets(book, plan)
    applied = Applied()
    for block in plan.blocks:
        _write_block(_sheet_by_name(book, block.sheet), block, applied)
    for run in plan.colour_runs:
        _fill(_sheet_by_name(book, run.sheet), run.column, run.top, run.height, run.fill, applied)
    for mark in plan.marks:
        _fill(_sheet_by_name(book, mark.sheet), mark.column, mark.row, 1, mark.fill, applied)
    for content in plan.sheets:
        _write_sheet(book, content, applied)
    return applied


def _write_block(sheet, block: CellBlock, applied: Applied) -> None:
    if not block.height or not block.width:
        return
    rng = sheet.range((block.top, block.left), (block.bottom, block.right))
    rng.raw_value = plain_rows(block.values)
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


def _write_sheet(book, content: SheetContent, applied: Applied) -> None:
    sheet = _sheet_by_name(book, content.name)
    if sheet is None:
        sheet = book.sheets.add(content.name, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.clear()
    if content.rows:
        rows = plain_rows(content.rows)
        sheet.range((1, 1), (len(rows), len(rows[0]))).raw_value = rows
        applied.value_writes += 1
        sheet.range((content.header_row, 1), (content.header_row, len(rows[0]))).font.bold = True
    for column, width in sorted(content.column_widths.items()):
        sheet.range((1, column)).column_width = width
    for link in content.hyperlinks:
        if 0 < link.row <= len(content.rows) and 0 < link.column <= len(content.rows[link.row - 1]):
            text = content.rows[link.row - 1][link.column - 1]
            sheet.range((link.row, link.column)).add_hyperlink(
                "#" + link.location,
                text_to_display=str(text if text not in (None, "") else link.location),
                screen_tip=f"Go to {link.location}",
            )
    for run in content.fills:
        _fill(sheet, run.column, run.top, run.height, run.fill, applied)
    applied.sheets_written.append(content.name)


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


def run_script(book, part: str, planner: Planner | None = None,
               formats: Any = None) -> Applied | None:
    """Plan and apply one ribbon button's part; always ends in one alert, never a traceback.
    `formats`: the number formats ribbon.js read with the values (Office only)."""
    planner = planner or default_planner
    try:
        grids = read_grids(book, formats)
        plan = planner(grids, part, book.name)
        chosen = select(plan, part)
        applied = send_plan(book, chosen) if _is_remote(book) else apply_plan(book, chosen)
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


def refresh_statuses(book, planner: Planner | None = None, formats: Any = None) -> Applied | None:
    return run_script(book, "refresh", planner, formats)


def validate_commentary(book, planner: Planner | None = None, formats: Any = None) -> Applied | None:
    return run_script(book, "validate", planner, formats)


def summary(book, planner: Planner | None = None, formats: Any = None) -> Applied | None:
    return run_script(book, "summary", planner, formats)
