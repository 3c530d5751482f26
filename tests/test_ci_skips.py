"""CI must run every test: a skip (a missing LibreOffice, chromium or node) fails there."""

from pathlib import Path

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
SKIPPING = "import pytest\n\ndef test_needs_a_program():\n    pytest.skip('LibreOffice is not installed')\n"


def test_a_skip_fails_on_ci(pytester, monkeypatch):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SKIPPING)
    monkeypatch.setenv("KPI_CI", "1")
    result = pytester.runpytest_subprocess("-p", "no:xdist")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*skipped on CI*LibreOffice is not installed*"])


def test_a_skip_stays_a_skip_elsewhere(pytester, monkeypatch):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SKIPPING)
    monkeypatch.delenv("KPI_CI", raising=False)
    pytester.runpytest_subprocess("-p", "no:xdist").assert_outcomes(skipped=1)
