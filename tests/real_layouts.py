"""Workbooks laid out like real published performance reports (issue 11), written with xlsxwriter.

Every builder names its source beside it: the body, the report, where it was read and the part of
it transcribed. Figures are the report's own, typed as the report shows them ("New measure",
"N/A", "88.12%" beside "64.74"); only the layout's spreadsheet form (cells, merges) is ours. Where
a figure was read from a report's text rather than its table, the comment says so.
"""

from __future__ import annotations

from pathlib import Path

from tests.layout_books import _book, _write_row

MERGED = {"bold": True, "align": "center"}


def _sheet(path: Path, name: str):
    book = _book(path)
    return book, book.add_worksheet(name), {"merged": book.add_format(MERGED)}


def _rows(sheet, first_row: int, rows: list[list], first_column: int = 0) -> None:
    for offset, values in enumerate(rows):
        _write_row(sheet, first_row + offset, values, {}, first_column)


def _rules(path: Path, text: str) -> None:
    path.with_name("kpi.toml").write_text(text, encoding="utf-8")


# --- 1. Fire: Warwickshire Fire and Rescue Service -----------------------------------------------
# Source: Warwickshire County Council, "Fire and rescue performance", section "Our targets and
# measures" (https://www.warwickshire.gov.uk/frperformance), table of measures with a merged
# "Actuals" header over 2013/14 to 2017/18, then "Aim 2019/20" and "Year to date 2019/20".
# Rows whose cells the page text leaves ambiguous (the "New measure" rows) are left out.
WARWICKSHIRE_ROWS = [
    ["The public is kept safe", "% life risk and property emergency calls handled within 90 seconds",
     "NA", 72, 81, 79, 79, 85, 88.75],
    [None, ("% times an appliance arrives at life risk or property incidents within agreed "
     "response standards"), "NA", 81, 75, 73, 68, 75.00, 66.37],
    [None, ("% times a 2nd appliance arrives at life risk or property incidents within agreed "
     "response standards"), "NA", 86, 78, 75, 76, 90.00, 74.47],
    [None, "Incidents", 2613, 2659, 3306, 3076, 3463, 3494, 1409],
    [None, "Accidental dwelling fires", 156, 164, 147, 146, 143, 150, 59],
    [None, "Fire-related deaths", 1, 2, 0, 3, 2, 0, 0],
    [None, "Fire-related injuries", 22, 22, 21, 14, 23, 19, 10],
    [None, "Road Traffic Collision (RTC) incidents involving one or more extrication", 117, 162,
     142, 113, 117, 124, "N/A"],
    [None, ("Regulatory Reform (Fire Safety) Order 2005 risk-based fire protection inspections "
     "conducted"), "NA", 297, 532, 599, 513, "N/A", "N/A"],
    ["Firefighters are kept safe", ("Reporting of Injuries, Diseases and Dangerous Occurrences "
     "Regulations (RIDDOR) reportable accidents"), 8, 9, 2, 3, 5, 0, 0],
    [None, "Firefighter injuries", 48, 49, 43, 34, 32, 0, 14],
]  # fmt: skip
# The page gives no polarity: counts of harm are smaller-is-better, the rest bigger.
WARWICKSHIRE_RULES = """\
polarity = "bigger"

[indicators."Incidents"]
polarity = "smaller"
[indicators."Accidental dwelling fires"]
polarity = "smaller"
[indicators."Fire-related deaths"]
polarity = "smaller"
[indicators."Fire-related injuries"]
polarity = "smaller"
[indicators."Road Traffic Collision (RTC) incidents involving one or more extrication"]
polarity = "smaller"
[indicators."Reporting of Injuries, Diseases and Dangerous Occurrences Regulations (RIDDOR) reportable accidents"]
polarity = "smaller"
[indicators."Firefighter injuries"]
polarity = "smaller"
"""


def warwickshire_fire_book(path: Path) -> Path:
    """Wide: one column per year under a merged "Actuals", then "Aim" and "Year to date"."""
    book, sheet, formats = _sheet(path, "Targets and measures")
    sheet.merge_range("A1:A2", "Priority", formats["merged"])
    sheet.merge_range("B1:B2", "Measures", formats["merged"])
    sheet.merge_range("C1:G1", "Actuals", formats["merged"])
    sheet.write("H1", "Aim")
    sheet.write("I1", "Year to date")
    _rows(sheet, 1, [["2013/14", "2014/15", "2015/16", "2016/17", "2017/18", "2019/20",
                      "2019/20"]], first_column=2)  # fmt: skip
    _rows(sheet, 2, WARWICKSHIRE_ROWS)
    book.close()
    _rules(path, WARWICKSHIRE_RULES)
    return path


# --- 2. Fire: Cheshire Fire and Rescue Service ----------------------------------------------------
# Source: Cheshire Fire Authority, agenda item "Performance Report - Quarter 1, 2024-25", minutes
# (https://authority.cheshirefire.gov.uk/mgAi.aspx?ID=10133). The figures are read from the
# minutes' text (Q1 2024-25 against Q1 2023-24 or the Q1 target); the RAG letters are those the
# minutes state ("green"), blank where they state none.
CHESHIRE_ROWS = [
    ["Deaths in primary fires", 3, 0, None, None, None],
    ["Injuries in primary fires", 2, 1, None, None, None],
    ["Accidental dwelling fires", None, 82, 85, "G",
     "Primary cause kitchen fires: items left on or close to the hob"],
    ["Deliberate primary fires", None, 52, 55, "G", "Highest: Crewe 10, Warrington 6, Widnes 4"],
    ["Safe and Well visits", None, 6656, 6875, None,
     "New Prevention structure from 1 July 2024 to meet the target"],
    ["Fires in non-domestic premises", None, 33, 43, "G", "Green for the first time in 5 quarters"],
]  # fmt: skip
CHESHIRE_RULES = """\
polarity = "smaller"

[indicators."Safe and Well visits"]
polarity = "bigger"
"""


def cheshire_fire_book(path: Path) -> Path:
    """Same quarter last year beside this quarter, a quarter target, RAG letters."""
    book, sheet, _ = _sheet(path, "Q1 2024-25")
    sheet.write("A1", "Performance Report - Quarter 1, 2024-25")
    _rows(sheet, 2, [["KPI", "Q1 2023-24", "Q1 2024-25", "Q1 Target", "RAG", "Comment"]])
    _rows(sheet, 3, CHESHIRE_ROWS)
    book.close()
    _rules(path, CHESHIRE_RULES)
    return path


# --- 3. Council: Northumberland County Council ----------------------------------------------------
# Source: Northumberland County Council, "NCC Current Performance Report at 19 October 2024 for
# Neighbourhood Services" (https://performance.northumberland.gov.uk/public/reports/
# OutturnReport.aspx?GroupID=19), measures 1-6. "Performance" holds the RAG word; "Status" says
# whether the data is up to date; "Direction of Travel" is a colour word too.
NORTHUMBERLAND_HEADER = [
    None, "Measure", "Unit", "2023/24 Performance", "Current Target", "Current Performance",
    "Last Available Result", "Frequency", "Direction of Travel", "Performance", "Status",
    "Comments",
]  # fmt: skip
NORTHUMBERLAND_ROWS = [
    [1, "% of sites falling below cleanliness standard for Detritus", "Percentage", 2.49, 8, 2.75,
     "Apr 2024", "Monthly", "Red", "Green", "Up to date",
     "291 surveys; 8 areas (2.75%) not predominantly free of detritus. Within target."],
    [2, "% of sites falling below cleanliness standard for Dog Fouling", "Percentage", 0.25, 1, 0,
     "Apr 2024", "Monthly", "Green", "Green", "Up to date",
     "291 surveys; all areas predominantly free of dog fouling."],
    [3, "% of sites falling below cleanliness standard for Litter", "Percentage", 1.49, 5, 1.72,
     "Apr 2024", "Monthly", "Red", "Green", "Up to date",
     "291 surveys; 5 areas (1.72%) not predominantly free of litter. Within target."],
    [4, "% reduction in number of flytipping incidents against 2023/24 baseline", "Percentage",
     None, 5, 17.04, "Jul 2024", "Quarterly", "N/A", "Green", "Up to date",
     "17% reduction in fly tips April - September 2024/25 against the same period in 2023/24."],
    [5, "Number of missed bin collections per 100,000 collections of household waste", "Number",
     45, 40, 35, "Jul 2024", "Quarterly", "Green", "Green", "Up to date",
     "1581 reported missed bins out of 4.5 million collections."],
    [6, "Number of parks achieving 'green flag' status across the county", "Number", 12, 12, 13,
     "Jul 2024", "Annually", "Green", "Green", "Up to date", "2024 Green Flag winners listed."],
]  # fmt: skip
NORTHUMBERLAND_RULES = """\
polarity = "smaller"

[indicators."% reduction in number of flytipping incidents against 2023/24 baseline"]
polarity = "bigger"
[indicators."Number of parks achieving 'green flag' status across the county"]
polarity = "bigger"
"""


def northumberland_book(path: Path) -> Path:
    """A Unit column, a RAG word under "Performance", and a "Status" that is not a RAG."""
    book, sheet, _ = _sheet(path, "Neighbourhood Services")
    sheet.write("A1", "NCC Current Performance Report at 19 October 2024 for Neighbourhood Services")
    _rows(sheet, 2, [NORTHUMBERLAND_HEADER])
    _rows(sheet, 3, NORTHUMBERLAND_ROWS)
    book.close()
    _rules(path, NORTHUMBERLAND_RULES)
    return path


# --- 4. Council: Winchester City Council ----------------------------------------------------------
# Source: Winchester City Council, "Our service standards - National and local performance
# indicators", page 1 (https://studylib.net/doc/18558762/our-service-standards---winchester-city-
# council): a year row over an Actual/Target row, sections Benefits and Taxes. Rows whose figures
# the text garbles (fraud, write-offs) are left out. "64.74" and "32.36" lack the % sign in the
# source.
WINCHESTER_YEARS = ["2009/10", "2010/11", "2011/12", "2012/13", "2013/14", "2014/15", "2014/15",
                    "2015/16", "2016/17", "2017/18"]  # fmt: skip
WINCHESTER_KINDS = ["Actual"] * 5 + ["Target", "Actual"] + ["Target"] * 3
WINCHESTER_ROWS = [
    ["Benefits"],
    ["Average time to process new claims", "LPI0538", 15.01, 15, 18.30, 16.18, 18.93, 18, 19.51,
     18, 18, 18],
    ["Average time to process change of circumstances", "LPI0539", 4.2, 4.74, 4.94, 3.80, 3.67, 5,
     4.86, 5, 5, 5],
    ["Recovered overpayments as a % of those identified in year", "LPI0543", "88.12%", "92.37%",
     "72.12%", "65.91%", "73.65%", "70%", "64.74", "70%", "70%", "70%"],
    ["Recovered overpayments as a % of total debt", "LPI0544", "30.51%", "32.50%", "29.2%",
     "29.27%", "28.83%", "30%", "32.36", "30%", "30%", "30%"],
    ["Taxes"],
    ["Council tax collected", "LPI0541", "98.78%", "98.80%", "98.76%", "98.76%", "98.57%",
     "98.65%", "98.62%", "98.63%", "98.64%", "98.65%"],
    ["Business rates collected", "LPI0542", "97.78%", "99.57%", "98.47%", "98.56%", "99.43%",
     "99.44%", "98.56%", "98.58%", "98.59%", "98.60%"],
]  # fmt: skip
WINCHESTER_RULES = """\
polarity = "bigger"

[indicators."LPI0538"]
polarity = "smaller"
[indicators."LPI0539"]
polarity = "smaller"
"""


def winchester_book(path: Path) -> Path:
    """Two header rows, not merged: a year over each Actual/Target; sections; LPI codes."""
    book, sheet, _ = _sheet(path, "Service standards")
    sheet.write("A1", "Service standards - National and local performance indicators")
    _rows(sheet, 2, [["Performance Indicators", "NPI/LPI", *WINCHESTER_YEARS]])
    _rows(sheet, 3, [WINCHESTER_KINDS], first_column=2)
    _rows(sheet, 4, WINCHESTER_ROWS)
    book.close()
    _rules(path, WINCHESTER_RULES)
    return path


# --- 5. Council: Maidstone Borough Council --------------------------------------------------------
# Source: Maidstone Borough Council, Communities, Housing & Environment Committee, "Appendix 2 -
# First Quarter Performance Monitoring" 2023/24, Housing & Health (maidstone.gov.uk, document
# s89824). Status and trend cells are icons in the report: left empty here. Its key: green target
# met, amber "target slightly missed (within 10%)", red not achieved; "Data Only" rows carry no
# target.
MAIDSTONE_ROWS = [
    ["Housing"],
    ["Number of Rough Sleepers accommodated by the Council on the last night of the month", 25],
    ["Number of homeless cases where the cause of homelessness is domestic abuse", 40],
    [("Number of households living in temporary accommodation last night of the month (NI 156 & "
     "SDL 009-00)"), 254],
    [("Number of households living in nightly paid temporary accommodation last night of the "
     "month"), 149],
    ["Percentage of successful Prevention Duty outcomes", "67.23%", "65%"],
    ["Number of households prevented or relieved from becoming homeless", 237, 125],
    ["Percentage of successful Relief Duty outcomes", "38.98%", "40%"],
    ["Private Sector Housing"],
    ["Number of private sector homes improved (through PSH interventions)", 39, 45],
    ["Total number of Disabled Facilities Grants processed within the period", 15],
    ["Number of completed housing assistances", "Annual Indicator"],
]  # fmt: skip
MAIDSTONE_RULES = 'polarity = "bigger"\n'


def maidstone_book(path: Path) -> Path:
    """A quarter label merged over Value/Target/Status, sections, data-only rows."""
    book, sheet, formats = _sheet(path, "Housing & Health Q1")
    sheet.write("A1", "Housing & Health Q1 Performance")
    sheet.merge_range("A2:A3", "Performance Indicator", formats["merged"])
    sheet.merge_range("B2:D2", "Q1 2023/24", formats["merged"])
    sheet.merge_range("E2:E3", "Short Trend (Last Quarter)", formats["merged"])
    sheet.merge_range("F2:F3", "Long Trend (Last Year)", formats["merged"])
    _rows(sheet, 2, [["Value", "Target", "Status"]], first_column=1)
    _rows(sheet, 3, MAIDSTONE_ROWS)
    book.close()
    _rules(path, MAIDSTONE_RULES)
    return path


# --- 6. NHS: Lewisham and Greenwich NHS Trust -----------------------------------------------------
# Source: Lewisham and Greenwich NHS Trust, "How the Trust is performing", table "Performance
# against key targets" (https://www.lewishamandgreenwich.nhs.uk/performance), Dec 17 to Apr 18.
# The page's "National standard" cells are filled from its own "The standards explained" (A&E 95%,
# 18 weeks 92%, two-week wait 93%, 62 days 85%, MRSA none); C. difficile's standard is per year
# (39), not per month, so left blank. Cancer figures for Apr 18 are not yet published.
LEWISHAM_ROWS = [
    ["A&E: Trust overall", "95%", "86%", "83.3%", "85.6%", "83.7%", "87.6%"],
    ["A&E: UHL", "95%", "86.9%", "86.7%", "89.2%", "87.1%", "90.3%"],
    ["A&E: QEH", "95%", "85.4%", "80.8%", "82.8%", "81%", "85.5%"],
    ["18-week referral", "92%", "88.64%", "88.9%", "88.7%", "88.1%", "88.2%"],
    ["Cancer two-week wait", "93%", "93.7%", "96.1%", "96.3%", "96.6%", None],
    ["Cancer 62-day wait", "85%", "73.4%", "83%", "78%", "80%", None],
    ["Cases of MRSA", 0, 0, 0, 0, 0, 0],
    ["Cases of C difficile", None, 1, 2, 2, 1, 3],
]  # fmt: skip
# NHS standards are met or not: no band. Infections: fewer is better.
LEWISHAM_RULES = """\
polarity = "bigger"
tolerance = 0

[indicators."Cases of MRSA"]
polarity = "smaller"
[indicators."Cases of C difficile"]
polarity = "smaller"
"""


def lewisham_book(path: Path) -> Path:
    """Wide: a national standard, then one column per month; the latest month partly blank."""
    book, sheet, _ = _sheet(path, "Key targets")
    sheet.write("A1", "Performance against key targets")
    _rows(sheet, 2, [[None, "National standard", "Dec 17", "Jan 18", "Feb 18", "Mar 18",
                      "Apr 18"]])  # fmt: skip
    _rows(sheet, 3, LEWISHAM_ROWS)
    book.close()
    _rules(path, LEWISHAM_RULES)
    return path


# --- 7. Council: Dover District Council -----------------------------------------------------------
# Source: Dover District Council, Scrutiny (Policy and Performance), agenda item "Performance
# Report Quarter 2, 2020/21", minutes (https://moderngov.dover.gov.uk/mgAi.aspx?ID=16479): the
# two indicators whose target and figure the minutes give. A reference and a polarity column.
DOVER_ROWS = [
    ["EKS02d.1", "Percentage of incidents resolved within 1 working day", "Higher is better",
     "60%", "62%", "Above the target set when East Kent Services was formed"],
    ["KPI06-D", "Average call wait time in seconds", "Lower is better", "233 seconds",
     "113 seconds", "Cumulative at quarter 2"],
]  # fmt: skip


def dover_book(path: Path) -> Path:
    """Plain: reference, indicator, polarity words, target, a quarter's figure with units."""
    book, sheet, _ = _sheet(path, "Q2 2020-21")
    _rows(sheet, 0, [["PI Ref", "Performance Indicator", "Polarity", "Target", "Q2 2020/21",
                      "Comments"]])  # fmt: skip
    _rows(sheet, 1, DOVER_ROWS)
    book.close()
    return path


# --- 8. Police: Lancashire Constabulary -----------------------------------------------------------
# Source: Lancashire Telegraph, "Faster response to 999 calls" (https://lancashiretelegraph.co.uk/
# news/6187612.faster-response-999-calls), reporting the Audit Commission's police performance
# indicators for Lancashire Constabulary: 93% of 999 calls answered within the 10-second target,
# six points better than the year before; emergencies reached within 15 minutes 94% of the time
# against an aim of 95%. Read from the article's text.
LANCASHIRE_ROWS = [
    ["% of 999 calls answered within 10 seconds", "87%", "93%", None, "Bigger is better",
     "Improvement of six per cent on last year"],
    ["% of emergencies attended within 15 minutes", None, "94%", "95%", "Bigger is better",
     "Just missed; above the average for similar county forces"],
]  # fmt: skip


def lancashire_police_book(path: Path) -> Path:
    """Last year, this year, an aim and polarity words: read with no rules file."""
    book, sheet, _ = _sheet(path, "Police PIs")
    sheet.write("A1", "Lancashire Constabulary - performance indicators")
    _rows(sheet, 2, [["Performance Indicator", "Last year", "This year", "Aim", "Polarity",
                      "Notes"]])  # fmt: skip
    _rows(sheet, 3, LANCASHIRE_ROWS)
    book.close()
    return path
