"""The add-in in a browser, for tests: the real server, Debian's chromium, the strict Excel
simulation (tests/browser/addin: excel_sim.js on top of office-addin-mock, addin_page.mjs).

API:
    needs_browser                 pytest mark: skips, saying why, without chromium, node 20+ or npm
    install_driver(folder)        `npm ci` there when node_modules is missing or stale (file lock)
    addin_server(log_dir, env=None)  context manager: `kpi serve` on a free loopback port,
                                  yields its base URL ("http://127.0.0.1:PORT"); stopped on exit
    run_addin(base_url, books, work_dir) -> list of {"steps", "violations", "errors"}
        books: [{"book": {"name", "sheets": [{"name", "values", "numberFormats"?}]},
                 "steps": [{"click": id} | {"edit": [sheet, row, col, value]}
                           | {"call": name, "args": [...]} | {"dump": True}]}]
        One chromium for all books; each book gets a fresh page. See drive_addin.mjs.
    book_from_xlsx(path)          a workbook file as the simulation's book: values and number
                                  formats of every sheet (what Excel would hold)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.addin_support import REPO, running_server

ADDIN_DRIVER = REPO / "tests" / "browser" / "addin"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def node_major() -> int:
    """node's major version, 0 when node is missing or does not answer."""
    if shutil.which("node") is None:
        return 0
    done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    found = re.match(r"v(\d+)\.", done.stdout)
    return int(found.group(1)) if found else 0


needs_browser = pytest.mark.skipif(
    chromium() is None or node_major() < 20 or shutil.which("npm") is None,
    reason="needs chromium, node 20 or later (playwright-core's) and npm "
           "(apt-get install chromium nodejs npm)",
)


def install_driver(folder: Path) -> None:
    """npm ci when node_modules is missing or was installed from another package-lock.json
    (under a file lock, so parallel test workers wait for each other)."""
    lock_digest = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    stamp = folder / "node_modules" / ".installed-from"
    with open(folder / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == lock_digest:
            return
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=folder, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"npm ci in {folder} failed: {done.stderr[-2000:]}"
        stamp.write_text(lock_digest)


@contextlib.contextmanager
def addin_server(log_dir: Path, env: dict[str, str] | None = None):
    """`kpi serve` on a free loopback port (tests.addin_support.running_server), `env` added to
    its environment; the manifest then names this server's own address."""
    with running_server(log_dir / "serve.log", env=env) as base:
        yield base


def run_addin(base_url: str, books: list[dict[str, Any]], work_dir: Path,
              timeout: float = 240) -> list[dict[str, Any]]:
    """Drive the page through each book's steps (drive_addin.mjs); fails on a driver error."""
    install_driver(ADDIN_DRIVER)
    scenario = work_dir / "scenario.json"
    scenario.write_text(json.dumps({"baseUrl": base_url, "books": books}))
    done = subprocess.run(["node", "drive_addin.mjs", str(scenario)], cwd=ADDIN_DRIVER,
                          capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, "CHROMIUM": chromium() or "/usr/bin/chromium"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)["books"]


def book_from_xlsx(path: Path) -> dict[str, Any]:
    """Every sheet's values and number formats, as Excel holds them (dates as serial numbers
    are not needed by the KPI books: cells keep openpyxl's value, datetimes as ISO text)."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheets = []
    for sheet in book.worksheets:
        values, formats = [], []
        for row in sheet.iter_rows():
            values.append([_excel_value(cell.value) for cell in row])
            formats.append([cell.number_format for cell in row])
        sheets.append({"name": sheet.title, "values": values, "numberFormats": formats})
    return {"name": path.name, "sheets": sheets}


def _excel_value(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
