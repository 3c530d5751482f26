"""The task pane (issue 15): what each ribbon script tells it (addin/task_pane.py: one runMacro of
the pane's registered callback with the run's own result) and the page that shows it
(templates/taskpane.html, static/js/taskpane.js). The browser test clicks the pane's buttons and
its findings in the simulated Excel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xlwings as xw

from addin import book_actions, task_pane
from kpi_cli.main import main
from tests.action_replay import replay
from tests.addin_support import REPO, book_json, grids_from_xlsx
from tests.browser_support import addin_server, needs_browser, run_addin
from workbook.addresses import split_location
from workbook.plan.validation import HEADER_ROW

SAMPLE = REPO / "workbook" / "samples" / "council_kpis_q2.xlsx"


def _run(script, path: Path = SAMPLE) -> tuple[list[dict], dict]:
    book = xw.Book(json=book_json(grids_from_xlsx(path), name=path.name))
    script(book)
    actions = book.json()["actions"]
    told = [a for a in actions if a["func"] == "runMacro" and a["args"][0] != "kpiApplyPlan"]
    assert len(told) == 1 and told[0]["args"][0] == task_pane.PANE_CALLBACK
    assert actions[-1]["func"] == "alert"  # the pane is told before the alert is shown
    return actions, json.loads(told[0]["args"][1])


def _validate_json(capsys) -> dict:
    main(["validate", str(SAMPLE), "--json"])
    return json.loads(capsys.readouterr().out)


def test_validate_tells_the_pane_the_runs_counts_and_the_findings_it_wrote(capsys):
    actions, told = _run(book_actions.validate_commentary)
    document = _validate_json(capsys)
    counts = told["counts"]
    assert (counts["indicators"], counts["tables"]) == (len(document["indicators"]), len(document["tables"]))
    statuses = {s["code"]: s["count"] for s in told["counts"]["statuses"]}
    assert statuses == {code: sum(1 for i in document["indicators"] if i["status"] == code)
                        for code in ("on", "within", "off", "none")}
    assert counts["statuses"][0]["label"] == "On target"  # the book's own labels
    assert counts["findings"] == len(document["findings"]) == len(told["findings"])
    assert told["message"] == actions[-1]["args"][0]
    # The list is the one the "KPI Validation" sheet got from the same run, worst first, and each
    # finding names the sheet and cell its link goes to.
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name in grids_from_xlsx(SAMPLE):
        wb.create_sheet(name)
    replay(wb, [a for a in actions if a["func"] != "setFormula"])
    sheet = wb["KPI Validation"]
    written = [(row[0].value, row[3].value, row[4].value)
               for row in sheet.iter_rows(min_row=HEADER_ROW + 1) if row[0].value]
    listed = [(f["severity"].capitalize(), f["indicator"], f["problem"]) for f in told["findings"]]
    assert listed == written
    for finding in told["findings"]:
        assert split_location(finding["place"]) == (finding["sheet"], finding["cell"])
    assert told["findings"][0]["severity"] == "error"
    assert {f["sheet"] for f in told["findings"]} >= {"Corporate KPIs", "Exception Notes"}


def test_the_pane_is_told_the_rules_in_use_in_words():
    _, told = _run(book_actions.validate_commentary)
    rules = {item["name"]: item["value"] for item in told["rules"]}
    assert rules["Rules from"] == '"KPI Rules" sheet'
    assert rules["Tolerance"] == "10% of the target"
    assert rules["Commentary needed when"] == "Off target"
    assert rules["Labels"] == "On target / Within target / Off target / Not assessed"


def test_summary_tells_the_pane_its_counts_and_no_findings():
    _, told = _run(book_actions.summary)
    assert told["part"] == "summary" and told["findings"] == [] and told["counts"]["indicators"] == 40


def test_refresh_tells_the_pane_of_the_corrected_status():
    _, told = _run(book_actions.refresh_statuses)
    assert "Status corrected by refresh" in {f["problem"] for f in told["findings"]}


def test_a_run_that_fails_tells_the_pane_its_one_line(tmp_path):
    path = tmp_path / "no-table.xlsx"
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Prices").write_row(0, 0, ["Product", "Price"])
    book.close()
    actions, told = _run(book_actions.validate_commentary, path)
    assert told["error"] and told["counts"] is None and told["findings"] == []
    assert told["message"] == actions[-1]["args"][0] and told["message"].startswith("Could not validate")


def test_the_pane_lists_at_most_so_many_findings(monkeypatch):
    monkeypatch.setattr(task_pane, "MOST_FINDINGS", 4)
    _, told = _run(book_actions.validate_commentary)
    assert len(told["findings"]) == 4 and told["more"] == told["counts"]["findings"] - 4 > 0


def test_desktop_excel_gets_no_pane_message():
    """Desktop xlwings ("Run main") has no task pane: its book is not told, only alerted."""
    calls = []

    class App:
        def alert(self, message, title):
            calls.append(message)

        def macro(self, name):
            raise AssertionError("desktop Excel has no task pane callback to run")

    class Book:  # a COM book's impl is not xlwings' remote one
        impl, app, name, sheets = object(), App(), "kpis.xlsx", []

    book_actions.run_script(Book(), "summary")
    assert len(calls) == 1 and calls[0].startswith("Could not summarise the KPIs: ")


# --- in the browser: the page the manifest names, in the strict simulated Excel -----------------

NOTES_BOOK = {"name": "service.xlsx", "sheets": [
    {"name": "Service KPIs", "values": [
        ["Ref", "Indicator", "Polarity", "Actual", "Target"],
        ["CS 01", "Calls answered in 20 secs", "Bigger", 50, 80],
        ["CS 02", "Complaints", "Smaller", 4, 5],
        ["CS 03", "Missed bins", "Smaller", 130, 100]]},
    {"name": "Exception Notes", "values": [["Ref", "Commentary"], ["CS 01", "TBC"]]},
]}

# What the pane shows, read from its DOM as a person (or a screen reader) meets it.
READ_PANE = """
const text = (node) => node.textContent.replace(/\\s+/g, " ").trim();
const pairs = (id) => [...document.querySelectorAll(`#${id} dt`)].map((dt) => [text(dt), text(dt.nextElementSibling)]);
return {
  status: text(document.getElementById("kpi-pane-status")),
  counts: pairs("kpi-pane-counts"),
  rules: pairs("kpi-pane-rules"),
  findings: [...document.querySelectorAll("#kpi-pane-findings button")].map((b) => ({
    severity: text(b.querySelector(".kpi-severity")), indicator: text(b.querySelector(".kpi-indicator")),
    problem: text(b.querySelector(".kpi-problem")), place: b.querySelector(".kpi-place") && text(b.querySelector(".kpi-place")),
    current: b.getAttribute("aria-current")})),
  buttons: [...document.querySelectorAll("#kpi-pane button.kpi-action")].map((b) => [text(b), b.getAttribute("aria-describedby") && text(document.getElementById(b.getAttribute("aria-describedby")))]),
  listLabel: text(document.getElementById(document.getElementById("kpi-pane-findings").getAttribute("aria-labelledby"))),
  lang: document.getElementById("kpi-pane").lang,
  title: text(document.querySelector("#kpi-pane h1")),
  selected: __sim.selected(),
  active: __sim.book.sheets[__sim.book.active].name,
  answers: __sim.answers.length,
};
"""
# A run from the pane ends when its buttons are enabled again.
WAIT_FOR_RUN = """
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, 50));
while (document.querySelector(".kpi-action[disabled]") || document.getElementById("kpi-pane").getAttribute("aria-busy")) {
  if (Date.now() - started > 120000) throw new Error("the pane's run did not end");
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await new Promise((resolve) => setTimeout(resolve, 50));
return {};
"""


def _pane_steps(*steps):
    return [{"eval": READ_PANE}, *steps]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with addin_server(tmp_path_factory.mktemp("serve")) as base:
        yield base


@needs_browser
def test_in_the_browser_validate_in_the_pane_lists_the_findings_and_a_click_selects_the_cell(
        base_url, tmp_path):
    steps = _pane_steps(
        {"press": ["#kpi-pane-validate", "Enter"]}, {"eval": WAIT_FOR_RUN}, {"eval": READ_PANE},
        {"press": ["#kpi-pane-findings li:nth-child(2) button", "Enter"]}, {"eval": READ_PANE},
        {"press": ["#kpi-pane-findings li:nth-child(1) button", " "]}, {"eval": READ_PANE},
        {"dump": True},
    )
    [result] = run_addin(base_url, [{"book": NOTES_BOOK, "steps": steps}], tmp_path)
    before, _, _, after, _, second, _, first, book = result["steps"]
    assert result["violations"] == [] and result["errors"] == []
    # Before a run: the three actions, labelled and described; nothing counted yet.
    assert before["buttons"] == [
        ["Refresh statuses", "Statuses, variances, trends and colours, then the two sheets below."],
        ["Validate commentary", 'Findings into the "KPI Validation" sheet and the list below.'],
        ["Summary", 'Counts by status into the "KPI Summary" sheet.']]
    assert before["status"] == "No run yet: choose an action." and before["findings"] == []
    assert before["lang"] == "en-GB" and before["title"] == "KPI checks"
    # Validate, pressed with the keyboard: one request to the server, and the run's own result.
    assert after["answers"] - before["answers"] == 1
    assert after["status"] == "2 findings (2 errors): see the 'KPI Validation' sheet."
    assert after["counts"] == [["Indicators", "3 in 1 table"], ["On target", "1"],
                               ["Within tolerance", "0"], ["Off target", "2"],
                               ["Not assessed", "0"], ["Findings", "2: 2 errors"]]
    assert after["findings"] == [
        {"severity": "error", "indicator": "Calls answered in 20 secs", "problem": "Commentary missing",
         "place": "Go to 'Exception Notes'!B2", "current": None},
        {"severity": "error", "indicator": "Missed bins", "problem": "Commentary missing",
         "place": "Go to 'Exception Notes'!A3", "current": None}]
    assert after["listLabel"] == "Findings"
    assert dict(after["rules"])["Tolerance"] == "10% of the target"
    assert dict(after["rules"])["Rules from"] == "defaults (no KPI Rules sheet)"
    # The run wrote the validation sheet too, as the ribbon's button does.
    sheets = {sheet["name"]: sheet for sheet in book["sheets"]}
    assert "KPI Validation" in sheets
    # A finding chosen: Excel selects the cell where its fix goes, on its sheet.
    assert (second["selected"], second["active"]) == ("'Exception Notes'!A3", "Exception Notes")
    assert second["status"].startswith("Selected 'Exception Notes'!A3: Add a note in Exception Notes row 3")
    assert [f["current"] for f in second["findings"]] == [None, "true"]
    assert (first["selected"], first["active"]) == ("'Exception Notes'!B2", "Exception Notes")
    assert [f["current"] for f in first["findings"]] == ["true", None]


@needs_browser
def test_in_the_browser_a_ribbon_run_updates_the_open_pane(base_url, tmp_path):
    steps = [{"click": "kpi-summary"}, {"eval": READ_PANE}]
    [result] = run_addin(base_url, [{"book": NOTES_BOOK, "steps": steps}], tmp_path)
    click, pane = result["steps"]
    assert result["violations"] == [] and result["errors"] == []
    assert click["alerts"] == ["Summary written to the 'KPI Summary' sheet."]
    assert pane["status"] == "Summary written to the 'KPI Summary' sheet."
    assert ["Off target", "2"] in pane["counts"] and pane["findings"] == []
