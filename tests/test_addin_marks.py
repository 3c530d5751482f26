"""Validate commentary marks each off-target indicator without commentary, as a conditional
format "equal to empty" on its commentary cell: the mark goes as soon as the officer writes the
commentary, and the next Validate replaces the marks of the last one (never anything else: the
officer's own fills and formats stay). Refresh statuses marks nothing, as `kpi refresh`."""

from __future__ import annotations

import openpyxl
import xlwings as xw

from addin import book_actions
from addin.office_plan import plain
from tests.action_replay import plans, replay_file
from tests.addin_support import KPI_SHEET, book_json, grids_from_xlsx, make_kpi_workbook
from workbook.plan.validation import HEADER_ROW, MARK_FILL

MISSING = "G7"  # ICT 01: 60% against 80% and no commentary


def run(script, grids):
    book = xw.Book(json=book_json(grids))
    script(book)
    return book.json()["actions"]


def mark_rules(path, sheet=KPI_SHEET):
    """Cells under a mark: an "equal to empty" rule with the mark's fill."""
    found = set()
    for formatting in openpyxl.load_workbook(path)[sheet].conditional_formatting:
        for rule in formatting.rules:
            if rule.formula == ['""'] and rule.dxf.fill.start_color.rgb[-6:] == MARK_FILL.lstrip("#"):
                found.add(str(formatting.sqref))
    return found


def marked_column(path):
    rows = list(openpyxl.load_workbook(path)["KPI Validation"].iter_rows(values_only=True))
    header = rows[HEADER_ROW - 1]
    return [row[header.index("Marked")] for row in rows[HEADER_ROW:]]


def test_missing_commentary_is_marked_then_replaced_by_the_next_validate(tmp_path):
    source = make_kpi_workbook(tmp_path / "kpis.xlsx")
    once = tmp_path / "once.xlsx"
    replay_file(source, run(book_actions.validate_commentary, grids_from_xlsx(source)), once)
    assert mark_rules(once) == {MISSING}
    assert "yes" in marked_column(once)

    grids = grids_from_xlsx(once)
    grids[KPI_SHEET][6][6] = "Two vacancies filled in October"  # the officer explains
    twice = tmp_path / "twice.xlsx"
    replay_file(once, run(book_actions.validate_commentary, grids), twice)
    assert mark_rules(twice) == set()


def test_refresh_marks_nothing_and_leaves_the_marks_of_validate(tmp_path):
    source = make_kpi_workbook(tmp_path / "kpis.xlsx")
    validated = tmp_path / "validated.xlsx"
    replay_file(source, run(book_actions.validate_commentary, grids_from_xlsx(source)), validated)
    actions = run(book_actions.refresh_statuses, grids_from_xlsx(validated))
    assert all(sheet["marks"] == [] and sheet["markColumns"] == [] for sheet in plans(actions)[0]["sheets"])
    refreshed = tmp_path / "refreshed.xlsx"
    replay_file(validated, actions, refreshed)
    assert mark_rules(refreshed) == {MISSING}
    assert "yes" not in marked_column(refreshed)  # as `kpi refresh` writes the sheet


def test_the_officers_own_fills_and_rules_stay(tmp_path):
    source = make_kpi_workbook(tmp_path / "kpis.xlsx")
    book = openpyxl.load_workbook(source)
    sheet = book[KPI_SHEET]
    own = openpyxl.styles.PatternFill(fill_type="solid", start_color="FFFF00", end_color="FFFF00")
    sheet[MISSING].fill = own
    sheet.conditional_formatting.add("G5:G10", openpyxl.formatting.rule.CellIsRule(
        operator="equal", formula=['"See note"'], fill=own))
    book.save(source)
    once = tmp_path / "once.xlsx"
    replay_file(source, run(book_actions.validate_commentary, grids_from_xlsx(source)), once)
    twice = tmp_path / "twice.xlsx"
    replay_file(once, run(book_actions.validate_commentary, grids_from_xlsx(once)), twice)
    cells = openpyxl.load_workbook(twice)[KPI_SHEET]
    assert cells[MISSING].fill.fgColor.rgb[-6:] == "FFFF00"
    rules = [(str(cf.sqref), r.formula) for cf in cells.conditional_formatting for r in cf.rules]
    assert ("G5:G10", ['"See note"']) in rules and mark_rules(twice) == {MISSING}


def test_text_that_looks_like_a_formula_is_written_as_text():
    assert [plain(v) for v in ("=SUM(A1)", "+44 20", "-5 days", "@risk", "ok")] == \
        ["'=SUM(A1)", "'+44 20", "'-5 days", "'@risk", "ok"]
