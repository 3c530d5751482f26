"""`kpi validate` on the issue's hostile books against a small good book, in this process, paired.

Target (issue 10): the 1.5 MB compressed whitespace bomb (1.5 GB inflated), the same bomb with a
central directory that understates it (100 MB), and a book whose one real cell is XFD1048576
are each refused in under 2 s. Pairs alternate good and hostile runs; printed: the medians and
the ratio hostile/good. Exit 1 when a median is 2 s or more. Memory is asserted in the suite
(tests/test_hostile_limits.py: baseline + 200 MB of address space).

    python bench/hostile.py [--pairs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpi_cli.main import main as kpi
from tests.hostile_books import far_cell_book, good_book, whitespace_bomb
from tests.test_hostile_limits import understated_bomb

TARGET_SECONDS = 2.0
HOSTILE = {"whitespace bomb": whitespace_bomb, "bomb, size understated": understated_bomb,
           "cell at XFD1048576": far_cell_book}  # fmt: skip


def seconds(book: Path) -> float:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        started = time.perf_counter()
        kpi(["validate", str(book)])
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=5)
    pairs = parser.parse_args().pairs
    missed = False
    with tempfile.TemporaryDirectory() as folder:
        good = good_book(Path(folder) / "good.xlsx")
        seconds(good)  # imports, once
        for name, build in HOSTILE.items():
            hostile = build(Path(folder) / "hostile.xlsx")
            good_times, hostile_times = [], []
            for _ in range(pairs):
                good_times.append(seconds(good))
                hostile_times.append(seconds(hostile))
            good_median, hostile_median = statistics.median(good_times), statistics.median(hostile_times)
            missed |= hostile_median >= TARGET_SECONDS
            print(f"{name:24} refused in {hostile_median:.3f} s (good book {good_median:.3f} s, "
                  f"ratio {hostile_median / good_median:.2f}); target < {TARGET_SECONDS:.0f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
