"""A sheet whose cells claim to reach far past its data is refused (one line naming the sheet)
before the native reader allocates a grid for it; an ordinary sheet with rows past 10,000 is
read. The far cell may sit first, among ordered rows, last, in lower case or quoted oddly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from workbook.read.grid import WorkbookReadError, read_grids

SHEET_PART = "xl/worksheets/sheet1.xml"
ROWS = range(10_001, 10_301)  # past 9,999: the rows the scan looks at one by one before


def _book(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Reference", "Indicator", "Actual", "Target"])
    for row in ROWS:
        sheet.write_row(row - 1, 0, [f"K{row}", f"Indicator {row}", row % 50, 40])
    book.close()
    return path


def _with_cell(source: Path, target: Path, where: str, cell: bytes) -> Path:
    """The book with `cell` (a whole <c> element) put into the first, a middle or the last row."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == SHEET_PART:
                row = {"first": 1, "middle": ROWS[len(ROWS) // 2], "last": ROWS[-1]}[where]
                start = data.index(b'<row r="%d"' % row)
                close = data.index(b"</row>", start)
                data = data[:close] + cell + data[close:]
            new.writestr(name, data)
    return target


def test_a_sheet_with_rows_past_ten_thousand_is_read(tmp_path):
    grids = read_grids(_book(tmp_path / "big.xlsx"))
    assert grids["KPIs"].height == ROWS[-1]
    assert grids["KPIs"].cell(ROWS[-1], 1) == f"K{ROWS[-1]}"


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("cell", [
    b'<c r="XFD1048577"><v>1</v></c>',  # past Excel's last row
    b'<c r="XFE20"><v>1</v></c>',  # past Excel's last column
    b"<c r='XFE20'><v>1</v></c>",  # the same, quoted the other way
    b'<c r="xfe20"><v>1</v></c>',  # the same, in lower case
])
def test_a_cell_past_excels_last_cell_is_refused(tmp_path, where, cell):
    book = _with_cell(_book(tmp_path / "book.xlsx"), tmp_path / "far.xlsx", where, cell)
    with pytest.raises(WorkbookReadError) as refused:
        read_grids(book)
    message = str(refused.value)
    assert "KPIs" in message and "beyond Excel's last cell" in message and len(message) <= 200


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("cell", [
    b'<c r="ZZ900000"><v>1</v></c>',  # two letters, a row far below the data
    b'<c r="AB99999"><v>1</v></c>',  # five digits, as many as the data's rows: still far
])
def test_a_stray_far_cell_is_refused(tmp_path, where, cell):
    book = _with_cell(_book(tmp_path / "book.xlsx"), tmp_path / "far.xlsx", where, cell)
    with pytest.raises(WorkbookReadError) as refused:
        read_grids(book)
    assert "clear the stray cells" in str(refused.value)
