"""Server load benchmark (not a test): KPI.STATUS latency while 5 clients press Refresh
statuses on 1,000-row sheets and 5 call KPI.STATUS, loopback only, 10 clients in all.

Two servers run side by side in the same run, in alternating rounds so that both see the same
machine: `kpi serve --workers 0` (the scripts in the web process, as before issue 12) and
`kpi serve` with its default pool (one worker per core). Printed per round and as the median of
rounds: KPI.STATUS p50/p99, Refresh p50, errors, and the p99 ratio pool/inline paired by round.
Goal (issue 12): KPI.STATUS p99 <= 250 ms on 2 cores with the pool.

Run: XLWINGS_LICENSE_KEY=noncommercial .venv/bin/python bench/server_load.py [seconds] [rounds]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from addin.service.script_pool import default_workers
from tests.addin_support import running_server
from tests.load_clients import percentile, run_load

SERVERS = {"inline (--workers 0)": ("--workers", "0"),
           f"pool (--workers {default_workers()})": ()}


def main(seconds: float = 10.0, rounds: int = 3) -> int:
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        bases = {name: stack.enter_context(running_server(Path(tmp) / f"{i}.log", args=args))
                 for i, (name, args) in enumerate(SERVERS.items())}
        for base in bases.values():  # warm-up: workers started, modules imported
            run_load(base, seconds=3, refreshers=2, callers=1)
        alone = run_load(next(iter(bases.values())), seconds=3, refreshers=0, callers=5)
        print(f"KPI.STATUS alone (5 callers, no refresh): p50 {percentile(alone.status_ms, 50):.0f} ms, "
              f"p99 {percentile(alone.status_ms, 99):.0f} ms")
        p99: dict[str, list[float]] = {name: [] for name in bases}
        for round_no in range(1, rounds + 1):
            for name, base in bases.items():
                result = run_load(base, seconds=seconds)
                p99[name].append(percentile(result.status_ms, 99))
                print(f"round {round_no}, {name}: {result.describe()}", flush=True)
        inline, pool = p99.values()
        ratios = [p / i for p, i in zip(pool, inline, strict=True)]
        for name, values in p99.items():
            print(f"median of {rounds} rounds, {name}: KPI.STATUS p99 {statistics.median(values):.0f} ms")
        print(f"KPI.STATUS p99 pool/inline, paired by round: "
              f"{', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}); "
              f"goal: pool p99 <= 250 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(float(a) if i == 0 else int(a) for i, a in enumerate(sys.argv[1:]))))
