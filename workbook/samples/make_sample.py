"""Write the bundled sample workbook, `council_kpis_q2.xlsx`: 40 indicators of a fictional
English district council, over the two main layouts of domain.md.

- "Corporate KPIs" (layout 1): title rows, a colour key, one header row with Reference,
  Performance Indicator, polarity, last quarter's outturn, targets and this quarter's value;
  percent-formatted numbers next to text percentages, counts and markers.
- "Service Scorecard" (layout 2): section rows, references inside the indicator text (repeated
  across sections), no polarity column, a typed Status column (one of them wrong).
- "Exception Notes": commentary for the scorecard, keyed by indicator name.
- "KPI Rules": default polarity, labels and per-indicator polarities, as Key/Value rows.

Some indicators are off target without commentary, on purpose. Run
`python -m workbook.samples.make_sample`; the output is byte-for-byte reproducible.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import xlsxwriter

from workbook.xlsx.ooxml import FOOTER, PAGE_SETUP

SAMPLE = Path(__file__).with_name("council_kpis_q2.xlsx")
FIXED_DATE = datetime.datetime(2024, 10, 15, 9, 0, 0)


class Pct(float):
    """A fraction written with a percent number format (0.74 shows as 74.0%)."""


CORPORATE_HEADER = [
    "Reference", "Performance Indicator", "Measure Description",
    "Bigger is better/ Smaller is better", "Reporting Frequency", "Q1 Outturn 2024/25",
    "Target 2023/24", "Annual Target 2024/25", "Quarterly Target 2024/25", "Q2 2024/25",
    "Commentary",
]  # fmt: skip
B, S = "Bigger is better", "Smaller is better"
CORPORATE_ROWS = [
    ["CS 01", "% of calls answered within 60 seconds", "Customer contact centre, all lines", B,
     "Quarterly", Pct(0.78), Pct(0.80), Pct(0.80), Pct(0.80), Pct(0.74),
     "Staff vacancies in August; two new advisers started in September."],
    ["CS 02", "% of complaints responded to within 10 working days", "Stage 1 complaints", B,
     "Quarterly", Pct(0.86), Pct(0.90), Pct(0.90), Pct(0.90), "79%", None],
    ["CS 03", "Number of complaints escalated to the Ombudsman", "Count in quarter", S,
     "Quarterly", 6, 5, 20, 5, 4, None],
    ["RB 01", "% of Council Tax collected (cumulative)", "In-year collection", B, "Monthly",
     Pct(0.29), Pct(0.975), Pct(0.975), Pct(0.565), Pct(0.561), None],
    ["RB 02", "% of Business Rates collected (cumulative)", "In-year collection", B, "Monthly",
     Pct(0.31), Pct(0.985), Pct(0.985), Pct(0.58), Pct(0.60), None],
    ["RB 03", "Average days to process new Housing Benefit claims", "Calendar days", S,
     "Monthly", 19, 20, 20, 20, 27,
     "Backlog after the system upgrade; overtime agreed until December."],
    ["RB 04", "Average days to process changes of circumstances", "Calendar days", S,
     "Monthly", 8, 8, 8, 8, 7.5, None],
    ["HS 01", "Number of households in temporary accommodation", "Snapshot at quarter end", S,
     "Quarterly", "1,210", "1,000", "1,100", "1,100", "1,342", "  "],
    ["HS 02", "% of homelessness cases prevented or relieved", "Cases closed in quarter", B,
     "Quarterly", Pct(0.52), Pct(0.55), Pct(0.55), Pct(0.55), Pct(0.57), None],
    ["HS 03", "Average days to re-let council homes (general needs)", "Calendar days", S,
     "Quarterly", 41, 35, 35, 35, 38, None],
    ["PL 01", "% of major planning applications determined within 13 weeks",
     "Including agreed extensions", B, "Quarterly", Pct(0.9), Pct(0.6), Pct(0.6), Pct(0.6),
     Pct(0.88), None],
    ["PL 02", "% of minor planning applications determined within 8 weeks",
     "Including agreed extensions", B, "Quarterly", Pct(0.71), Pct(0.7), Pct(0.7), Pct(0.7),
     Pct(0.62), "Two planning officer posts vacant; agency cover from October."],
    ["EN 01", "% of household waste sent for reuse, recycling and composting",
     "Provisional, one quarter in arrears", B, "Quarterly", "41.5%", "45%", "45%", "45%",
     "38.9%", "TBC"],
    ["EN 02", "Residual household waste per household (kg)", "Provisional", S, "Quarterly",
     118, 440, 440, 110, 112, None],
    ["EN 03", "Number of fly-tipping incidents reported", "Count in quarter", S, "Quarterly",
     612, 550, 2200, 550, 498, None],
    ["EN 04", "% of missed bin collections put right by the next working day", "All rounds",
     B, "Monthly", Pct(0.97), Pct(0.98), Pct(0.98), Pct(0.98), "New", None],
    ["HR 01", "Average working days lost to sickness per FTE", "Rolling quarter", S,
     "Quarterly", 2.4, 2.0, 8.0, 2.0, 2.3, "Seasonal illness; wellbeing offer relaunched."],
    ["HR 02", "% staff turnover (voluntary leavers)", "Rolling quarter", S, "Quarterly",
     "3.1%", "3.0%", "12.0%", "3.0%", "2.8%", None],
    ["IT 01", "% of time core ICT systems are available", "Excluding planned maintenance", B,
     "Monthly", Pct(0.998), Pct(0.995), Pct(0.995), Pct(0.995), Pct(0.9991), None],
    ["FN 01", "% of undisputed invoices paid within 30 days", "All suppliers", B, "Monthly",
     Pct(0.95), Pct(0.97), Pct(0.97), Pct(0.97), Pct(0.962), None],
    ["CP 01", "Number of Freedom of Information requests received", "Data only", S,
     "Quarterly", 311, "N/A", "N/A", "N/A", 296, None],
]  # fmt: skip

SCORECARD_HEADER = ["Adults & Health", "Q1 2024/25", "Q2 2024/25", "Q2 Target", "Status"]
SCORECARD_ROWS = [
    ["ASC 01. % of adults with learning disabilities in paid employment", Pct(0.058),
     Pct(0.061), Pct(0.07), "Off target"],
    ["ASC 02. Permanent admissions to residential care (65+) per 100,000", 301, 318, 300,
     "Within target"],
    ["ASC 03. % of safeguarding enquiries where the risk was reduced or removed", Pct(0.9),
     Pct(0.92), Pct(0.9), "On target"],
    ["ASC 04. % of care package reviews completed within 12 months", Pct(0.64), Pct(0.66),
     Pct(0.8), "Within target"],
    ["Children's Services"],
    ["CSC 01. % of social care assessments completed within 45 working days", Pct(0.83),
     Pct(0.87), Pct(0.85), "On target"],
    ["CSC 02. % of child protection plans lasting 2 years or more", Pct(0.04), Pct(0.03),
     Pct(0.04), "On target"],
    ["CSC 03. % of care leavers in education, employment or training", Pct(0.55), Pct(0.52),
     Pct(0.6), "Off target"],
    ["CSC 04. Number of children looked after", 412, 419, "N/A", "Not assessed"],
    ["Finance"],
    ["01. % of undisputed invoices from local suppliers paid within 10 days", Pct(0.81),
     Pct(0.84), Pct(0.85), "Within target"],
    ["02. Forecast revenue outturn variance (£000s)", "1,250", "1,870", 0, "Off target"],
    ["03. % of the savings programme delivered", Pct(0.7), Pct(0.76), Pct(0.8), None],
    ["Revenues"],
    ["01. % of Council Tax collected", Pct(0.29), Pct(0.56), Pct(0.57), "Within target"],
    ["02. Council Tax Support caseload", "18,320", "18,104", "–", None],
    ["Housing"],
    ["HOU 01. Number of affordable homes delivered", 48, 61, 75, "Off target"],
    ["HOU 02. % of repairs completed right first time", Pct(0.89), Pct(0.91), Pct(0.9),
     "On target"],
    ["HOU 03. Average days to complete major adaptations", 142, 128, 120, "Within target"],
    ["Public Health"],
    ["PH 01. % of eligible population offered an NHS Health Check", Pct(0.05), Pct(0.048),
     Pct(0.05), "Within target"],
    ["PH 02. Smoking quitters per 100,000 smokers", "1,820", "2,010", "1,900", "On target"],
    ["PH 03. % of opiate users completing treatment successfully", "5.2%", "4.1%", "6%",
     "Off target"],
]  # fmt: skip
NOTES = [
    ["Indicator", "Exception note", "Responsible officer"],
    ["% of adults with learning disabilities in paid employment",
     "Two supported employment placements ended; new provider contract starts in November.",
     "Head of Adult Social Care"],
    ["CSC 03. % of care leavers in education, employment or training",
     "Cohort change: 14 young people turned 18 this quarter; personal advisers assigned.",
     "Head of Children's Services"],
    ["Forecast revenue outturn variance (£000s)",
     ("Temporary accommodation and home-to-school transport pressures; recovery plan to Cabinet "
     "in November."), "Chief Finance Officer"],
    ["% of opiate users completing treatment successfully", "TBC", "Director of Public Health"],
]  # fmt: skip
RULES_ROWS = [
    ["Key", "Value"],
    ["polarity", "bigger"],
    ["tolerance", 0.1],
    ["commentary_required", "off"],
    ["labels.on", "On target", "On target or better"],
    ["labels.within", "Within target", "Within 10% of target"],
    ["labels.off", "Off target", "More than 10% off target"],
    ["labels.none", "Not assessed", "Data only"],
    [],
    ["Indicator", "polarity"],
    ["ASC 02", "smaller"],
    ["CSC 02", "smaller"],
    ["Forecast revenue outturn variance (£000s)", "smaller"],
    ["HOU 03", "smaller"],
]
KEY = [("On target or better", "#00B050"), ("Within 10% of target", "#FFC000"),
       ("More than 10% off target", "#FF0000"), ("Not assessed", "#BFBFBF")]  # fmt: skip


def write_sample(path: Path = SAMPLE) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": "Council KPIs Q2 2024/25", "author": "Performance Team",
                         "company": "Example District Council", "created": FIXED_DATE})  # fmt: skip
    formats = _formats(book)
    _corporate_sheet(book, formats)
    _scorecard_sheet(book, formats)
    _table_sheet(book.add_worksheet("Exception Notes"), NOTES, formats, widths=[60, 80, 30])
    _table_sheet(book.add_worksheet("KPI Rules"), RULES_ROWS, formats, widths=[55, 22, 26])
    book.close()
    return path


def _formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format({"bold": True, "text_wrap": True, "bg_color": "#D9E1F2",
                                   "border": 1, "valign": "top"}),
        "section": book.add_format({"bold": True, "bg_color": "#EDEDED"}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        **{f"key{i}": book.add_format({"bg_color": colour}) for i, (_, colour) in enumerate(KEY)},
    }


def _write_cells(sheet, row: int, values: list, formats: dict, cell_format=None) -> None:
    for column, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, Pct):
            sheet.write_number(row, column, float(value), formats["percent"])
        else:
            sheet.write(row, column, value, cell_format)


def _corporate_sheet(book, formats) -> None:
    sheet = book.add_worksheet("Corporate KPIs")
    sheet.write("A1", "Example District Council – Corporate Performance Report", formats["title"])
    sheet.write("A2", "Quarter 2 2024/25 (July to September)")
    sheet.write("A4", "Key:")
    for offset, (label, _) in enumerate(KEY):
        sheet.write(3, 1 + offset, label, formats[f"key{offset}"])
    _write_cells(sheet, 5, CORPORATE_HEADER, formats, formats["header"])
    for offset, values in enumerate(CORPORATE_ROWS):
        _write_cells(sheet, 6 + offset, values, formats)
    sheet.set_column("A:A", 10)
    sheet.set_column("B:B", 55)
    sheet.set_column("C:C", 30)
    sheet.set_column("D:J", 14)
    sheet.set_column("K:K", 60, formats["wrap"])
    sheet.freeze_panes(6, 2)


def _scorecard_sheet(book, formats) -> None:
    sheet = book.add_worksheet("Service Scorecard")
    sheet.write("A1", "Service Scorecard – Quarter 2 2024/25", formats["title"])
    sheet.write("A2", "Figures as reported by services on 10 October 2024")
    _write_cells(sheet, 3, SCORECARD_HEADER, formats, formats["header"])
    for offset, values in enumerate(SCORECARD_ROWS):
        section = len(values) == 1
        _write_cells(sheet, 4 + offset, values, formats, formats["section"] if section else None)
    sheet.set_column("A:A", 70)
    sheet.set_column("B:D", 13)
    sheet.set_column("E:E", 18)
    sheet.freeze_panes(4, 1)


def _table_sheet(sheet, rows: list[list], formats: dict, widths: list[int]) -> None:
    for offset, values in enumerate(rows):
        _write_cells(sheet, offset, values, formats, formats["header"] if offset == 0 else None)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width, formats["wrap"])
    _print_like_our_sheets(sheet)


def _print_like_our_sheets(sheet) -> None:
    """The page setup a refresh gives the sheets it creates (landscape A4, one page wide, the
    header row on every page, file, sheet and "Page x of y" in the footer): a sheet this
    sample brings that no refresh touches prints the same way."""
    sheet.set_landscape()  # as PAGE_SETUP's orientation
    sheet.set_paper(int(PAGE_SETUP["paperSize"]))
    sheet.fit_to_pages(int(PAGE_SETUP["fitToWidth"]), int(PAGE_SETUP["fitToHeight"]))
    sheet.repeat_rows(0)
    sheet.set_footer(FOOTER)


if __name__ == "__main__":
    print(f"wrote {write_sample()}")
