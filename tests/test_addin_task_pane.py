"""The task pane (issue 15): what each ribbon script tells it (addin/task_pane.py: one runMacro of
the pane's registered callback with the run's own result) and the page that shows it
(templates/taskpane.html, static/js/taskpane.js). The browser test clicks the pane's buttons and
its findings in the simulated Excel."""

from __future__ import annotations

import json
from pathlib import Path

import xlwings as xw

from addin import book_actions, task_pane
from kpi_cli.main import main
from tests.action_replay import replay
from tests.addin_support import REPO, book_json, grids_from_xlsx
from workbook.addresses import split_location
from workbook.plan.validation import HEADER_ROW

SAMPLE = REPO / "workbook" / "samples" / "council_kpis_q2.xlsx"


def _run(script, path: Path = SAMPLE) -> tuple[list[dict], dict]:
    book = xw.Book(json=book_json(grids_from_xlsx(path), name=path.name))
    script(book)
    actions = book.json()["actions"]
    told = [a for a in actions if a["func"] == "runMacro"]
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
