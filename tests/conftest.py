"""On CI (`.ci/run` sets KPI_CI=1) a test that skips fails instead: CI installs every program the
tests need, so a skip there means a test silently stopped running."""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("KPI_CI") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where nothing may skip: {reason}"


def pytest_terminal_summary(terminalreporter):
    """Figures a test measured (`record_property("measured", text)`: the load test's p50/p99),
    printed at the end of the run, also under xdist, where a test's own print is not shown."""
    lines = [f"{report.nodeid}: {value}"
             for report in terminalreporter.stats.get("passed", [])
             for key, value in report.user_properties if key == "measured"]
    if lines:
        terminalreporter.section("measured")
        for line in lines:
            terminalreporter.write_line(line)
