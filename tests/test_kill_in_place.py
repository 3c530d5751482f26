"""kill -9 during `kpi refresh --in-place` (issue 10): whenever the process dies, the source is
either its old bytes or a complete, valid refreshed book. Half of the kills come the moment the
temporary file appears beside the book (the writer is then writing it); the others at delays
spread over a whole refresh. Each run is a real process (forked, tests/forked_cli.py) killed with
SIGKILL, never a signal Python could handle."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest

from kpi_cli.main import main
from tests.forked_cli import ForkedCli
from tests.hostile_books import HEADER, kpi_package, sheet_xml, write_zip

RUNS = 24
ROWS = [[f"KPI {i}", f"Indicator {i}", "High" if i % 2 else "Low", i % 9, 4, "On target", ""]
        for i in range(1, 1500)]


@pytest.fixture(scope="module")
def cli():
    client = ForkedCli()
    yield client
    client.close()


def test_kill_9_during_in_place_leaves_old_bytes_or_a_complete_book(tmp_path, cli, capsys):
    book = write_zip(tmp_path / "book.xlsx", kpi_package(sheet=sheet_xml([HEADER, *ROWS])))
    original = book.read_bytes()
    whole = cli.run(["refresh", book, "--in-place"], seconds=120)
    assert whole["status"] == 1, whole["stderr"]
    refreshed = book.read_bytes()
    assert refreshed != original
    seen = Counter()
    for run in range(RUNS):
        book.write_bytes(original)
        if run % 2 == 0:
            kill = {"kill_when": [str(tmp_path), ".book.xlsx."]}
        else:
            kill = {"kill_after": whole["seconds"] * (0.1 + 1.0 * run / RUNS)}
        result = cli.run(["refresh", book, "--in-place"], seconds=120, **kill)
        now = book.read_bytes()
        state = "old" if now == original else _complete(book)
        seen[state] += 1
        seen["killed" if result["killed"] else "finished"] += 1
        for temporary in tmp_path.glob(".book.xlsx.*"):
            temporary.unlink()  # what a killed write leaves; the next refresh an hour on removes it
    with capsys.disabled():
        print(f"\nkill -9 during --in-place, {RUNS} runs: {dict(seen)}")
    assert seen["old"] + seen["new"] == RUNS
    assert seen["killed"] >= RUNS // 2, "too few runs were killed mid-way to show anything"


def _complete(book: Path) -> str:
    """'new' when the book is a whole refreshed workbook; fails the test otherwise."""
    with zipfile.ZipFile(book) as archive:
        assert archive.testzip() is None
        assert any("KPI Validation" in archive.read(name).decode("utf-8", "replace")
                   for name in archive.namelist() if name.endswith("workbook.xml"))  # fmt: skip
    assert main(["validate", str(book)]) in (0, 1)
    return "new"
