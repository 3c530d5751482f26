"""A bounded load test on loopback: 10 clients for 10 s against a real `kpi serve` (5 pressing
Refresh statuses on a 1,000-row sheet, 5 calling =KPI.STATUS). Every request must be answered,
and answered right; the latencies are printed, not asserted (bench/server_load.py measures them
against the old behaviour)."""

from __future__ import annotations

import pytest

from tests.addin_support import ServerFailed, running_server
from tests.load_clients import run_load


def test_ten_clients_for_ten_seconds_get_no_errors(tmp_path, record_property):
    try:
        with running_server(tmp_path / "serve.log") as base:
            result = run_load(base, seconds=10, refreshers=5, callers=5, rows=1000)
    except ServerFailed as exc:
        pytest.fail(str(exc))
    record_property("measured", f"10 clients x 10 s: {result.describe()}")
    assert result.errors == []
    assert result.status_ms and result.refresh_ms  # both kinds were answered
