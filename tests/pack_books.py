"""Three directorate workbooks for the committee pack's tests, and what a person expects of them.

Each indicator's status is worked out by hand from its figures (10% relative tolerance): so the
tests compare the pack with these expectations, not with the engine's own output.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

HEADER = ["Reference", "Indicator", "Polarity", "Previous", "Actual", "Target", "Commentary"]


class Pct(float):
    """A number written with a percent format (0.85 shows as 85%)."""


# book -> sheet -> section (None: no section rows) -> rows
# row: reference, indicator, polarity, previous, actual, target, commentary, expected status
BOOKS = {
    "1 Adults and Health.xlsx": {
        "Adults": {None: [
            ["AH 01", "% of reviews completed on time", "Bigger", Pct(0.8), Pct(0.85), Pct(0.9),
             None, "within"],  # 5 points short of 90%: the band is 9 points
            ["AH 02", "Delayed transfers of care", "Smaller", 40, 52, 45, "Winter pressures.",
             "off"],  # 7 over 45: the band is 4.5
            ["AH 03", "% of carers assessed", "Bigger", Pct(0.6), Pct(0.7), Pct(0.65), None, "on"],
            ["AH 04", "Admissions to residential care", "Smaller", 120, 130, 100, "TBC", "off"],
            ["AH 05", "New service users", "Bigger", 10, "New", 12, None, "none"],
        ]},
    },
    "2 Children's Services.xlsx": {
        "Children": {
            "Early Help": [
                ["CS 01", "% of families supported", "Bigger", Pct(0.7), Pct(0.75), Pct(0.7),
                 None, "on"],
                ["CS 02", "Referrals closed within 12 weeks", "Bigger", 200, 150, 190,
                 "Staff vacancies.", "off"],  # 40 short of 190: the band is 19
            ],
            "Safeguarding": [
                ["CS 03", "% of assessments within 45 days", "Bigger", Pct(0.9), Pct(0.88),
                 Pct(0.9), None, "within"],
                ["CS 04", "Repeat referrals", "Smaller", 25, 21, 20, None, "within"],
                ["CS 05", "Children in care", "Smaller", 300, "1,420", "1,100", "  ", "off"],
            ],
        },
    },
    "3 Place.xlsx": {
        "Environment": {None: [
            ["EN 01", "% of waste recycled", "Bigger", "41%", "44.5%", "45%", None, "within"],
            ["EN 02", "Fly-tipping incidents", "Smaller", 600, 500, 550, None, "on"],
        ]},
        "Housing": {None: [
            ["HO 01", "Homes delivered", "Bigger", 40, 30, 60,
             "Sites delayed by the weather; <b>catch-up</b> plan agreed.", "off"],
            ["HO 02", "Average days to re-let a home", "Smaller", 30, 28, 28, None, "on"],
        ]},
    },
}

RULES = """\
[labels]
on = ["Green: on target"]
within = ["Amber: close to target"]
off = ["Red: off target"]
none = ["Grey: no data"]

[colors]
on = "#1B5E20"
within = "#FFB300"
off = "#C62828"
none = "#9E9E9E"
"""
LABELS = {"on": "Green: on target", "within": "Amber: close to target", "off": "Red: off target",
          "none": "Grey: no data"}  # fmt: skip
COLOURS = {"on": "1B5E20", "within": "FFB300", "off": "C62828", "none": "9E9E9E"}


def write_book(path: Path, sheets: dict) -> Path:
    book = xlsxwriter.Workbook(str(path))
    percent = book.add_format({"num_format": "0%"})
    for sheet_name, sections in sheets.items():
        sheet = book.add_worksheet(sheet_name)
        sheet.write_string(0, 0, f"{path.stem}: quarterly indicators")
        sheet.write_row(2, 0, HEADER)
        row = 3
        for section, rows in sections.items():
            if section is not None:
                sheet.write_string(row, 0, section)
                row += 1
            for values in rows:
                for column, value in enumerate(values[:7]):
                    if isinstance(value, Pct):
                        sheet.write_number(row, column, float(value), percent)
                    elif isinstance(value, str):
                        sheet.write_string(row, column, value)
                    elif value is not None:
                        sheet.write_number(row, column, value)
                row += 1
    book.close()
    return path


def directorate_folder(folder: Path) -> Path:
    """The three books in `folder`, and the council's rules as `council.toml` beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, sheets in BOOKS.items():
        write_book(folder / name, sheets)
    (folder.parent / "council.toml").write_text(RULES, encoding="utf-8")
    return folder


def expected_rows() -> list[dict]:
    """Every indicator of the folder in folder order: book, sheet, section, figures, status."""
    found = []
    for book, sheets in BOOKS.items():
        for sheet, sections in sheets.items():
            for section, rows in sections.items():
                for values in rows:
                    found.append({"book": book, "sheet": sheet, "section": section,
                                  "reference": values[0], "indicator": values[1],
                                  "commentary": values[6], "status": values[7]})  # fmt: skip
    return found
