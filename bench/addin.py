"""Add-in benchmark (not a test): ratios measured side by side in one run, loopback only.

1. =KPI.STATUS over a 10,000-row column in one call (HTTP round trip).
2. Scalar =KPI.STATUS calls per second against xlwings' smallest function (`one()` returning 1,
   in a bench-only project served by the same `kpi serve` code), interleaved. Target >= 0.8.
3. The Refresh statuses script on a 10,000-indicator sheet: server-side time (in process, the
   same code the endpoint runs; target < 1 s), HTTP round trip, and the actions returned against
   columns written + colour runs + sheets written.

Run: XLWINGS_LICENSE_KEY=noncommercial .venv/bin/python bench/addin.py
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import httpx
import xlwings as xw

from addin import book_actions
from tests.addin_support import book_json, column, free_port, function_call, kpi_sheet

CALL = "/xlwings/custom-functions-call"
ROWS = 10_000
ONE_PROJECT = {
    "custom_functions/__init__.py": "from xlwings.server import func\n\n\n@func\n"
                                    "def one():\n    return 1\n",
    "custom_scripts/__init__.py": "",
}


def start(project_dir: Path | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if project_dir is not None:
        env["XLWINGS_PROJECT_DIR"] = str(project_dir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kpi_cli.main", "serve", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        one_dir = Path(tmp)
        for name, text in ONE_PROJECT.items():
            (one_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (one_dir / name).write_text(text)
        kpi_proc, kpi_base = start(None)
        one_proc, one_base = start(one_dir)
        try:
            with httpx.Client(base_url=kpi_base, timeout=120) as kpi, \
                    httpx.Client(base_url=one_base, timeout=120) as one:
                run(kpi, one)
        finally:
            for proc in (kpi_proc, one_proc):
                proc.terminate()
                proc.wait(timeout=15)
    return 0


def run(kpi: httpx.Client, one: httpx.Client) -> None:
    rng = random.Random(1)
    actual = column([rng.uniform(50, 100) for _ in range(ROWS)])
    target = column([80] * ROWS)
    big = function_call("kpi_status", actual, target, [["Bigger"]])
    assert len(kpi.post(CALL, json=big).json()["result"]) == ROWS
    column_time = timed(lambda: kpi.post(CALL, json=big).raise_for_status(), 7)
    print(f"1. KPI.STATUS, {ROWS:,}-row column in one call: {column_time * 1000:.0f} ms "
          f"(HTTP round trip, median of 7)")

    status_body = function_call("kpi_status", [[72]], [[80]], [["Bigger"]])
    one_body = function_call("one")
    for client, body in ((kpi, status_body), (one, one_body)):
        for _ in range(50):  # warm-up
            client.post(CALL, json=body).raise_for_status()
    rates: dict[str, list[float]] = {"status": [], "one": []}
    calls = 200
    for _ in range(5):  # interleaved rounds, so both see the same machine noise
        for key, client, body in (("status", kpi, status_body), ("one", one, one_body)):
            t0 = time.perf_counter()
            for _ in range(calls):
                client.post(CALL, json=body)
            rates[key].append(calls / (time.perf_counter() - t0))
    status_rate, one_rate = statistics.median(rates["status"]), statistics.median(rates["one"])
    print(f"2. scalar calls/s: KPI.STATUS {status_rate:.0f}, one() {one_rate:.0f}, "
          f"ratio {status_rate / one_rate:.2f} (target >= 0.8)")

    grids = kpi_sheet(ROWS)
    body = book_json(grids)

    def in_process():
        book = xw.Book(json=book_json(grids))
        applied = book_actions.refresh_statuses(book)
        return book, applied

    in_process()  # warm-up (imports)
    server_time = timed(in_process, 3)
    book, applied = in_process()
    actions = book.json()["actions"]
    http_time = timed(lambda: kpi.post("/xlwings/custom-scripts-call/refresh_statuses",
                                       json=body).raise_for_status(), 3)
    response = kpi.post("/xlwings/custom-scripts-call/refresh_statuses", json=body).json()
    assert len(response["actions"]) == len(actions)
    from workbook.plan import build_plan

    plan = build_plan(book_actions.read_grids(xw.Book(json=body)), None, book_name="bench")
    columns_written = len(plan.blocks)
    runs = len(plan.colour_runs)
    sheets = len(plan.sheets)
    funcs = Counter(a["func"] for a in actions)
    print(f"3. Refresh statuses, {ROWS:,} indicators: server-side {server_time * 1000:.0f} ms "
          f"(target < 1000), HTTP round trip {http_time * 1000:.0f} ms")
    print(f"   actions returned: {len(actions)}; plan: {columns_written} blocks written, "
          f"{runs} colour runs, {sheets} sheets written "
          f"(blocks + runs + sheets = {columns_written + runs + sheets})")
    print(f"   colour actions: {funcs['setRangeColor']} setRangeColor + "
          f"{funcs['setRangeColors']} setRangeColors (matrix of <= 10,000 cells) for {runs} runs")
    print(f"   by kind: {dict(sorted(funcs.items()))}")
    print(f"   alert: {actions[-1]['args'][0]}")
    assert applied is not None


if __name__ == "__main__":
    sys.exit(main())
