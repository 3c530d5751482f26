"""`kpi refresh DIR | head -1`, `kpi validate --json ... | head -c 10` (issue 10): a reader that
leaves early is no error; no BrokenPipe traceback, the work is still done and its exit code kept.
The pipe's reading end is closed before kpi writes a byte, so every write fails (deterministic,
unlike a real `head`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_books import good_book

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pipe") / "books"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        good_book(folder / name)
    return folder


@pytest.mark.parametrize("argv", [
    ["refresh", "{folder}", "-o", "{out}"], ["refresh", "{folder}/a.xlsx", "-o", "{out}.xlsx"],
    ["validate", "--json", "{folder}"], ["validate", "--json", "{folder}/a.xlsx"],
    ["summary", "{folder}"], ["report", "{folder}", "-o", "{out}.html"],
], ids=" ".join)
def test_a_reader_that_left_is_no_error(argv, folder, tmp_path):
    out = tmp_path / "out"
    reading, writing = os.pipe()
    os.close(reading)
    argv = [a.format(folder=folder, out=out) for a in argv]
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    run = subprocess.run([sys.executable, "-m", "kpi_cli.main", *argv], cwd=ROOT, env=env, stdout=writing,
                         stderr=subprocess.PIPE, text=True, timeout=120, check=False)  # fmt: skip
    os.close(writing)
    # as without a pipe: the good books have error findings (summary counts, and exits 0)
    assert run.returncode == (0 if argv[0] == "summary" else 1), run.stderr
    assert run.stderr == ""
    if argv[0] == "refresh":
        assert out.exists() or out.with_suffix(".xlsx").exists()
