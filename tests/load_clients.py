"""Officers at once, on loopback: some clients press Refresh statuses on a KPI sheet again and
again while others call =KPI.STATUS, each waiting for its answer before the next request. Used
by the suite's bounded load test and by bench/server_load.py. Every loop is bounded by time and
by a count of requests."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx

from tests.addin_support import book_json, function_call, kpi_sheet

CALL = "/xlwings/custom-functions-call"
REFRESH = "/xlwings/custom-scripts-call/refresh_statuses"
HEADERS = {"Content-Type": "application/json"}
STATUS_BODY = json.dumps(function_call("kpi_status", [[72]], [[80]], [["Bigger"]])).encode()
MAX_REQUESTS = 20_000  # per client, a bound besides the time


@dataclass
class LoadResult:
    status_ms: list[float] = field(default_factory=list)
    refresh_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"KPI.STATUS p50 {percentile(self.status_ms, 50):.0f} ms, "
                f"p99 {percentile(self.status_ms, 99):.0f} ms over {len(self.status_ms)} calls; "
                f"Refresh p50 {percentile(self.refresh_ms, 50):.0f} ms over "
                f"{len(self.refresh_ms)} clicks; {len(self.errors)} errors")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(int(pct), 99) - 1]


def _client_loop(base: str, path: str, body: bytes, check, until: float, times: list[float],
                 errors: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=120) as client:
        for _ in range(MAX_REQUESTS):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                response = client.post(path, content=body, headers=HEADERS)
                elapsed = (time.perf_counter() - started) * 1000
                problem = check(response)
            except httpx.HTTPError as exc:
                elapsed, problem = 0.0, f"{type(exc).__name__}: {exc}"
            if problem:
                errors.append(problem)
            else:
                times.append(elapsed)


def _status_ok(response) -> str | None:
    if response.status_code != 200 or response.json()["result"] != [["Within tolerance"]]:
        return f"KPI.STATUS {response.status_code}: {response.text[:120]}"
    return None


def _refresh_ok(response) -> str | None:
    if response.status_code != 200 or b"Refreshed" not in response.content:
        return f"Refresh {response.status_code}: {response.text[:120]}"
    return None


def run_load(base: str, seconds: float, refreshers: int = 5, callers: int = 5,
             rows: int = 1000) -> LoadResult:
    """`refreshers` clients refreshing a `rows`-row sheet and `callers` clients calling
    KPI.STATUS, all for `seconds`; latencies of the answered requests and every error."""
    result = LoadResult()
    sheet = json.dumps(book_json(kpi_sheet(rows))).encode()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_client_loop, args=(base, REFRESH, sheet, _refresh_ok,
                                                           until, result.refresh_ms, result.errors))
               for _ in range(refreshers)]
    threads += [threading.Thread(target=_client_loop, args=(base, CALL, STATUS_BODY, _status_ok,
                                                            until, result.status_ms, result.errors))
                for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    return result
