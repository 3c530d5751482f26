"""The issue's two timed cases (issue 10): `kpi validate` on the 1.5 MB compressed whitespace bomb
(and on one whose directory understates what it inflates to) and on a book whose one real cell
is at XFD1048576 is refused in a fresh process limited to the interpreter's own baseline plus
200 MB of address space. The suite asserts the memory (the limit itself, and the peak resident
memory over the baseline) and prints the time; bench/hostile.py measures the time precisely,
paired with a good book (a timed assertion here would be flaky on a loaded machine)."""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.hostile_books import SHEET, _central_entry, far_cell_book, good_book, whitespace_bomb

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MB = 200
WALL_SECONDS = 60  # a hang is what this catches, not speed: bench/hostile.py times it


def measured(argv: list, out: Path, address_space: int | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    def limit():
        if address_space:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    env = {**os.environ, "KPI_MEASURE_TO": str(out), "XLWINGS_LICENSE_KEY": "noncommercial"}
    run = subprocess.run([sys.executable, "-m", "tests.measured_kpi", *map(str, argv)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=WALL_SECONDS, preexec_fn=limit, check=False)  # fmt: skip
    return run, (json.loads(out.read_text()) if out.exists() else {})


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    """What validating a small good book needs: the interpreter, its imports, the reader."""
    folder = tmp_path_factory.mktemp("baseline")
    run, cost = measured(["validate", good_book(folder / "good.xlsx")], folder / "cost.json")
    assert run.returncode == 1 and cost, run.stderr
    return cost


def understated_bomb(path: Path) -> Path:
    """The same bomb with a central directory that says the sheet inflates to 100 MB."""
    whitespace_bomb(path)
    data = bytearray(path.read_bytes())
    entry = _central_entry(data, 0, SHEET)
    data[entry + 24:entry + 28] = struct.pack("<I", 100 << 20)
    path.write_bytes(bytes(data))
    return path


BOOKS = {
    "whitespace bomb (1.5 MB)": whitespace_bomb,
    "bomb, size understated": understated_bomb,
    "one cell at XFD1048576": far_cell_book,
}


@pytest.mark.parametrize("kind", BOOKS)
def test_refused_within_200_mb_over_the_baseline(kind, baseline, tmp_path, capsys):
    book = BOOKS[kind](tmp_path / "book.xlsx")
    if kind.startswith("whitespace"):
        assert book.stat().st_size < 1.6e6
        with zipfile.ZipFile(book) as archive:
            assert archive.getinfo(SHEET).file_size > 1.5e9
    limit = (baseline["vm_peak_kb"] << 10) + (BUDGET_MB << 20)
    before = book.read_bytes()
    run, cost = measured(["validate", book], tmp_path / "cost.json", address_space=limit)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert book.read_bytes() == before
    grown_mb = (cost["rss_peak_kb"] - baseline["rss_peak_kb"]) / 1024
    with capsys.disabled():
        print(f"\n{kind}: refused in {cost['seconds']:.3f} s, peak RSS {cost['rss_peak_kb'] / 1024:.0f} MB "
              f"({grown_mb:+.0f} MB over the baseline), address space capped at baseline + {BUDGET_MB} MB: "
              f"{run.stderr.strip()[-90:]}")
    assert grown_mb < BUDGET_MB
