"""A feature-rich .xlsm built with XlsxWriter, and a realistic refresh plan for it.

Everything that openpyxl is known to lose on load+save is in here, so the package writer's
tests can show it survives: chart, image, notes (one always visible), data validation, x14 data
bars, sparklines, defined names, a table, merged cells, cached formula values, a dynamic-array
formula and a VBA project.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import xlsxwriter

from workbook.plan.blocks import (
    CellBlock,
    ChartSpec,
    ColourRun,
    Hyperlink,
    SheetContent,
    StatusColourRule,
    WorkbookPlan,
)

KPI_SHEET = "KPIs"
HEADERS = ["Reference", "Indicator", "Polarity", "Actual", "Target", "Previous", "Commentary",
           "Status"]
ROWS = [
    ["HR 01", "Sickness days per FTE", "Smaller", 8.1, 8.0, 8.5, "Seasonal flu"],
    ["HR 02", "% staff appraised", "Bigger", 0.92, 0.95, 0.90, ""],
    ["ICT 01", "% calls answered in 20 s", "Bigger", 0.71, 0.80, 0.75, "Staff shortage"],
    ["FIN 01", "Invoices paid in 30 days", "Bigger", 0.97, 0.95, 0.97, None],
    ["FIN 02", "Debt over 90 days (GBP k)", "Smaller", 410, 400, 380, None],
]
COLOURS = {"on": "#00B050", "within": "#FFC000", "off": "#FF0000", "none": "#BFBFBF"}
LABELS = {"on": "On target", "within": "Within 10%", "off": "Off target", "none": "Not assessed"}
STATUS_COLUMN = 8  # H: a typed status column the refresh replaces
FIRST_NEW_COLUMN = 9  # I, J, K: variance, variance %, trend


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, made by hand so the tests need no image library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def build_fixture(folder: Path) -> Path:
    """Write kpi_fixture.xlsm (and its side files) into `folder`; return its path."""
    vba = folder / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0 not really a VBA project, but bytes to keep" * 40)
    image = folder / "logo.png"
    image.write_bytes(tiny_png())
    path = folder / "kpi_fixture.xlsm"
    book = xlsxwriter.Workbook(str(path))
    book.add_vba_project(str(vba))
    book.set_properties({"company": "Example Council", "manager": "Performance Team"})
    _kpi_sheet(book)
    _data_sheet(book, image)
    book.define_name("Targets", f"={KPI_SHEET}!$E$2:$E$6")
    book.define_name("KPIs!LocalActuals", f"={KPI_SHEET}!$D$2:$D$6")
    book.close()
    return path


def _kpi_sheet(book) -> None:
    sheet = book.add_worksheet(KPI_SHEET)
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    percent = book.add_format({"num_format": "0%"})
    sheet.write_row(0, 0, HEADERS, header)
    for index, row in enumerate(ROWS, start=1):
        sheet.write_row(index, 0, row[:3])
        for column, value in enumerate(row[3:6], start=3):
            sheet.write_number(index, column, value, percent if value < 1 else None)
        if row[6] is not None:
            sheet.write_string(index, 6, row[6])
        sheet.write_string(index, 7, "Typed status")
    sheet.write_formula("H6", '=IF(D6<=E6,"On","Off")', None, "Off")  # overwritten by the plan
    sheet.write_formula("M2", "=SUM(D2:D6)", None, 419.6)  # left alone: keeps its cached value
    sheet.write_dynamic_array_formula("M3:M7", "=SORT(D2:D6)", None, 0.71)
    sheet.merge_range("O1:P1", "Merged note", header)
    sheet.data_validation("C2:C6", {"validate": "list", "source": ["Bigger", "Smaller"]})
    sheet.conditional_format("E2:E6", {"type": "data_bar", "data_bar_2010": True})
    sheet.conditional_format("D2:D6", {"type": "cell", "criteria": ">", "value": 100,
                                       "format": book.add_format({"bold": True})})
    sheet.add_sparkline("N2", {"range": f"{KPI_SHEET}!D2:F2"})
    sheet.write_comment("G2", "Checked by the service lead", {"visible": True, "x_scale": 2})
    sheet.write_comment("G4", "Awaiting figures")
    sheet.set_column("A:B", 24)


def _data_sheet(book, image: Path) -> None:
    sheet = book.add_worksheet("Data")
    sheet.add_table("A1:C4", {"name": "Quarters", "columns": [
        {"header": "Quarter"}, {"header": "Calls"}, {"header": "Answered"}],
        "data": [["Q1", 100, 80], ["Q2", 120, 90], ["Q3", 110, 100]]})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"categories": "=Data!$A$2:$A$4", "values": "=Data!$B$2:$B$4",
                      "fill": {"color": "#7030A0"}})
    chart.set_style(37)
    sheet.insert_chart("E2", chart)
    sheet.insert_image("E20", str(image), {"url": "https://example.org/"})
    sheet.write_string("A10", "Shared text that must keep its index")


def realistic_plan(statuses=("on", "within", "off", "on", "off")) -> WorkbookPlan:
    """What `kpi refresh` would ask of the fixture: statuses, variances, trend, colours,
    and both product sheets (one with a chart)."""
    top, bottom = 2, 1 + len(ROWS)
    variances = [round(row[3] - row[4], 6) for row in ROWS]
    blocks = [
        CellBlock(KPI_SHEET, top, STATUS_COLUMN, tuple((LABELS[s],) for s in statuses)),
        CellBlock(KPI_SHEET, 1, FIRST_NEW_COLUMN, (("Variance", "Variance %", "Trend"),), bold=True),
        CellBlock(KPI_SHEET, top, FIRST_NEW_COLUMN, tuple((v,) for v in variances)),
        CellBlock(KPI_SHEET, top, FIRST_NEW_COLUMN + 1,
                  tuple((v / abs(row[4]),) for v, row in zip(variances, ROWS)), number_format="0.0%"),
        CellBlock(KPI_SHEET, top, FIRST_NEW_COLUMN + 2,
                  (("↑ Improving",), ("↑ Improving",), ("↓ Worsening",), ("→ No change",), (None,))),
    ]
    rules = [StatusColourRule(KPI_SHEET, top, STATUS_COLUMN, bottom, STATUS_COLUMN, LABELS[s], s,
                              COLOURS[s]) for s in ("on", "within", "off", "none")]
    return WorkbookPlan(blocks=blocks, colour_rules=rules, sheets=[validation_sheet(), summary_sheet()])


def validation_sheet() -> SheetContent:
    return SheetContent(
        name="KPI Validation",
        rows=[["Sheet", "Cell", "Reference", "Code", "Severity", "Message"],
              [KPI_SHEET, "G4", "ICT 01", "missing_commentary", "error",
               "Off target (71% against 80%) and no commentary"],
              [KPI_SHEET, "H6", "FIN 02", "status_mismatch", "warning", "=typed Off, computed off"]],
        column_widths={1: 14, 2: 8, 3: 12, 4: 22, 5: 10, 6: 60},
        hyperlinks=[Hyperlink(2, 2, f"'{KPI_SHEET}'!G4"), Hyperlink(3, 2, f"'{KPI_SHEET}'!H6")],
        fills=[ColourRun("KPI Validation", 2, 5, 1, "off", COLOURS["off"]),
               ColourRun("KPI Validation", 3, 5, 1, "within", COLOURS["within"])],
    )


def summary_sheet() -> SheetContent:
    return SheetContent(
        name="KPI Summary",
        rows=[["Table", "On", "Within", "Off", "Not assessed"],
              [KPI_SHEET, 2, 1, 2, 0]],
        column_widths={1: 20},
        fills=[ColourRun("KPI Summary", 1, column, 1, status, COLOURS[status])
               for column, status in ((2, "on"), (3, "within"), (4, "off"), (5, "none"))],
        chart=ChartSpec("Indicators by status", (1, 2, 1, 5),
                        [(KPI_SHEET, (2, 2, 2, 5), "#4472C4")], anchor_row=4, anchor_column=1),
    )
