"""Benchmark: the package writer on its own (`apply_plan`), whatever reading and checking cost.

For the plain 8-column KPI sheet of bench/refresh.py at 10k and 100k rows, the plan `kpi
refresh` makes is built once and pickled; then each step runs in a fresh subprocess:
- "write": `apply_plan(book, out, plan)` (the plan unpickled first, not timed);
- "floor": the least any writer of this book must do: copy the zip with the sheet part inflated
  and deflated once on the way, unchanged, and every other part copied raw (the package's own
  zip code, so the ratio shows what editing the rows costs on top).
Prints seconds and peak memory (ru_maxrss of the process, the unpickled plan included) and the
write/floor ratios.

    python bench/write.py [--sizes 10000,100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from refresh import build_book

SHEET_PART = "xl/worksheets/sheet1.xml"


def plan_step(book: Path, out: Path, plan_path: Path) -> float:
    """Not timed: builds the plan (in a process of its own, so that the steps measured after it
    do not inherit its memory peak, which Linux carries across fork and exec)."""
    from workbook.check import check_grids
    from workbook.plan import plan_from_check
    from workbook.read.grid import read_grids
    from workbook.read.rules_source import find_rules

    grids = read_grids(book)
    check = check_grids(grids, find_rules(book, None, grids), book.name)
    plan_path.write_bytes(pickle.dumps(plan_from_check(check, grids)))
    return 0.0


def write_step(book: Path, out: Path, plan_path: Path) -> float:
    from workbook.xlsx.writer import apply_plan

    plan = pickle.loads(plan_path.read_bytes())
    started = time.perf_counter()
    apply_plan(book, out, plan)
    return time.perf_counter() - started


def floor_step(book: Path, out: Path, plan_path: Path) -> float:
    from workbook.xlsx.package import Package

    started = time.perf_counter()
    package = Package.open(book)
    package.replace_streamed(SHEET_PART, package.read_chunks(SHEET_PART))
    with open(out, "wb") as target:
        package.write_to(target)
    package.close()
    return time.perf_counter() - started


STEPS = {"plan": plan_step, "write": write_step, "floor": floor_step}


def run_step(step: str, book: Path, out: Path, plan: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--step", step, str(book), str(out),
                             str(plan)], check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(step: str, book: Path, out: Path, plan: Path, repeats: int) -> dict:
    runs = [run_step(step, book, out, plan) for _ in range(repeats)]
    return {key: statistics.median(run[key] for run in runs) for key in ("seconds", "peak_mb")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--step", choices=STEPS)
    parser.add_argument("--keep", help="folder to keep the books and plans in (for profiling)")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.step:
        seconds = STEPS[args.step](*map(Path, args.paths))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))
        return
    print(f"{'rows':>8} {'floor s':>8} {'write s':>8} {'ratio':>6} {'floor MB':>9} "
          f"{'write MB':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in (int(size) for size in args.sizes.split(",")):
            book, plan = folder / f"kpis-{rows}.xlsx", folder / f"plan-{rows}.pickle"
            build_book(book, rows)
            run_step("plan", book, folder / "unused.xlsx", plan)
            floor = measure("floor", book, folder / "floor.xlsx", plan, args.repeats)
            ours = measure("write", book, folder / "written.xlsx", plan, args.repeats)
            print(f"{rows:>8} {floor['seconds']:>8.3f} {ours['seconds']:>8.3f} "
                  f"{ours['seconds'] / floor['seconds']:>6.2f} {floor['peak_mb']:>9.0f} "
                  f"{ours['peak_mb']:>9.0f} {ours['peak_mb'] / floor['peak_mb']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
