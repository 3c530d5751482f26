"""`kpi refresh` as a user sees it: where results go, what a second run does, what it reports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from kpi_cli.main import main
from workbook.plan.validation import HEADER_ROW

HEADER = ["Reference", "Performance Indicator", "Polarity", "Q1 Outturn", "Quarterly Target", "Q2",
          "Commentary"]  # fmt: skip
ROWS = [
    ["HR 01", "Days lost to sickness per FTE", "Smaller", 2.1, 2.0, 2.3, None],
    ["HR 02", "% Staff appraisals completed", "Bigger", 0.8, 0.9, "85%", "Delayed by restructure"],
    ["CS 01", "% Calls answered within 20 secs", "Bigger", 0.7, 0.8, 0.81, None],
    ["CS 02", "Complaints received", "Smaller", 50, 40, "TBC", None],
    ["CS 03", "Missed bin collections", "Smaller", 120, 100, 150, "=not a formula, a remark"],
]


def make_book(path: Path, status_column: list | None = None, blocker_column: bool = False) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Supporting KPIs")
    sheet.write_string(0, 0, "Corporate KPIs Q2 2025/26")
    header = HEADER + (["Status"] if status_column else [])
    sheet.write_row(2, 0, header)
    for offset, row in enumerate(ROWS):
        for column, value in enumerate(row + (status_column[offset:offset + 1] if status_column else [])):
            if isinstance(value, str):
                sheet.write_string(3 + offset, column, value)
            elif value is not None:
                sheet.write_number(3 + offset, column, value)
    if blocker_column:  # an unheaded helper column just right of the table: must not be overwritten
        sheet.write_formula(3, len(header), "=D4*2", None, 4.2)
    book.close()
    return path


def sheet_rows(path: Path, sheet: str = "Supporting KPIs") -> list[tuple]:
    return [tuple(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def refresh(*args) -> int:
    return main(["refresh", *map(str, args)])


def test_results_go_into_headed_columns_right_of_the_table(tmp_path):
    source = make_book(tmp_path / "q2.xlsx")
    assert refresh(source) == 1  # off target without commentary is an error finding
    rows = sheet_rows(tmp_path / "q2-refreshed.xlsx")
    assert rows[2][7:11] == ("KPI status", "KPI variance", "KPI variance (% of target)", "KPI trend")
    by_ref = {r[0]: r for r in rows[3:8]}
    assert by_ref["HR 01"][7:11] == ("Off target", 0.3, 0.15, "▼ Worsening")
    assert by_ref["HR 02"][7] == "Within tolerance"
    assert by_ref["CS 01"][7:] == ("On target", 0.01, 0.0125, "▲ Improving")
    assert by_ref["CS 02"][7:] == ("Not assessed", None, None, None)


def test_source_is_untouched_and_text_stays_text(tmp_path):
    source = make_book(tmp_path / "q2.xlsx")
    before = source.read_bytes()
    refresh(source)
    assert source.read_bytes() == before
    cell = openpyxl.load_workbook(tmp_path / "q2-refreshed.xlsx")["Supporting KPIs"]["G8"]
    assert (cell.value, cell.data_type) == ("=not a formula, a remark", "s")


def test_an_occupied_column_is_skipped_not_overwritten(tmp_path):
    source = make_book(tmp_path / "q2.xlsx", blocker_column=True)
    refresh(source)
    rows = sheet_rows(tmp_path / "q2-refreshed.xlsx")
    assert rows[3][7] == "=D4*2"
    assert rows[2][8:12] == ("KPI status", "KPI variance", "KPI variance (% of target)", "KPI trend")


def test_second_refresh_writes_the_same_cells_and_adds_nothing(tmp_path):
    source = make_book(tmp_path / "q2.xlsx")
    refresh(source, "-o", tmp_path / "once.xlsx")
    refresh(tmp_path / "once.xlsx", "-o", tmp_path / "twice.xlsx")
    once, twice = (openpyxl.load_workbook(tmp_path / n) for n in ("once.xlsx", "twice.xlsx"))
    assert once.sheetnames == twice.sheetnames == ["Supporting KPIs", "KPI Validation", "KPI Summary"]
    for name in once.sheetnames:
        # The validation sheet's heading names the file and the time of each run
        skip = HEADER_ROW - 1 if name == "KPI Validation" else 0
        assert list(once[name].values)[skip:] == list(twice[name].values)[skip:], name
    assert once["Supporting KPIs"].max_column == twice["Supporting KPIs"].max_column
    rules_once = [r.formula for cf in once["Supporting KPIs"].conditional_formatting for r in cf.rules]
    rules_twice = [r.formula for cf in twice["Supporting KPIs"].conditional_formatting for r in cf.rules]
    assert rules_once == rules_twice and len(rules_once) == 4
    parts = lambda p: sorted(zipfile.ZipFile(p).namelist())
    assert parts(tmp_path / "once.xlsx") == parts(tmp_path / "twice.xlsx")


def test_typed_status_is_replaced_and_each_change_reported(tmp_path, capsys):
    typed = ["On target", "Within 10% of target", "On target", "On target", "Off target"]
    source = make_book(tmp_path / "q2.xlsx", status_column=typed)
    refresh(source)
    out = capsys.readouterr().out
    # the sheet quoted as the findings quote it (and as Excel writes a reference to it)
    assert "  'Supporting KPIs'!H4 HR 01: 'On target' -> 'Off target'" in out.splitlines()
    assert "  'Supporting KPIs'!H7 CS 02: 'On target' -> 'Not assessed'" in out.splitlines()
    assert "H5" not in out and "H8" not in out  # same status in other words is not a change
    rows = sheet_rows(tmp_path / "q2-refreshed.xlsx")
    assert [r[7] for r in rows[3:8]] == ["Off target", "Within tolerance", "On target",
                                         "Not assessed", "Off target"]  # fmt: skip
    assert rows[2][8:11] == ("KPI variance", "KPI variance (% of target)", "KPI trend")  # no second status


def test_status_colours_are_conditional_formats_keyed_on_labels(tmp_path):
    refresh(make_book(tmp_path / "q2.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "q2-refreshed.xlsx")["Supporting KPIs"]
    by_formula = {}
    for cf in sheet.conditional_formatting:
        for rule in cf.rules:
            by_formula[" ".join(rule.formula)] = (str(cf.sqref), rule.dxf.fill.bgColor.rgb)
    assert len(by_formula) == 4
    assert {rng for rng, _ in by_formula.values()} == {"H4:H8"}
    colours = {fill[-6:] for _, fill in by_formula.values()}
    assert colours == {"00B050", "FFC000", "FF0000", "BFBFBF"}


def test_validation_sheet_links_each_finding_to_its_cell(tmp_path):
    refresh(make_book(tmp_path / "q2.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "q2-refreshed.xlsx")["KPI Validation"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert rows[0][:3] == ("Error", "'Supporting KPIs'!G4", "HR 01")
    assert rows[0][4] == "Commentary missing"
    assert sheet[f"B{HEADER_ROW + 1}"].hyperlink.location == "'Supporting KPIs'!G4"
    assert {r[4] for r in rows} >= {"Commentary missing", "Actual missing"}
    assert sheet["A3"].value == "Source file" and sheet["B3"].value == "q2.xlsx"


def test_summary_sheet_counts_and_chart(tmp_path):
    refresh(make_book(tmp_path / "q2.xlsx"))
    path = tmp_path / "q2-refreshed.xlsx"
    rows = sheet_rows(path, "KPI Summary")
    assert rows[2] == ("Group", "On target", "Within tolerance", "Off target", "Not assessed",
                       "Total", "% on target")
    assert rows[-1] == ("All indicators", 1, 1, 2, 1, 5, 0.2)
    assert any(name.startswith("xl/charts/chart") for name in zipfile.ZipFile(path).namelist())


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "{src}"], "add --in-place"),
        (["-o", "{dir}/out.xlsm"], "must end in .xlsx"),
        (["--in-place", "-o", "{dir}/x.xlsx"], "either -o or --in-place"),
    ],
)
def test_refusals_are_one_line_and_write_nothing(tmp_path, capsys, args, message):
    source = make_book(tmp_path / "q2.xlsx")
    before = source.read_bytes()
    args = [a.format(src=source, dir=tmp_path) for a in args]
    assert refresh(source, *args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q2.xlsx"]


def test_in_place_replaces_the_source(tmp_path):
    source = make_book(tmp_path / "q2.xlsx")
    refresh(source, "--in-place")
    assert sheet_rows(source)[2][7] == "KPI status"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q2.xlsx"]


def test_folder_refresh_one_line_per_book_and_worst_exit(tmp_path, capsys):
    make_book(tmp_path / "a.xlsx")
    make_book(tmp_path / "b.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    assert refresh(tmp_path, "-o", tmp_path / "out") == 2
    captured = capsys.readouterr()
    assert "broken.xlsx" in captured.err and "Traceback" not in captured.err
    lines = [line for line in captured.out.splitlines() if line.strip()]
    assert len(lines) == 4 and lines[-1] == "4 findings in 3 books, 1 could not be refreshed"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.xlsx", "b.xlsx"]


@pytest.mark.parametrize("command", [["refresh", "{book}", "-o", "{out}"], ["validate", "{book}"],
                                     ["summary", "{book}", "--json"]])  # fmt: skip
def test_one_book_starts_fast_without_pandas(tmp_path, command):
    """pandas takes about 0.2 s to import: most of a 10,000-row refresh. The file path must not
    pull it in (the DataFrame API of kpi_rules imports it only when called). Nor the committee
    pack's python-docx, jinja2 and matplotlib (0.7 s): only `kpi report` loads them."""
    book = make_book(tmp_path / "q2.xlsx")
    args = [part.format(book=book, out=tmp_path / "out.xlsx") for part in command]
    script = ("import sys, contextlib, io\nfrom kpi_cli.main import main\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              f"    code = main({args!r})\n"
              "print(code, sorted(m for m in ('pandas', 'tqdm', 'docx', 'jinja2', 'matplotlib')"
              " if m in sys.modules))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    findings_exit = "0" if command[0] == "summary" else "1"  # summary counted: its job is done
    assert result.stdout.split(None, 1) == [findings_exit, "[]\n"], result.stderr


def test_a_percentage_indicators_variance_is_in_percentage_points(tmp_path):
    """A variance is in the figures' own units: 70% against 80% is -10.0 pp, 120 against 100 is
    20; the variance as a share of the target has its own column, headed so."""
    path = tmp_path / "mixed.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet, percent = book.add_worksheet("KPIs"), book.add_format({"num_format": "0%"})
    sheet.write_row(0, 0, ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"])
    sheet.write_row(1, 0, ["CS 01", "% calls answered", "Bigger"])
    sheet.write_number(1, 3, 0.7, percent)
    sheet.write_number(1, 4, 0.8, percent)
    sheet.write_row(2, 0, ["CS 02", "% emails answered", "Bigger", "75%", "80%", "Staff shortage"])
    sheet.write_row(3, 0, ["CS 03", "Complaints received", "Smaller", 120, 100, "Winter peak"])
    sheet.write_row(4, 0, ["CS 04", "% invoices paid", "Bigger", "95%"])
    sheet.write_number(4, 4, 0.9, percent)
    book.close()
    refresh(path, "-o", tmp_path / "out.xlsx")
    cells = openpyxl.load_workbook(tmp_path / "out.xlsx")["KPIs"]
    header = [c.value for c in cells[1]]
    column = header.index("KPI variance") + 1
    shown = {cells.cell(row, 1).value: (cells.cell(row, column).value,
                                        cells.cell(row, column).number_format)
             for row in range(2, 6)}  # fmt: skip
    points = '+0.0" pp";-0.0" pp";0.0" pp"'
    assert shown == {"CS 01": (-10, points), "CS 02": (-5, points),
                     "CS 03": (20, "#,##0.###;-#,##0.###;0"), "CS 04": (5, points)}  # fmt: skip
    share = header.index("KPI variance (% of target)") + 1
    assert (cells.cell(2, share).value, cells.cell(2, share).number_format) == (-0.125, "0.0%")


def test_a_variance_column_headed_as_earlier_versions_did_is_found_again_and_renamed(tmp_path):
    refresh(make_book(tmp_path / "q2.xlsx"), "-o", tmp_path / "once.xlsx")
    book = openpyxl.load_workbook(tmp_path / "once.xlsx")
    header = [c.value for c in book["Supporting KPIs"][3]]
    column = header.index("KPI variance (% of target)") + 1
    book["Supporting KPIs"].cell(3, column).value = "KPI variance %"  # as 0.x wrote it
    book.save(tmp_path / "old.xlsx")
    refresh(tmp_path / "old.xlsx", "-o", tmp_path / "again.xlsx")
    again = [c.value for c in openpyxl.load_workbook(tmp_path / "again.xlsx")["Supporting KPIs"][3]]
    assert again == header  # the same columns, the new header, nothing added
