"""The ribbon scripts' applier (addin/book_actions.py) on the values-only book xlwings Server
builds from the Office.js JSON: which actions come back, and what they do to a workbook."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import python_calamine
import xlwings as xw
from openpyxl import load_workbook

from addin import book_actions
from kpi_rules import Counts
from tests.action_replay import plans, replay, replay_file
from tests.addin_support import (
    KPI_SHEET,
    REPO,
    book_json,
    formats_from_xlsx,
    grids_from_xlsx,
    make_kpi_workbook,
)
from workbook.plan.blocks import (
    CellBlock,
    ColourRun,
    Hyperlink,
    SheetContent,
    StatusColourRule,
    WorkbookPlan,
)


def _book(grids=None):
    grids = grids or {
        "KPIs": [["", "", ""], ["Ref", "Actual", "Target"], ["A1", 3, 4], ["A2", 5, 4]],
        "KPI Summary": [["old"]],
    }
    return xw.Book(json=book_json(grids))


def _actions(book):
    return book.json()["actions"]


def _funcs(actions):
    return [a["func"] for a in actions]


HAND_PLAN = WorkbookPlan(
    blocks=[
        CellBlock("KPIs", 2, 4, (("KPI status",),), bold=True),
        CellBlock("KPIs", 3, 4, (("Within",), ("=On",))),
        CellBlock("KPIs", 3, 5, ((-0.25,), (0.25,)), number_format="0.0%"),
    ],
    colour_rules=[StatusColourRule("KPIs", 3, 4, 4, 4, "Within", "within", "#FFC000"),
                  StatusColourRule("KPIs", 3, 4, 4, 4, "On", "on", "#00B050")],
    sheets=[
        SheetContent("KPI Summary", [["Status", "Count"], ["On", 1], ["Within", 1]],
                     column_widths={1: 20}, fills=[ColourRun("KPI Summary", 2, 1, 1, "on", "#00B050")]),
        SheetContent("KPI Validation", [["Severity", "Cell"], ["error", "D4"]],
                     hyperlinks=[Hyperlink(2, 2, "'KPIs'!D4")]),
    ],
    counts=Counts(indicators=2, tables=1, statuses={"on": 1, "within": 1, "off": 0, "none": 0},
                  severities={"error": 1, "warning": 0, "info": 0}, codes={"unit_mismatch": 1}),
)


def test_the_answer_is_one_plan_and_one_alert():
    """However many blocks and colours: one runMacro action for kpiApplyPlan, then the task
    pane's result and the alert."""
    book = _book()
    applied = book_actions.refresh_statuses(book, planner=lambda g, part, name: HAND_PLAN)
    actions = _actions(book)
    assert [(a["func"], a["args"][0]) for a in actions[:2]] == [("runMacro", "kpiApplyPlan"),
                                                                 ("runMacro", "kpiShowRun")]
    assert _funcs(actions)[2:] == ["alert"]
    [plan] = plans(actions)
    [sheet] = plan["sheets"]
    assert sheet["name"] == "KPIs" and len(sheet["blocks"]) == len(HAND_PLAN.blocks)
    assert applied.value_writes == len(HAND_PLAN.blocks) + len(HAND_PLAN.sheets)
    first = sheet["blocks"][0]
    assert (first["row"], first["column"], first["bold"]) == (1, 3, True)  # 0-based D2
    assert sheet["blocks"][1]["values"] == [["Within"], ["'=On"]]  # text, never a formula
    assert sheet["statusRules"] == [{"row": 2, "column": 3, "rows": 2, "rules": [
        {"label": "Within", "fill": "#FFC000"}, {"label": "On", "fill": "#00B050"}]}]
    assert [owned["name"] for owned in plan["owned"]] == ["KPI Summary", "KPI Validation"]
    assert plan["owned"][0]["widths"] == [[0, 108.75]]  # 20 characters in points


def test_replayed_plan_lands_in_the_right_cells(tmp_path):
    book = _book()
    book_actions.refresh_statuses(book, planner=lambda g, part, name: HAND_PLAN)
    wb = load_workbook(make_kpi_workbook(tmp_path / "x.xlsx"))  # any workbook with two sheets
    wb.remove(wb.worksheets[0])
    wb.worksheets[0].title = "KPI Summary"
    wb.create_sheet("KPIs", 0)
    alerts = replay(wb, _actions(book))
    kpis, summary, validation = wb["KPIs"], wb["KPI Summary"], wb["KPI Validation"]
    assert [kpis["D2"].value, kpis["D3"].value, kpis["D4"].value] == ["KPI status", "Within", "=On"]
    rules = {str(cf.sqref): [r.formula for r in cf.rules] for cf in kpis.conditional_formatting}
    assert rules == {"D3:D4": [['"Within"'], ['"On"']]}
    assert kpis["E3"].number_format == "0.0%"
    assert summary["A1"].value == "Status" and summary["B3"].value == 1
    assert summary["A2"].fill.start_color.rgb.endswith("00B050")
    assert validation["B2"].value == "D4" and validation["B2"].hyperlink.target == "#'KPIs'!D4"
    assert alerts and alerts[0].startswith("Refreshed 2 indicators")


@pytest.mark.parametrize("error", [ValueError("bad\nthings happened"), KeyError("x"), ZeroDivisionError()])
def test_any_failure_is_one_alert_and_no_writes(error):
    def planner(grids, part, name):
        raise error

    book = _book()
    assert book_actions.summary(book, planner=planner) is None
    actions = _actions(book)
    assert _funcs(actions) == ["runMacro", "alert"]  # the task pane is told too, nothing written
    message = actions[1]["args"][0]
    assert "\n" not in message and "Traceback" not in message and message.startswith("Could not")
    assert "happened" not in message and "'x'" not in message and "internal error" in message
    told = json.loads(actions[0]["args"][1])
    assert actions[0]["args"][0] == "kpiShowRun" and told["error"] and told["message"] == message


def test_plan_for_a_missing_sheet_writes_nothing():
    plan = WorkbookPlan(blocks=[CellBlock("KPIs", 1, 1, (("x",),))],
                        colour_rules=[StatusColourRule("Gone", 1, 1, 1, 1, "On", "on", "#00B050")])
    book = _book()
    book_actions.refresh_statuses(book, planner=lambda g, part, name: plan)
    actions = _actions(book)
    assert _funcs(actions) == ["runMacro", "alert"] and "Gone" in actions[1]["args"][0]


@pytest.mark.parametrize("formats", ["text", {"KPIs": "x"}, {"KPIs": [[0, [["0%", 0]]]]},
                                     {"KPIs": [[-1, [["0%", 1]]]]}, {"KPIs": [[0, [[5, 1]]]]}])
def test_unreadable_number_formats_are_a_one_line_alert(formats):
    book = _book()
    assert book_actions.refresh_statuses(book, formats=formats) is None
    actions = _actions(book)
    assert plans(actions) == [] and _funcs(actions)[-1] == "alert"
    assert "number formats" in actions[-1]["args"][0]


def test_read_grids_gives_values_from_a1_with_none_for_empty():
    grids = book_actions.read_grids(_book())
    assert grids["KPIs"][0] == [None, None, None]
    assert grids["KPIs"][2] == ["A1", 3, 4]


# --- with the real workbook layer --------------------------------------------------------------------


@pytest.fixture
def kpi_book(tmp_path):
    path = make_kpi_workbook(tmp_path / "kpis.xlsx")
    return path, grids_from_xlsx(path)


def test_refresh_on_a_real_workbook(kpi_book, tmp_path):
    path, grids = kpi_book
    book = xw.Book(json=book_json(grids))
    applied = book_actions.refresh_statuses(book, formats=formats_from_xlsx(path))
    actions = _actions(book)
    assert applied is not None, actions[-1]
    [plan] = plans(actions)
    assert [s["marks"] for s in plan["sheets"]] == [[]]  # only Validate marks cells
    alerts = replay_file(path, actions, tmp_path / "replayed.xlsx")
    assert len(alerts) == 1 and alerts[0].startswith("Refreshed 6 indicators")
    wb = load_workbook(tmp_path / "replayed.xlsx")
    sheet = wb[KPI_SHEET]
    header = [c.value for c in sheet[4]]
    status_col = header.index("KPI status") + 1
    statuses = [sheet.cell(row=r, column=status_col).value for r in range(5, 11)]
    assert statuses[2] == "Off target" and statuses[5] == "Not assessed"
    rules = {r.formula[0]: r.dxf.fill.start_color.rgb for cf in sheet.conditional_formatting for r in cf.rules}
    assert rules['"Off target"'].endswith("FF0000")
    assert "KPI Validation" in wb.sheetnames and "KPI Summary" in wb.sheetnames


def test_validate_and_summary_write_only_their_sheet(kpi_book):
    """Besides its own sheet, Validate only marks the missing-commentary cell (G7)."""
    path, grids = kpi_book
    for script, sheet in ((book_actions.validate_commentary, "KPI Validation"),
                          (book_actions.summary, "KPI Summary")):
        book = xw.Book(json=book_json(grids))
        script(book, formats=formats_from_xlsx(path))
        actions = _actions(book)
        [plan] = plans(actions)
        assert [owned["name"] for owned in plan["owned"]] == [sheet]
        writes = [(s["name"], s["blocks"], s["statusRules"], s["marks"]) for s in plan["sheets"]]
        if script is book_actions.validate_commentary:
            assert writes == [(KPI_SHEET, [], [], [{"row": 6, "column": 6}])]  # 0-based G7
        else:
            assert writes == []
        assert _funcs(actions)[-1] == "alert"


def test_second_refresh_rewrites_the_same_workbook(kpi_book, tmp_path):
    path, grids = kpi_book
    book = xw.Book(json=book_json(grids))
    book_actions.refresh_statuses(book, formats=formats_from_xlsx(path))
    replay_file(path, _actions(book), tmp_path / "once.xlsx")
    again = xw.Book(json=book_json(grids_from_xlsx(tmp_path / "once.xlsx")))
    book_actions.refresh_statuses(again, formats=formats_from_xlsx(tmp_path / "once.xlsx"))
    replay_file(tmp_path / "once.xlsx", _actions(again), tmp_path / "twice.xlsx")
    once, twice = grids_from_xlsx(tmp_path / "once.xlsx"), grids_from_xlsx(tmp_path / "twice.xlsx")
    assert once == twice
    rules = [[str(cf.sqref) for cf in load_workbook(p)[KPI_SHEET].conditional_formatting]
             for p in (tmp_path / "once.xlsx", tmp_path / "twice.xlsx")]
    assert rules[0] == rules[1] and len(rules[0]) == 1  # replaced, not added again


def _values(path):
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names}


def test_addin_refresh_matches_kpi_refresh(kpi_book, tmp_path, monkeypatch):
    """The same cells as `kpi refresh` writes to a file, messages and percentage points
    included (the number formats travel with the request); in process, without a browser
    (tests/test_addin_browser.py runs the real JavaScript)."""
    path, grids = kpi_book
    out = tmp_path / "cli.xlsx"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760000000")  # one "Run on" for both runs
    done = subprocess.run([sys.executable, "-m", "kpi_cli.main", "refresh", str(path), "-o", str(out)],
                          check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    book = xw.Book(json=book_json(grids))
    book_actions.refresh_statuses(book, formats=formats_from_xlsx(path))
    replay_file(path, _actions(book), tmp_path / "addin.xlsx")
    assert _values(tmp_path / "addin.xlsx") == _values(out)


def test_a_clean_book_says_no_findings_and_counts_come_from_the_check():
    grids = {"KPIs": [["Ref", "Indicator", "Polarity", "Actual", "Target", "Commentary"],
                      ["A1", "Calls answered", "Bigger", 95, 90, None],
                      ["A2", "Complaints", "Smaller", 10.5, 10, "Winter peak"]]}
    book = _book(grids)
    book_actions.validate_commentary(book)
    assert _actions(book)[-1]["args"][0] == "No findings: commentary is complete."
    book = _book(grids)
    book_actions.refresh_statuses(book)
    assert _actions(book)[-1]["args"][0] == "Refreshed 2 indicators: 1 on target, 1 within tolerance."


def test_a_sheet_named_in_other_case_is_the_product_sheet():
    """Excel's sheet names are case-insensitive: "kpi summary" is the KPI Summary sheet, so the
    button rewrites it instead of failing to add a second one."""
    grids = {"KPIs": [["Ref", "Indicator", "Polarity", "Actual", "Target"],
                      ["A1", "Calls answered", "Bigger", 95, 90]],
             "kpi summary": [["old"]]}
    book = _book(grids)
    book_actions.summary(book)
    actions = _actions(book)
    assert [owned["name"] for owned in plans(actions)[0]["owned"]] == ["KPI Summary"]
    assert actions[-1]["args"][0] == "Summary written to the 'KPI Summary' sheet."


def test_a_percentage_against_a_whole_number_is_a_unit_mismatch_once_formats_are_sent():
    """0.35 formatted as 35% against a target of 35: a unit mismatch, as `kpi validate` finds
    in the file; without the formats the add-in cannot know 0.35 is a percentage."""
    grids = {"KPIs": [["Ref", "Indicator", "Polarity", "Actual", "Target", "Commentary"],
                      ["A1", "Rate", "Bigger", 0.35, 35, "Noted"]]}
    formats = {"KPIs": [[3, [["General", 1], ["0%", 1]]]]}
    codes = []
    for sent in (None, formats):
        plan = book_actions.default_planner(book_actions.read_grids(_book(grids), sent), "validate", "x.xlsx")
        codes.append(plan.counts.codes.get("unit_mismatch", 0))
    assert codes[0] == 0 and codes[1] == 1
