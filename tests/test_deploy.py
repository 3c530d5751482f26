"""deploy/kpi.service: a systemd unit IT can install as it is, starting `kpi serve` with arguments
the command accepts, on loopback, restarted on failure, with the settings file we document."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from kpi_cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((REPO / "deploy" / "kpi.service").read_text(encoding="utf-8"))
    return parser


def test_unit_starts_kpi_serve_on_loopback_with_arguments_it_accepts():
    service = unit()["Service"]
    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "kpi" and command[1] == "serve"
    args = build_parser().parse_args(command[1:])
    assert (args.host, args.port) == ("127.0.0.1", "8000")
    assert service["Restart"] == "on-failure" and service["User"] != "root"
    assert service["EnvironmentFile"].lstrip("-") == "/etc/kpi/kpi.env"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_example_settings_are_the_ones_the_server_reads():
    lines = (REPO / "deploy" / "kpi.env.example").read_text(encoding="utf-8").splitlines()
    names = {line.lstrip("# ").split("=", 1)[0] for line in lines if "=" in line}
    branding = (REPO / "addin" / "branding.py").read_text(encoding="utf-8")
    for name in ("KPI_ADDIN_NAME", "KPI_ADDIN_DESCRIPTION", "KPI_ADDIN_PROVIDER", "KPI_SUPPORT_URL",
                 "KPI_BRANDING_DIR"):  # fmt: skip
        assert name in names and f'"{name}"' in branding


def test_every_limit_the_server_reads_is_in_the_example_and_the_readme():
    import re

    read = set()
    for module in ("limits.py", "script_pool.py"):
        text = (REPO / "addin" / "service" / module).read_text(encoding="utf-8")
        read |= set(re.findall(r'"(KPI_[A-Z_]+)"', text))
    assert {"KPI_MAX_SHEET_CELLS", "KPI_SCRIPT_TIMEOUT_S", "KPI_SCRIPT_WORKERS"} <= read
    lines = (REPO / "deploy" / "kpi.env.example").read_text(encoding="utf-8").splitlines()
    names = {line.lstrip("# ").split("=", 1)[0] for line in lines if "=" in line}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert read <= names
    assert [name for name in sorted(read) if f"`{name}`" not in readme] == []
