"""`kpi serve` argument errors: one line on stderr, exit 2, no server started."""

from __future__ import annotations

import socket

import pytest

from addin import server_app
from kpi_cli import main as cli


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1", "80.5"])
def test_bad_port_is_exit_2_with_one_line(capsys, port):
    assert cli.main(["serve", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kpi serve: --port") and err.count("\n") == 1


def test_empty_host_is_exit_2(capsys):
    assert cli.main(["serve", "--host", " ", "--port", "8000"]) == 2
    assert capsys.readouterr().err.startswith("kpi serve: --host")


def test_port_in_use_is_exit_2(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1:" in err and err.count("\n") == 1


def test_unknown_option_is_exit_2(capsys):
    assert cli.main(["serve", "--bogus"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_configure_keeps_values_set_by_it(monkeypatch):
    monkeypatch.setenv("XLWINGS_HOSTNAME", "kpi.example.gov.uk")
    monkeypatch.setenv("XLWINGS_PROJECT_NAME", "Council KPIs")
    for key in server_app.DEFAULTS:
        if key != "XLWINGS_PROJECT_NAME":
            monkeypatch.delenv(key, raising=False)
    values = server_app.configure()
    assert values["XLWINGS_PROJECT_NAME"] == "Council KPIs"  # IT's value wins
    assert values["XLWINGS_FUNCTIONS_NAMESPACE"] == "KPI"
    assert values["XLWINGS_ENVIRONMENT"] == "prod"  # else Excel shows KPI_DEV.STATUS
    assert values["XLWINGS_PROJECT_DIR"].endswith("addin/server")
