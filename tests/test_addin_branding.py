"""Council IT: the add-in carries the council's name, description, support page and icons from
configuration, served by the council's own server, in en-GB; and /health answers for monitoring."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from addin.branding import DEFAULTS_DIR, BrandingError, branding_from_environment
from kpi_cli.main import version
from tests.addin_support import REPO, free_port

NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
      "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0"}  # fmt: skip
HOST = "kpi.northshire.gov.uk"
PNG = b"\x89PNG\r\n\x1a\n"


@contextlib.contextmanager
def serving(log_dir: Path, **settings: str):
    """`kpi serve` on a free loopback port with these environment settings."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPI_ADDIN", "KPI_SUPPORT",
                                                                     "KPI_BRANDING"))}  # fmt: skip
    env |= {"XLWINGS_LICENSE_KEY": "noncommercial", **settings,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    log = log_dir / "serve.log"
    with log.open("wb") as stream:
        process = subprocess.Popen([sys.executable, "-m", "kpi_cli.main", "serve", "--port", str(port)],
                                   cwd=REPO, env=env, stdout=stream, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                pytest.fail(f"kpi serve exited: {log.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def council_icons(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("branding")
    (folder / "icon-32.png").write_bytes(PNG + b"northshire 32")
    return folder


@pytest.fixture(scope="module")
def council(tmp_path_factory, council_icons):
    with serving(tmp_path_factory.mktemp("council"), XLWINGS_HOSTNAME=HOST,
                 KPI_ADDIN_NAME="Northshire KPI checks",
                 KPI_ADDIN_DESCRIPTION="Northshire County Council's checks for quarterly KPI returns.",
                 KPI_ADDIN_PROVIDER="Northshire County Council",
                 KPI_SUPPORT_URL="https://servicedesk.northshire.gov.uk/kpi",
                 KPI_BRANDING_DIR=str(council_icons)) as client:  # fmt: skip
        yield client


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("default")) as client:
        yield client


def manifest(client) -> ET.Element:
    response = client.get("/manifest.xml")
    assert response.status_code == 200
    return ET.fromstring(response.content)


def icon_urls(root: ET.Element) -> list[str]:
    urls = [root.find(f"o:{tag}", NS).get("DefaultValue") for tag in ("IconUrl", "HighResolutionIconUrl")]
    return urls + [image.get("DefaultValue") for image in root.iter(f"{{{NS['bt']}}}Image")
                   if image.get("DefaultValue")]  # the resources, not the references to them


def test_manifest_carries_the_councils_branding(council):
    root = manifest(council)
    assert root.find("o:DisplayName", NS).get("DefaultValue") == "Northshire KPI checks"
    assert root.find("o:Description", NS).get("DefaultValue") == (
        "Northshire County Council's checks for quarterly KPI returns.")
    assert root.find("o:ProviderName", NS).text == "Northshire County Council"
    assert root.find("o:SupportUrl", NS).get("DefaultValue") == "https://servicedesk.northshire.gov.uk/kpi"
    assert root.find("o:DefaultLocale", NS).text == "en-GB"
    urls = icon_urls(root)
    assert len(urls) == 5 and all(url.startswith(f"https://{HOST}/branding/icon-") for url in urls)


def test_icons_are_the_councils_where_given_and_ours_otherwise(council):
    assert council.get("/branding/icon-32.png").content == PNG + b"northshire 32"
    ours = council.get("/branding/icon-80.png")
    assert ours.headers["content-type"] == "image/png"
    assert ours.content == (DEFAULTS_DIR / "icon-80.png").read_bytes()
    assert council.get("/branding/../../pyproject.toml").status_code == 404
    assert council.get("/branding/serve.log").status_code == 404


def test_default_manifest_is_ours_not_xlwings(default):
    root = manifest(default)
    assert root.find("o:DisplayName", NS).get("DefaultValue") == "KPI checks"
    assert root.find("o:DefaultLocale", NS).text == "en-GB"
    support = root.find("o:SupportUrl", NS).get("DefaultValue")
    assert support.endswith("/branding/support.html") and "xlwings" not in support
    for url in icon_urls(root):
        assert "xlwings" not in url and url.startswith(str(default.base_url).rstrip("/"))
        path = "/" + url.split("/", 3)[3]
        assert default.get(path).content.startswith(PNG)
    assert "en-GB" in default.get("/branding/support.html").text


def test_health_is_ok_with_the_version_and_no_workbook_data(default):
    response = default.get("/health")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "version": version()}
    assert default.head("/health").status_code == 200


@pytest.mark.parametrize(("settings", "words"), [
    ({"KPI_SUPPORT_URL": "http://servicedesk.example"}, "KPI_SUPPORT_URL: 'http://servicedesk.example' is not an https:// address"),
    ({"KPI_ADDIN_NAME": "x" * 126}, "KPI_ADDIN_NAME: at most 125 characters, not 126"),
    ({"KPI_BRANDING_DIR": "/no/such/folder"}, "KPI_BRANDING_DIR: /no/such/folder is not a folder"),
])  # fmt: skip
def test_a_setting_the_manifest_cannot_carry_is_one_line(settings, words):
    with pytest.raises(BrandingError) as raised:
        branding_from_environment(settings)
    assert str(raised.value) == words


def test_serve_refuses_a_bad_branding_setting_in_one_line(tmp_path):
    env = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial", KPI_SUPPORT_URL="ftp://x")
    result = subprocess.run([sys.executable, "-m", "kpi_cli.main", "serve", "--port", str(free_port())],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kpi serve: cannot start the add-in backend: KPI_SUPPORT_URL: 'ftp://x' is not an https:// address"]
