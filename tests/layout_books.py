"""Fixture workbooks for the three layouts of domain.md, written with xlsxwriter.

Values are deliberately messy: percent-formatted numbers next to text percentages, thousands
separators, markers ("New", "TBC", "N/A", "–"), Excel errors, placeholder commentary.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import xlsxwriter

FIXED_DATE = datetime.datetime(2024, 10, 1, 9, 0, 0)


def _book(path: Path) -> xlsxwriter.Workbook:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED_DATE})
    return book


class _Percent:
    """A number to be written with a percent number format (shown 35.0%, stored 0.35)."""

    def __init__(self, value: float):
        self.value = value


class _Error:
    """A formula cell whose cached value is an Excel error such as #N/A."""

    def __init__(self, formula: str, shown: str):
        self.formula, self.shown = formula, shown


def _write_row(sheet, row: int, values: list, formats: dict, first_column: int = 0) -> None:
    for offset, value in enumerate(values):
        column = first_column + offset
        if isinstance(value, _Percent):
            sheet.write_number(row, column, value.value, formats["percent"])
        elif isinstance(value, _Error):
            sheet.write_formula(row, column, value.formula, None, value.shown)
        elif value is None:
            continue
        else:
            sheet.write(row, column, value)


def P(value: float) -> _Percent:
    return _Percent(value)


LAYOUT1_HEADER = [
    "Reference", "Performance Indicator", "Measure Description",
    "Bigger is better/ Smaller is better", "Reporting Frequency", "Q4 Outturn 2020/21",
    "Target 2020/21", "Annual Target 2021/22", "Quarterly Target 2021/22", "Q1", "Commentary",
]  # fmt: skip
LAYOUT1_ROWS = [
    ["MKC 1423", "% Avoidable contact Demand Capture", "Contacts that could be avoided",
     "Smaller is better", "Quarterly", P(0.35), P(0.40), P(0.35), P(0.35), P(0.35), "Stable"],
    ["MKC1611", "% Calls answered within 20 secs", "Contact centre", "Bigger is better",
     "Quarterly", "48.0%", "50%", "50%", "50%", "44.4%", "  "],
    ["MKC 1700", "Number of complaints received", "Stage 1 and 2", "Smaller is better",
     "Quarterly", 120, 100, 400, 100, "New", "TBC"],
    ["MKC 1801", "Number of households in temporary accommodation", "Snapshot at quarter end",
     "smaller", "Monthly", "1,210", 1000, 1000, "1,000", "1,085", "-"],
    ["MKC 1905", "% of major planning applications determined in time", None, "Bigger",
     "Quarterly", P(0.6), P(0.6), P(0.6), P(0.6), P(0.52),
     "Two appeals delayed decisions; recovery plan agreed."],
    ["MKC 2001", "Residents' satisfaction with parks (%)", "Annual survey", "High is good",
     "Annual", "N/A", None, None, None, " 87 % ", None],
    ["MKC 2002", "% of household waste recycled", None, None, "Quarterly", P(0.41), None, None,
     P(0.45), P(0.43), None],
    ["MKC 2003", "% Rent collected", None, "Bigger is better", "Quarterly", P(0.97), None, None,
     96, P(0.975), None],
    ["MKC 1611 ", "% Calls answered within 20 secs (out of hours)", None, "Bigger is better",
     "Quarterly", None, None, None, P(0.5), _Error("=NA()", "#N/A"), None],
]  # fmt: skip


def layout1_book(path: Path) -> Path:
    """Title rows and a colour key above one header row; reference and polarity columns."""
    book = _book(path)
    formats = {"percent": book.add_format({"num_format": "0.0%"})}
    sheet = book.add_worksheet("Partnerships & Communities")
    sheet.write("A1", "Partnerships & Communities – Quarter 1 2021/22 Performance")
    sheet.write("A2", "Supporting KPIs")
    _write_row(sheet, 3, ["Key:", "On target or better", "Within 10% of target",
                          "More than 10% off target", "Not assessed"], formats)  # fmt: skip
    _write_row(sheet, 6, LAYOUT1_HEADER, formats)
    for offset, values in enumerate(LAYOUT1_ROWS):
        _write_row(sheet, 7 + offset, values, formats)
    sheet.write(18, 0, "Source: contact centre telephony and Uniform planning system")
    book.close()
    return path


LAYOUT2_ROWS = [
    ["01. % of invoices paid within 30 days", P(0.93), P(0.95), P(0.97), "Within tolerance"],
    ["02. Council tax base growth (number of properties)", "31,243", "31,510", "32,000",
     "On target"],
    ["Revenues"],
    ["01. % Council tax collected", P(0.29), P(0.56), P(0.57), "Amber"],
    ["02. Average days to process new benefit claims", 21, 24, 20, "Red"],
    ["HR"],
    ["HR 01. Sickness absence days per FTE", 2.1, 2.6, 2.0, "Off target"],
    ["HR 02 - Staff turnover", " 12 % ", "N/A", "10%", None],
    ["ICT"],
    ["IT 01/11 - Server availability", "99.8%", "99.95%", "99.5%", "On target"],
    ["IT 02. % of ICT incidents resolved within SLA", P(0.88), P(0.81), P(0.9), "Within target"],
    ["PLA 157a Major planning applications in 13 weeks", P(0.7), "–", P(0.6), None],
]  # fmt: skip
LAYOUT2_NOTES = [
    ["Indicator", "Note"],
    ["% of invoices paid within 30 days", "Supplier portal outage in August."],
    ["sickness absence  days per FTE ", "Long-term absence in the Waste team; OH referrals made."],
    ["02. Average days to process new benefit claims", "TBC"],
]
LAYOUT2_RULES = """\
polarity = "bigger"

[indicators."Average days to process new benefit claims"]
polarity = "smaller"

[indicators."HR 01"]
polarity = "smaller"
"""


def layout2_book(path: Path, with_rules: bool = True) -> Path:
    """Section rows, references inside the indicator text, a typed Status, a notes sheet."""
    book = _book(path)
    formats = {"percent": book.add_format({"num_format": "0%"})}
    sheet = book.add_worksheet("Corporate Scorecard")
    sheet.write("A1", "Corporate Performance Scorecard")
    sheet.write("A2", "Quarter 2 2024/25")
    _write_row(sheet, 3, ["Finance", "Q1 2024/25", "Q2 2024/25", "Q2 Target", "Status"], formats)
    for offset, values in enumerate(LAYOUT2_ROWS):
        _write_row(sheet, 4 + offset, values, formats)
    notes = book.add_worksheet("Exception Notes")
    for offset, values in enumerate(LAYOUT2_NOTES):
        _write_row(notes, offset, values, formats)
    book.close()
    if with_rules:
        path.with_name("kpi.toml").write_text(LAYOUT2_RULES, encoding="utf-8")
    return path


def layout3_book(path: Path) -> Path:
    """Two tables on one sheet (merged two-row header, a hidden column), a ListObject on another."""
    book = _book(path)
    formats = {"percent": book.add_format({"num_format": "0.0%"})}
    merged = book.add_format({"bold": True, "align": "center"})
    sheet = book.add_worksheet("Directorates")
    sheet.write("A1", "Adult Social Care")
    sheet.merge_range("A2:A3", "Ref", merged)
    sheet.merge_range("B2:C3", "Indicator", merged)
    sheet.merge_range("D2:E2", "Q2 2024/25", merged)
    sheet.merge_range("F2:F3", "Polarity", merged)
    sheet.merge_range("G2:G3", "Comments", merged)
    _write_row(sheet, 2, ["Actual", "Target"], formats, first_column=3)
    adults = [
        ["ASC 01", "% of adults with learning disabilities in paid employment", None, P(0.061),
         P(0.07), "Bigger", None],
        ["ASC 02", "Permanent admissions to residential care (65+) per 100,000", None, 612.4, 590,
         "Smaller", "Winter pressures"],
        ["ASC 03", "% of safeguarding enquiries where risk was reduced or removed", None, "91%",
         "90%", "Bigger", None],
        ["ASC 04", "Delayed transfers of care (days per 100k)", None, "TBC", 9.4, "Lower", None],
    ]  # fmt: skip
    for offset, values in enumerate(adults):
        _write_row(sheet, 3 + offset, values, formats)
    sheet.write("A9", "Children's Services")
    _write_row(sheet, 9, ["Ref", "Indicator", "Target", "Actual", "Target", "Polarity",
                          "Comments"], formats)  # fmt: skip
    children = [
        ["CSC 01", "% of child protection plans lasting 2 years or more", 0.2, P(0.031), P(0.04),
         "Smaller", None],
        ["CSC 02", "% of care leavers in education, employment or training", 0.5, P(0.48),
         P(0.6), "Bigger", "-"],
        ["CSC 03", "Number of looked after children", 400, 412, 400, None, None],
    ]  # fmt: skip
    for offset, values in enumerate(children):
        _write_row(sheet, 10 + offset, values, formats)
    sheet.set_column("C:C", None, None, {"hidden": True})
    _place_sheet(book, formats)
    book.close()
    return path


def _place_sheet(book, formats) -> None:
    sheet = book.add_worksheet("Place")
    sheet.write("A1", "Place Directorate KPIs")
    headers = ["Ref", "KPI", "Good is", "Outturn", "Target", "Last year", "Comments"]
    sheet.add_table("B3:H7", {"name": "PlaceKPIs",
                              "columns": [{"header": header} for header in headers]})  # fmt: skip
    rows = [
        ["PL 01", "Household waste sent for reuse, recycling and composting", "High", "41.2%",
         "45%", "40.1%", "Food waste rollout in Q3"],
        ["PL 02", "Residual household waste per household (kg)", "Low", 112.5, 110, 118, None],
        ["PL 03", "Fly-tipping incidents cleared within 2 working days", "High", P(0.75),
         P(0.95), P(0.9), None],
        ["PL 04", "Processing of major planning applications", "High", P(1), P(0.6), P(1), None],
    ]  # fmt: skip
    for offset, values in enumerate(rows):
        _write_row(sheet, 3 + offset, values, formats, first_column=1)
