"""Validate commentary marks each off-target indicator without commentary, and a later run clears
the marks it made once the commentary is written (never a cell it did not mark)."""

from __future__ import annotations

import openpyxl
import xlwings as xw

from addin import book_actions
from tests.action_replay import replay_file
from tests.addin_support import KPI_SHEET, book_json, grids_from_xlsx, make_kpi_workbook
from workbook.addresses import split_location
from workbook.plan.validation import HEADER_ROW, MARK_FILL

MISSING = "G7"  # ICT 01: 60% against 80% and no commentary


def validate(grids):
    book = xw.Book(json=book_json(grids))
    book_actions.validate_commentary(book)
    return book.json()["actions"]


def fill(path, cell):
    found = openpyxl.load_workbook(path)[KPI_SHEET][cell].fill
    return found.fgColor.rgb[-6:] if found.fill_type == "solid" else None


def marked_places(path):
    """(sheet, cell) of each finding the validation sheet records as marked."""
    rows = list(openpyxl.load_workbook(path)["KPI Validation"].iter_rows(values_only=True))
    header = rows[HEADER_ROW - 1]
    at = header.index("Marked"), header.index("Cell")
    return {split_location(row[at[1]]) for row in rows[HEADER_ROW:] if row[at[0]] == "yes"}


def marked_cells(path):
    return {cell for _, cell in marked_places(path)}


def test_missing_commentary_is_marked_then_cleared_when_written(tmp_path):
    source = make_kpi_workbook(tmp_path / "kpis.xlsx")
    once = tmp_path / "once.xlsx"
    replay_file(source, validate(grids_from_xlsx(source)), once)
    assert fill(once, MISSING) == MARK_FILL.lstrip("#")
    assert marked_cells(once) == {MISSING}
    assert fill(once, "G5") is None  # commentary present: not marked

    grids = grids_from_xlsx(once)
    grids[KPI_SHEET][6][6] = "Two vacancies filled in October"  # the officer explains
    twice = tmp_path / "twice.xlsx"
    actions = validate(grids)
    clears = [a for a in actions if a["func"] == "setRangeColor" and a["args"][0] is None]
    assert len(clears) == 1
    replay_file(once, actions, twice)
    assert fill(twice, MISSING) is None
    assert marked_cells(twice) == set()


def test_a_cell_the_add_in_did_not_mark_is_never_cleared(tmp_path):
    source = make_kpi_workbook(tmp_path / "kpis.xlsx")
    grids = grids_from_xlsx(source)
    # A "KPI Validation" sheet from `kpi refresh` (the file path marks nothing) lists G7 unmarked.
    grids["KPI Validation"] = [["Severity", "Sheet", "Cell", "Reference", "Finding", "Message",
                                "Marked"],
                               ["warning", KPI_SHEET, "D9", "REV 01", "missing_actual", "x", None]]
    actions = validate(grids)
    assert not [a for a in actions if a["func"] == "setRangeColor" and a["args"][0] is None]


def test_text_that_looks_like_a_formula_is_written_as_text():
    assert [book_actions._plain(v) for v in ("=SUM(A1)", "+44 20", "-5 days", "@risk", "ok")] == \
        ["'=SUM(A1)", "'+44 20", "'-5 days", "'@risk", "ok"]


def test_many_scattered_marks_go_as_one_colour_matrix_and_keep_other_fills(tmp_path):
    """Office.js syncs once per action: 60 scattered marks must not cost 60 round trips."""
    source = tmp_path / "big.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "KPIs"
    sheet.append(["Ref", "Indicator", "Polarity", "Actual", "Target", "Commentary"])
    for i in range(120):  # even rows off target without commentary, odd rows on target
        sheet.append([f"K{i:03d}", f"Indicator {i}", "Bigger", 50 if i % 2 == 0 else 90, 80, None])
    own = openpyxl.styles.PatternFill(fill_type="solid", start_color="FFFF00", end_color="FFFF00")
    sheet["F3"].fill = own  # the officer's own yellow on an on-target row's commentary cell
    book.save(source)

    actions = validate(grids_from_xlsx(source))
    matrices = [a for a in actions if a["func"] == "setRangeColors"]
    single = [a for a in actions if a["func"] == "setRangeColor"]
    assert len(matrices) == 1 and len(single) < 5
    once = tmp_path / "once.xlsx"
    replay_file(source, actions, once)
    cells = openpyxl.load_workbook(once)["KPIs"]
    marked = {f"F{row}" for row in range(2, 122) if cells[f"F{row}"].fill.fill_type == "solid"
              and cells[f"F{row}"].fill.fgColor.rgb[-6:] == MARK_FILL.lstrip("#")}  # fmt: skip
    assert marked == {f"F{2 + i}" for i in range(0, 120, 2)} == marked_cells_on(once, "KPIs")
    assert cells["F3"].fill.fgColor.rgb[-6:] == "FFFF00"

    grids = grids_from_xlsx(once)
    for row in grids["KPIs"][1::2]:  # every off-target row gets its explanation
        row[5] = "Explained"
    twice = tmp_path / "twice.xlsx"
    replay_file(once, validate(grids), twice)
    cells = openpyxl.load_workbook(twice)["KPIs"]
    assert all(cells[f"F{row}"].fill.fill_type is None for row in range(2, 122, 2))
    assert cells["F3"].fill.fgColor.rgb[-6:] == "FFFF00"


def marked_cells_on(path, sheet):
    return {cell for on, cell in marked_places(path) if on == sheet}
