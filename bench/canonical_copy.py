"""What reading a valid package that python-calamine cannot open as it is costs: the same book
read once as Excel lays it out and once with its workbook part at /book/wb.xml, which makes
the reader build a canonical copy in memory (workbook/read/opc/canonical.py). Runs alternate,
and the ratio is taken pair by pair (median), so a machine that slows down mid-run moves both.

    python bench/canonical_copy.py [--sizes 10000 100000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from read import make_book  # bench/read.py: layout 1 at scale

from tests.package_books import members, workbook_elsewhere, write_members
from workbook.read.grid import read_grids


def seconds(path: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    read_grids(path)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'indicators':>10}  {'plain':>8}  {'copied':>8}  {'ratio (median of pairs)':>24}")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            book = make_book(Path(folder) / f"book{size}.xlsx", size)
            parts = members(book)
            plain = write_members(Path(folder) / f"plain{size}.xlsx", parts)
            moved = write_members(Path(folder) / f"moved{size}.xlsx", workbook_elsewhere(parts))
            seconds(plain), seconds(moved)  # warm-up
            pairs = [(seconds(plain), seconds(moved)) for _ in range(args.pairs)]
            ratio = statistics.median(copied / base for base, copied in pairs)
            print(f"{size:>10}  {statistics.median(p for p, _ in pairs):>7.3f}s  "
                  f"{statistics.median(c for _, c in pairs):>7.3f}s  {ratio:>24.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
