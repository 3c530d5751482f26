"""Folder runs isolate each book (issue 10): a good book, a book that aborts the interpreter, a
book that hangs and another good book; every command over the folder reports and does both good
books, and says the other two in one line each.

The aborting book is a real crafted file: a sheet of 120,000 cells reaching BL40004 passes the reach
check (it is dense enough) but the native reader reserves its whole 2.6-million-cell grid (82 MB)
at once, which the per-book memory limit (KPI_BOOK_MEMORY_MB=60) turns into a Rust allocation
failure and SIGABRT. The hanging book uses the documented test hook KPI_TEST_HANG_BOOK (no file
we could craft hangs the reader any more; a FIFO is refused before it is opened)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.hostile_books import HEADER, ROWS, good_book, kpi_package, sheet_xml, write_zip

ROOT = Path(__file__).resolve().parent.parent
BOOK_SECONDS = 20  # the hanging book costs this much per command


def dense_book(path: Path) -> Path:
    cells = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><v>1</v></c>'
                    f'<c r="BL{r}"><v>2</v></c></row>' for r in range(5, 40_005))  # fmt: skip
    return write_zip(path, kpi_package(sheet=sheet_xml([HEADER, *ROWS], extra_cells=cells)))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("isolation") / "books"
    folder.mkdir()
    good_book(folder / "a_good.xlsx")
    dense_book(folder / "b_aborts.xlsx")
    good_book(folder / "c_hangs.xlsx")
    good_book(folder / "d_good.xlsx")
    return folder


@pytest.fixture(scope="module")
def runs(folder) -> dict[str, subprocess.CompletedProcess]:
    """The four commands over the folder, run at the same time (each waits out the hang)."""
    out = folder.parent
    commands = {
        "validate": ["validate", folder],
        "summary": ["summary", "--json", folder],
        "refresh": ["refresh", folder, "-o", out / "refreshed"],
        "report": ["report", folder, "-o", out / "pack.html"],
    }
    env = {**os.environ, "KPI_BOOK_MEMORY_MB": "60", "KPI_WORKERS": "2", "KPI_BOOK_SECONDS": str(BOOK_SECONDS),
           "KPI_TEST_HANG_BOOK": "c_hangs.xlsx", "XLWINGS_LICENSE_KEY": "noncommercial"}
    started = {name: subprocess.Popen([sys.executable, "-m", "kpi_cli.main", *map(str, argv)], cwd=ROOT,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name, argv in commands.items()}  # fmt: skip
    done = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=240)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return done


@pytest.mark.parametrize("command", ["validate", "summary", "refresh", "report"])
def test_a_book_that_aborts_or_hangs_is_one_line_and_the_rest_is_done(command, runs, folder):
    run = runs[command]
    assert run.returncode == 2, run.stderr  # some books failed
    assert "Traceback" not in run.stderr + run.stdout
    failures = run.stderr.strip().splitlines()
    assert len(failures) == 2, run.stderr
    assert "b_aborts.xlsx: the reader was stopped by SIGABRT: memory allocation of" in failures[0]
    assert "KPI_BOOK_MEMORY_MB" in failures[0]
    assert failures[1].endswith(f"c_hangs.xlsx: gave up after {BOOK_SECONDS} s (KPI_BOOK_SECONDS)")
    if command == "report":
        assert "Wrote" in run.stdout and "from 2 books, 2 not read" in run.stdout
        assert "d_good" in (folder.parent / "pack.html").read_text(encoding="utf-8")
        return
    if command == "summary":
        books = {entry["book"]: entry for entry in __import__("json").loads(run.stdout)}
        assert books["a_good.xlsx"]["summary"] and books["d_good.xlsx"]["summary"]
        assert "error" in books["b_aborts.xlsx"] and "error" in books["c_hangs.xlsx"]
        return
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 5
    for good, line in ((folder / "a_good.xlsx", lines[0]), (folder / "d_good.xlsx", lines[3])):
        assert line.startswith(f"{good}: ") and "3 indicators in 1 table" in line
    assert "FAILED" in lines[1] and "FAILED" in lines[2]
    if command == "refresh":
        assert lines[4] == "4 findings in 4 books, 2 could not be refreshed"
        for name in ("a_good.xlsx", "d_good.xlsx"):
            with zipfile.ZipFile(folder.parent / "refreshed" / name) as written:
                assert written.testzip() is None and any("KPI Validation" in n or "sheet" in n
                                                         for n in written.namelist())  # fmt: skip
        assert not (folder.parent / "refreshed" / "b_aborts.xlsx").exists()


def test_limits_that_are_not_numbers_are_one_line(folder, tmp_path):
    env = {**os.environ, "KPI_BOOK_SECONDS": "soon", "XLWINGS_LICENSE_KEY": "noncommercial"}
    run = subprocess.run([sys.executable, "-m", "kpi_cli.main", "validate", str(folder)], cwd=ROOT, env=env, check=False,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 2
    assert run.stderr == "kpi: KPI_BOOK_SECONDS=soon: must be a positive number\n"
