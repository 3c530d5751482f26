"""A formula in a cell refresh would write is the officer's own: it is left as it is, and a
typed status it gives that the figures contradict is a finding (issue 10, "Formulas where
refresh writes"; docs/writing.md)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from kpi_cli.main import main
from tests import package_books as books
from workbook.read.formats import SheetScan, linear_pieces
from workbook.read.grid import read_grids

openpyxl = pytest.importorskip("openpyxl")


def _formulas(path, column: str) -> dict[str, str]:
    sheet = openpyxl.load_workbook(path)[books.KPI_SHEET]
    cells = (sheet[f"{column}{row}"] for row in range(2, 2 + len(books.ROWS)))
    return {cell.coordinate: cell.value for cell in cells if isinstance(cell.value, str)
            and cell.value.startswith("=")}


def test_status_formulas_survive_a_refresh_and_are_listed(tmp_path, capsys):
    path = books.kpi_book(tmp_path / "book.xlsx", status_formulas=True)
    before = _formulas(path, books.STATUS_COLUMN)
    assert len(before) == len(books.ROWS)
    code = main(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert _formulas(tmp_path / "out.xlsx", books.STATUS_COLUMN) == before
    assert "typed status" not in out  # nothing was replaced, so nothing is reported as changed
    validation = read_grids(tmp_path / "out.xlsx")["KPI Validation"].values
    assert any("Status formula disagrees" in map(str, row) for row in validation)
    assert "3 formulas left as they are (refresh never overwrites a formula): 'KPIs'!G2, 'KPIs'!G3, 'KPIs'!G4" in out


def test_a_status_formula_the_figures_contradict_is_a_finding_not_a_change(tmp_path, capsys):
    path = books.kpi_book(tmp_path / "book.xlsx", status_formulas=True)
    assert main(["validate", "--json", str(path)]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    status = {row["row"]: row["label"] for row in report["indicators"]}
    cached = {row: grid_value for row, grid_value in
              zip(range(2, 5), (read_grids(path)[books.KPI_SHEET].cell(r, 7) for r in range(2, 5)))}
    contradicted = {row for row in cached if cached[row] != status[row]}
    assert contradicted  # the book's formula ignores polarity and tolerance
    kept = [f for f in report["findings"] if f["code"] == "formula_kept"]
    assert {f["row"] for f in kept} == contradicted
    assert all(f["cell"] == f"G{f['row']}" and f["severity"] == "warning" for f in kept)
    assert not [f for f in report["findings"] if f["code"] == "status_mismatch"]
    assert all("left as it is" in f["message"] for f in kept)


def test_typed_statuses_are_replaced_and_a_formula_beside_them_is_kept(tmp_path, capsys):
    plain = books.kpi_book(tmp_path / "plain.xlsx")
    parts = books.members(plain)
    sheet = "xl/worksheets/sheet1.xml"
    # G3 becomes a formula; G2 and G4 stay typed text
    parts[sheet] = re.sub(rb'<c r="G3"[^>]*>.*?</c>',
                          b'<c r="G3" t="str"><f>"On target"</f><v>On target</v></c>', parts[sheet])
    path = books.write_members(tmp_path / "mixed.xlsx", parts)
    assert main(["refresh", str(path), "-o", str(tmp_path / "out.xlsx")]) in (0, 1)
    out = capsys.readouterr().out
    assert _formulas(tmp_path / "out.xlsx", "G") == {"G3": '="On target"'}
    assert "'KPIs'!G3" not in out.split("formula")[0]  # not among the changed statuses
    assert "1 formula left as it is (refresh never overwrites a formula): 'KPIs'!G3" in out
    written = read_grids(tmp_path / "out.xlsx")[books.KPI_SHEET]
    expected = read_grids(_refreshed(plain, tmp_path, capsys))[books.KPI_SHEET]
    assert written.cell(2, 7) == expected.cell(2, 7) and written.cell(4, 7) == expected.cell(4, 7)


def _refreshed(path, tmp_path, capsys):
    target = tmp_path / "plain-out.xlsx"
    assert main(["refresh", str(path), "-o", str(target)]) in (0, 1)
    capsys.readouterr()
    return target


def test_formulas_in_the_variance_and_trend_columns_are_kept_on_the_next_refresh(tmp_path, capsys):
    first = _refreshed(books.kpi_book(tmp_path / "book.xlsx"), tmp_path, capsys)
    headers = read_grids(first)[books.KPI_SHEET].values[0]
    variance, trend = (chr(ord("A") + headers.index(h)) for h in ("KPI variance", "KPI trend"))
    parts = books.members(first)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<c r="' + f"{variance}2".encode() + rb'"[^>]*>.*?</c>',
                          b'<c r="' + f"{variance}2".encode() + b'"><f>D2-E2</f></c>', parts[sheet])
    # no previous figures, so no trend was written: the officer's formula is a new cell
    parts[sheet] = parts[sheet].replace(
        b'</row><row r="4"', b'<c r="' + f"{trend}3".encode() + b'" t="str"><f>"mine"</f></c></row><row r="4"')
    edited = books.write_members(tmp_path / "edited.xlsx", parts)
    assert main(["refresh", str(edited), "-o", str(tmp_path / "again.xlsx")]) in (0, 1)
    assert f"{variance}2, 'KPIs'!{trend}3" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(tmp_path / "again.xlsx")[books.KPI_SHEET]
    assert sheet[f"{variance}2"].value == "=D2-E2" and sheet[f"{trend}3"].value == '="mine"'


@pytest.mark.parametrize("chunk", [48, 61, 97, 130, 1 << 20])  # cuts fall everywhere
def test_formula_cells_are_found_wherever_the_scan_cuts_the_sheet(chunk, tmp_path):
    path = books.kpi_book(tmp_path / "book.xlsx", status_formulas=True)
    with zipfile.ZipFile(path) as archive:
        data = archive.read("xl/worksheets/sheet1.xml")
    scan = SheetScan(set())
    for piece in linear_pieces(io.BytesIO(data), chunk):
        scan.feed(piece)
    assert scan.formula_cells().rows_by_column[7].tolist() == [2, 3, 4]
    assert list(scan.formula_cells().rows_by_column) == [7]
