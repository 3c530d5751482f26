"""What a refresh writes where, decided once for `kpi refresh` and the add-in's ribbon scripts."""

from __future__ import annotations

from kpi_rules import Rules
from workbook.check import BookCheck, check_grids
from workbook.plan.blocks import WorkbookPlan
from workbook.plan.results import plan_table, print_titles
from workbook.plan.summary import summary_sheet
from workbook.plan.validation import (
    cell_marks,
    finding_rows,
    marked_findings,
    previous_marks,
    validation_sheet,
)
from workbook.read.grid import Grid
from workbook.read.rules_source import find_rules

PARTS = ("results", "validation", "summary")


def build_plan(grids, rules: Rules | None = None, book_name: str = "workbook",
               parts: tuple[str, ...] = PARTS, mark_cells: bool = False) -> WorkbookPlan:
    """The plan for in-memory sheets: `{sheet: Grid}` or `{sheet: [[values]]}` (the add-in).

    `mark_cells`: also fill each missing commentary cell and clear the marks of the previous run
    (the add-in; the file path colours with conditional formats instead).
    """
    grids = {name: g if isinstance(g, Grid) else Grid(name, [list(r) for r in g])
             for name, g in grids.items()}  # fmt: skip
    if rules is None:
        rules = find_rules(None, None, grids)
    return plan_from_check(check_grids(grids, rules, book_name), grids, parts, mark_cells)


def plan_from_check(check: BookCheck, grids: dict[str, Grid],
                    parts: tuple[str, ...] = PARTS, mark_cells: bool = False) -> WorkbookPlan:
    plan = WorkbookPlan(counts=check.counts, rules=check.rules)
    if "results" in parts:
        for index, layout in enumerate(check.tables):
            plan_table(plan, layout, check.table_indicators(index), grids[layout.sheet], check.rules)
        plan.print_titles = print_titles(check.tables)
    if "validation" in parts:
        marked = marked_findings(check) if mark_cells else set()
        plan.findings = finding_rows(check, marked, plan.status_changes)
        plan.sheets.append(validation_sheet(check, marked, plan.status_changes,
                                            findings=plan.findings))
        if mark_cells:
            plan.marks = cell_marks(check, marked, previous_marks(grids))
            plan.mark_columns = [(t.sheet, t.columns["commentary"], t.first_row, t.last_row)
                                 for t in check.tables if "commentary" in t.columns]
    if "summary" in parts:
        plan.sheets.append(summary_sheet(check, grids))
    return plan

