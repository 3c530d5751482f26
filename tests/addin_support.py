"""Shared helpers for the add-in tests: a KPI workbook, the JSON the Office.js client sends."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import python_calamine
import xlsxwriter

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings

from workbook.addresses import column_letter

REPO = Path(__file__).resolve().parents[1]
XLWINGS_VERSION = xlwings.__version__

KPI_SHEET = "Supporting KPIs"
HEADERS = ["Reference", "Performance Indicator", "Bigger is better/ Smaller is better",
           "Q4 Outturn", "Quarterly Target", "Q1", "Commentary"]
ROWS = [
    ["HR 01", "Sickness days per FTE", "Smaller", 8.5, 8.0, 8.1, "Seasonal flu"],
    ["HR 02", "% staff appraised", "Bigger", 0.90, 0.95, 0.92, None],
    ["ICT 01", "% calls answered within 20 secs", "Bigger", 0.75, 0.80, 0.60, None],
    ["FIN 01", "% invoices paid in 30 days", "Bigger", 0.97, 0.95, 0.97, None],
    ["FIN 02", "Debt over 90 days (GBP k)", "Smaller", 380, 400, 410, "Two large debtors"],
    ["REV 01", "Council tax collected", "Bigger", "TBC", 0.25, "TBC", None],
]


def make_kpi_workbook(path: Path, rows: list[list[Any]] | None = None) -> Path:
    """Title rows, then one KPI table (layout 1 of domain.md, trimmed)."""
    rows = ROWS if rows is None else rows
    book = xlsxwriter.Workbook(str(path))
    pct = book.add_format({"num_format": "0%"})
    sheet = book.add_worksheet(KPI_SHEET)
    sheet.write(0, 0, "Quarterly performance report")
    sheet.write(1, 0, "Q1 2024/25")
    for col, header in enumerate(HEADERS):
        sheet.write(3, col, header)
    for r, row in enumerate(rows, start=4):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, float) and value < 1 and c in (3, 4, 5):
                sheet.write_number(r, c, value, pct)
            else:
                sheet.write(r, c, value)
    book.add_worksheet("Notes").write(0, 0, "Nothing here")
    book.close()
    return path


def kpi_sheet(rows: int) -> dict[str, list[list]]:
    """A "KPIs" sheet of `rows` indicators (seeded: the same every time), as Office.js sends it."""
    rng = random.Random(7)
    header = ["Reference", "Performance Indicator", "Polarity", "Previous", "Target", "Actual",
              "Commentary"]
    values = [["KPI report Q1", "", "", "", "", "", ""], header]
    for i in range(rows):
        target = rng.choice([50, 80, 0.9, 400])
        actual = target * rng.uniform(0.75, 1.15) if rng.random() > 0.05 else "TBC"
        values.append([f"IND {i:05d}", f"Indicator {i}", rng.choice(["Bigger", "Smaller"]),
                       target * rng.uniform(0.8, 1.2), target, actual,
                       "" if rng.random() < 0.5 else "Commentary text"])
    return {"KPIs": values}


def grids_from_xlsx(path: Path) -> dict[str, list[list[Any]]]:
    """Each sheet's values from A1, as Office.js reads them ("" for an empty cell)."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    grids = {}
    for name in book.sheet_names:
        values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        grids[name] = [[_officejs(v) for v in row] for row in values] or [[""]]
    return grids


def _officejs(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def book_json(grids: dict[str, list[list[Any]]], name: str = "kpis.xlsx") -> dict[str, Any]:
    """The body `xlwings.runPython` posts to /xlwings/custom-scripts-call/{script}."""
    sheets = []
    for sheet_name, values in grids.items():
        rows, cols = len(values), len(values[0]) if values else 0
        sheets.append({
            "name": sheet_name, "visibility": "Visible", "show_gridlines": True,
            "print_area": None, "notes": [], "notes_supported": True,
            "used_range_address": f"A1:{column_letter(cols)}{rows}" if rows and cols else None,
            "used_range_row_count": rows, "used_range_column_count": cols,
            "values": values, "pictures": [], "shapes": [], "charts": [], "tables": [],
            "pivot_tables": [],
        })
    return {
        "client": "Office.js", "version": XLWINGS_VERSION,
        "book": {"name": name, "active_sheet_index": 0, "selection": "A1",
                 "calculation": "Automatic"},
        "sheets": sheets, "names": [],
    }




def cell(value: Any) -> list[list[Any]]:
    return [[value]]


def column(values: list[Any]) -> list[list[Any]]:
    return [[v] for v in values]


def function_call(func_name: str, *args: Any) -> dict[str, Any]:
    """The body the custom-functions client posts to /xlwings/custom-functions-call."""
    return {
        "client": "Office.js", "func_name": func_name, "args": list(args),
        "caller_address": "[kpis.xlsx]Sheet1!B2", "session_id": "test-session",
        "culture_info_name": "en-GB", "date_format": "dd/mm/yyyy",
        "version": XLWINGS_VERSION, "runtime": "1.4",
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerFailed(RuntimeError):
    pass


@contextlib.contextmanager
def running_server(log_path: Path, env: dict[str, str] | None = None,
                   args: tuple[str, ...] = ()) -> Iterator[str]:
    """`kpi serve` on a free loopback port (with `env` added to the environment and `args` to
    the command line); yields its base URL and stops it on the way out."""
    import httpx

    port = free_port()
    full_env = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial", **(env or {}),
                    PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kpi_cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
             *args],
            cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to ~60 s
            if proc.poll() is not None:
                raise ServerFailed(f"kpi serve exited: {log_path.read_text()}")
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            raise ServerFailed(f"kpi serve did not start: {log_path.read_text()}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def formats_from_xlsx(path: Path) -> dict[str, list]:
    """Each sheet's number formats as ribbon.js sends them with the request: per column (0-based)
    with a format other than General, [format, rows] runs down from row 1."""
    from openpyxl import load_workbook

    formats: dict[str, list] = {}
    for sheet in load_workbook(path).worksheets:
        grid = [[cell.number_format for cell in row] for row in sheet.iter_rows()]
        width = max((len(row) for row in grid), default=0)
        columns = []
        for column in range(width):
            runs: list[list] = []
            for row in grid:
                code = row[column] if column < len(row) else "General"
                if runs and runs[-1][0] == code:
                    runs[-1][1] += 1
                else:
                    runs.append([code, 1])
            if any(code != "General" for code, _ in runs):
                columns.append([column, runs])
        formats[sheet.title] = columns
    return formats
