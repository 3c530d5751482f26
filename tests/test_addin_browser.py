"""The add-in end to end, as Excel would run it: the real server (`kpi serve` on loopback), the
page the manifest names in Debian's headless chromium, xlwings Server's client JS unmodified
and our ribbon.js, against Excel simulated strictly on office-addin-mock (tests/browser/addin).

The three buttons are clicked on a 40-row sheet, a 10,000-row sheet and the sample workbook (a
sectioned sheet, a notes sheet and a "KPI Rules" sheet); the workbook must equal what
`kpi refresh` writes (values, status colours, number formats), and the round trips stay few:
at most 3 `context.sync()` after the server's answer, the same whole-click count at 40 and at
10,000 rows. The sync counts are printed (run with -s to see them). Skips without chromium/node.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter
from openpyxl import load_workbook

from addin import cell_functions
from tests.addin_support import REPO
from tests.browser_support import addin_server, book_from_xlsx, needs_browser, run_addin

pytestmark = needs_browser

EPOCH = "1760000000"  # one "Run on" for the add-in and `kpi refresh`
SAMPLE = REPO / "workbook" / "samples" / "council_kpis_q2.xlsx"
REFRESH, VALIDATE, SUMMARY = "kpi-refresh-statuses", "kpi-validate-commentary", "kpi-summary"
CLICKS = [REFRESH, REFRESH, VALIDATE, SUMMARY]  # a second Refresh, once our sheets exist
MOST_AFTER_ANSWER = 3


def kpi_book(path: Path, rows: int) -> tuple[Path, dict]:
    """One KPI sheet: percentages (0% format) off target without commentary, counts on target,
    smaller-is-better within tolerance, figures to come ("TBC"). Returns the file and the same
    book as the simulation holds it."""
    values = [["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"]]
    formats = [["General"] * 6]
    for i in range(rows):
        figures = [["Bigger", 0.43, 0.5, ""], ["Bigger", 95, 90, ""], ["Smaller", 10.5, 10, "Winter peak"],
                   ["Bigger", "TBC", 25, ""]][i % 4]
        values.append([f"K{i:05d}", f"Indicator {i}", *figures])
        formats.append(["General"] * 3 + (["0%", "0%"] if i % 4 == 0 else ["General"] * 2) + ["General"])
    book = xlsxwriter.Workbook(str(path))
    percent = book.add_format({"num_format": "0%"})
    sheet = book.add_worksheet("KPIs")
    for r, (cells, codes) in enumerate(zip(values, formats)):
        for c, (value, code) in enumerate(zip(cells, codes)):
            if value != "":
                sheet.write(r, c, value, percent if code == "0%" else None)
    book.close()
    return path, {"name": path.name, "sheets": [{"name": "KPIs", "values": values, "numberFormats": formats}]}


def kpi_refresh(source: Path, target: Path) -> Path:
    done = subprocess.run([sys.executable, "-m", "kpi_cli.main", "refresh", str(source), "-o", str(target)],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode in (0, 1), done.stderr
    return target


FULL = ["values", "colours", "numberFormats"]


def steps(parts: list[str], edit: list | None = None) -> list[dict]:
    """Refresh twice (our sheets then exist), Validate, Summary; the workbook after each Refresh
    (`parts` of it), and after an officer's edit."""
    found = [{"click": REFRESH}, {"dump": parts}, {"click": REFRESH}, {"dump": ["values"]},
             {"click": VALIDATE}, {"click": SUMMARY}]
    if edit:
        found += [{"edit": edit}, {"dump": ["values", "colours"]}]
    return found


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    sample = Path(shutil.copy(SAMPLE, work / "sample.xlsx"))
    books = {"40 rows": kpi_book(work / "rows40.xlsx", 40),
             "10,000 rows": kpi_book(work / "rows10k.xlsx", 10_000),
             "sectioned": (sample, book_from_xlsx(sample))}
    # After the clicks, an officer types "Off target" over an on-target status (K00001: row 3).
    scenario = [{"book": books["40 rows"][1], "steps": steps(FULL, ["KPIs", 3, 7, "Off target"])},
                {"book": books["10,000 rows"][1], "steps": steps(["values"])},
                {"book": books["sectioned"][1], "steps": steps(FULL)}]
    with addin_server(work, env={"SOURCE_DATE_EPOCH": EPOCH}) as base:
        results = run_addin(base, scenario + [{"book": books["40 rows"][1], "steps": CALLS}], work,
                            timeout=400)
    expected = {name: kpi_refresh(path, work / f"cli-{path.name}") for name, (path, _) in books.items()}
    return {"books": dict(zip(books, results)), "cli": expected, "functions": results[-1]}


# --- round trips ------------------------------------------------------------------------------


def clicks(result: dict) -> list[dict]:
    return [step for step in result["steps"] if "syncs" in step]


def test_sync_counts_are_few_and_do_not_grow_with_the_sheet(seen):
    for name, result in seen["books"].items():
        for label, click in zip(["Refresh", "Refresh again", "Validate", "Summary"], clicks(result)):
            print(f"{name:>12} {label:<14} syncs in all {click['syncs']:>3}, "
                  f"after the answer {click['syncsAfterAnswer']}")
    for name, result in seen["books"].items():
        assert result["violations"] == [], (name, result["violations"])
        for click in clicks(result):
            assert click["answers"] == [200], (name, click)
            assert click["syncsAfterAnswer"] <= MOST_AFTER_ANSWER, (name, click)
    by_size = [[c["syncs"] for c in clicks(seen["books"][name])] for name in ("40 rows", "10,000 rows")]
    assert by_size[0] == by_size[1]  # every button: the same count at 40 and at 10,000 rows
    for name, result in seen["books"].items():
        first, second = clicks(result)[:2]
        assert second["syncsAfterAnswer"] == first["syncsAfterAnswer"]


def test_a_second_refresh_costs_one_sync_more_per_sheet_of_ours(seen):
    """A second Refresh sends no more sheets than the first: our two sheets are excluded. What
    it still costs: xlwings' client reads every sheet's pivot tables, excluded ones too (one sync
    per sheet, ExcelApi 1.8), so the click is exactly one sync dearer per sheet of ours."""
    for name, result in seen["books"].items():
        first, second = clicks(result)[:2]
        assert second["syncs"] == first["syncs"] + 2, name


# --- the same workbook as `kpi refresh` --------------------------------------------------------------


def _trimmed(rows: list[list]) -> list[list]:
    rows = [[None if v == "" else v for v in row] for row in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(row) if v is not None), default=0) for row in rows), default=0)
    return [row[:width] + [None] * (width - len(row)) for row in rows]


def file_values(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: _trimmed(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in book.sheet_names}


def sim_values(dump: dict) -> dict[str, list[list]]:
    return {sheet["name"]: _trimmed(sheet["values"]) for sheet in dump["sheets"]}


def dumps(result: dict) -> list[dict]:
    return [step for step in result["steps"] if "sheets" in step]


@pytest.mark.parametrize("name", ["40 rows", "10,000 rows", "sectioned"])
def test_refresh_gives_the_workbook_kpi_refresh_writes(seen, name):
    result = seen["books"][name]
    first, second = dumps(result)[:2]
    expected = file_values(seen["cli"][name])
    assert list(sim_values(first)) == list(expected)  # same sheets, in the same order
    for sheet, rows in expected.items():
        assert sim_values(first)[sheet] == rows, sheet
    # A second Refresh changes nothing but the validation sheet's list of typed statuses it
    # replaced (reported once, by the first).
    again = {sheet: rows for sheet, rows in sim_values(second).items() if sheet != "KPI Validation"}
    assert again == {sheet: rows for sheet, rows in sim_values(first).items() if sheet != "KPI Validation"}
    assert clicks(result)[0]["alerts"] and clicks(result)[0]["alerts"][0].startswith("Refreshed")


def _status_rules(path: Path) -> dict[str, list[tuple]]:
    """Each sheet's status colour rules as `kpi refresh` wrote them: (cells, label, fill)."""
    found: dict[str, list[tuple]] = {}
    book = load_workbook(path)
    for sheet in book.worksheets:
        for formatting in sheet.conditional_formatting:
            for rule in formatting.rules:
                if rule.type == "cellIs" and rule.operator == "equal":
                    label = rule.formula[0][1:-1].replace('""', '"')
                    fill = "#" + rule.dxf.fill.bgColor.rgb[-6:].upper()
                    found.setdefault(sheet.title, []).append((formatting.sqref, label, fill))
    return found


@pytest.mark.parametrize("name", ["40 rows", "sectioned"])
def test_status_colours_are_the_files_conditional_formats(seen, name):
    dump = dumps(seen["books"][name])[0]
    by_sheet = {sheet["name"]: sheet for sheet in dump["sheets"]}
    compared = 0
    for sheet_name, rules in _status_rules(seen["cli"][name]).items():
        sheet = by_sheet[sheet_name]
        for cells, label, fill in rules:
            for bounds in cells.ranges:
                for row in range(bounds.min_row, bounds.max_row + 1):
                    value = sheet["values"][row - 1][bounds.min_col - 1]
                    if isinstance(value, str) and value.lower() == label.lower():
                        assert sheet["colours"][row - 1][bounds.min_col - 1] == fill, (sheet_name, row)
                        compared += 1
    assert compared >= 20


def test_number_formats_of_the_kpi_columns_are_the_files(seen):
    dump = dumps(seen["books"]["40 rows"])[0]
    sheet = next(s for s in dump["sheets"] if s["name"] == "KPIs")
    cli = load_workbook(seen["cli"]["40 rows"])["KPIs"]
    for row in range(1, 42):
        for column in range(1, 11):
            assert sheet["numberFormats"][row - 1][column - 1] == cli.cell(row, column).number_format, (row, column)


def test_percentages_are_recognised_as_in_the_file(seen):
    """0.43 against 0.5 formatted 0%: the findings speak of 43% against 50%, as `kpi refresh`'s."""
    dump = dumps(seen["books"]["40 rows"])[0]
    validation = next(s for s in dump["sheets"] if s["name"] == "KPI Validation")
    details = [v for row in validation["values"] for v in row if isinstance(v, str) and "against" in v]
    assert details and all("%" in text for text in details if "43" in text)


def test_a_status_typed_over_recolours_itself(seen):
    """After Refresh, the officer types "Off target" over "On target": the colour follows."""
    result = seen["books"]["40 rows"]
    before, after = dumps(result)[0], dumps(result)[-1]
    sheet_before = next(s for s in before["sheets"] if s["name"] == "KPIs")
    sheet_after = next(s for s in after["sheets"] if s["name"] == "KPIs")
    off = next(sheet_before["colours"][r][6] for r, row in enumerate(sheet_before["values"])
               if row[6] == "Off target")
    assert sheet_before["values"][2][6] == "On target" and sheet_before["colours"][2][6] != off
    assert sheet_after["values"][2][6] == "Off target" and sheet_after["colours"][2][6] == off


def test_validate_marks_only_missing_commentary_and_summary_writes_its_sheet(seen):
    result = seen["books"]["40 rows"]
    _, _, validate, summary = clicks(result)
    assert validate["alerts"][0].endswith("see the 'KPI Validation' sheet.")
    assert summary["alerts"] == ["Summary written to the 'KPI Summary' sheet."]
    final = dumps(result)[-1]
    kpis = next(s for s in final["sheets"] if s["name"] == "KPIs")
    marks = [cf["address"] for cf in kpis["conditionalFormats"] if cf["rule"]["formula1"] == '=""']
    off_without_commentary = [f"KPIs!F{r + 1}" for r, row in enumerate(kpis["values"])
                              if r and row[6] == "Off target" and row[5] is None and r != 2]
    assert sorted(marks) == sorted(off_without_commentary) and marks


# --- custom functions, called as Excel calls them ---------------------------------------------------

ERROR = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
CALLS = [
    {"call": "KPI_STATUS", "args": [[[0.72], [0.85], [0.79]], [[0.8], [0.8], [0.8]], [["Bigger"], ["Bigger"], ["Bigger"]], None, None]},
    {"call": "KPI_RAG", "args": [[[0.72]], [[0.8]], None, None, None]},
    {"call": "KPI_VARIANCE", "args": [[[12]], [[10]]]},
    {"call": "KPI_VARIANCE_PCT", "args": [[[12]], [[10]]]},
    {"call": "KPI_TREND", "args": [[[12]], [[10]], [["Smaller"]]]},
    {"call": "KPI_STATUS", "args": [[[ERROR]], [[0.8]], None, None, None]},
]


def test_custom_functions_answer_as_in_python(seen):
    """Each function, called through xlwings' served custom-functions code and the server, gives
    what the Python function gives for the same 2-D arguments (null: an omitted argument)."""
    answers = seen["functions"]["steps"]
    python = {"KPI_STATUS": cell_functions.kpi_status, "KPI_RAG": cell_functions.kpi_rag,
              "KPI_VARIANCE": cell_functions.kpi_variance, "KPI_VARIANCE_PCT": cell_functions.kpi_variance_pct,
              "KPI_TREND": cell_functions.kpi_trend}
    for call, answer in zip(CALLS[:-1], answers):
        expected = python[call["call"]](*call["args"])
        assert answer == {"value": expected if isinstance(expected, list) else [[expected]]}, call
    assert set(answers[-1]) == {"value"}  # an error value in is answered in the cell, never a crash
    print("KPI.STATUS(#N/A, 0.8) ->", answers[-1]["value"])
    assert seen["functions"]["violations"] == []
