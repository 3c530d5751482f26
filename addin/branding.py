"""The council's own add-in: its name, description, support page and icons in the manifest, all
set by configuration and served by the council's server; and a health-check URL for monitoring.

Settings (environment variables, read once when the server starts):
  KPI_ADDIN_NAME         the add-in's name in Excel (default "KPI checks")
  KPI_ADDIN_DESCRIPTION  one or two sentences shown in the add-in store
  KPI_ADDIN_PROVIDER     who provides it, e.g. the council's name
  KPI_SUPPORT_URL        the page officers are sent to for help (https://...); by default the
                         server's own /branding/support.html
  KPI_BRANDING_DIR       a folder with icon-16.png, icon-32.png, icon-64.png, icon-80.png and
                         support.html; any file missing there is served from our defaults

Nothing here imports xlwings: the routes are a small ASGI layer in front of xlwings Server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kpi_rules.errors import KpiError, shorten

DEFAULTS_DIR = Path(__file__).resolve().parent / "server" / "branding"
ICON_SIZES = (16, 32, 64, 80)
SERVED_FILES = {f"icon-{size}.png": "image/png" for size in ICON_SIZES} | {
    "support.html": "text/html; charset=utf-8"}  # fmt: skip
# The manifest's own limits (Office rejects longer values).
LIMITS = {"KPI_ADDIN_NAME": 125, "KPI_ADDIN_DESCRIPTION": 250, "KPI_ADDIN_PROVIDER": 125}


class BrandingError(KpiError):
    """A branding setting the manifest cannot carry: one line naming the variable."""


@dataclass(frozen=True)
class Branding:
    name: str = "KPI checks"
    description: str = ("Statuses, RAG colours, variances, trends and commentary checks for the "
                        "council's KPI workbooks.")  # fmt: skip
    provider: str = "Council performance team"
    support_url: str | None = None
    folder: Path | None = None

    def support(self, base_url: str) -> str:
        """The support page: the configured one, else the server's own."""
        return self.support_url or f"{base_url}/branding/support.html"

    def file(self, name: str) -> Path | None:
        """The council's file of that name if it has one, else ours; None for any other name."""
        if name not in SERVED_FILES:
            return None
        if self.folder is not None and (self.folder / name).is_file():
            return self.folder / name
        return DEFAULTS_DIR / name


def branding_from_environment(environ=os.environ) -> Branding:
    """The branding IT configured; a value the manifest cannot carry is a BrandingError."""
    values = {}
    for key, field in (("KPI_ADDIN_NAME", "name"), ("KPI_ADDIN_DESCRIPTION", "description"),
                       ("KPI_ADDIN_PROVIDER", "provider")):  # fmt: skip
        text = " ".join(environ.get(key, "").split())
        if len(text) > LIMITS[key]:
            raise BrandingError(f"{key}: at most {LIMITS[key]} characters, not {len(text)}")
        if text:
            values[field] = text
    url = environ.get("KPI_SUPPORT_URL", "").strip()
    if url:
        values["support_url"] = _checked_url(url)
    folder = environ.get("KPI_BRANDING_DIR", "").strip()
    if folder:
        values["folder"] = _checked_folder(Path(folder))
    return Branding(**values)


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in url):
        raise BrandingError(f"KPI_SUPPORT_URL: {shorten(url)!r} is not an https:// address")
    return url


def _checked_folder(folder: Path) -> Path:
    if not folder.is_dir():
        raise BrandingError(f"KPI_BRANDING_DIR: {shorten(folder)} is not a folder")
    return folder


def installed_version() -> str:
    """The version of kpi-addin that is installed (what `kpi --version` and /health say)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kpi-addin")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


class CouncilRoutes:
    """GET {app_path}/health and {app_path}/branding/<file>, answered before xlwings Server.

    /health needs no sign-in and says nothing about any workbook: {"status": "ok", "version": ...}.
    """

    def __init__(self, app, app_path: str, branding: Branding):
        self.app = app
        self.health_path = f"{app_path}/health"
        self.branding_prefix = f"{app_path}/branding/"
        self.branding = branding

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path == self.health_path:
            body = json.dumps({"status": "ok", "version": installed_version()}).encode()
            return await _answer(send, 200, "application/json", body, scope)
        if path.startswith(self.branding_prefix):
            name = path[len(self.branding_prefix):]
            found = self.branding.file(name)
            if found is None:
                return await _answer(send, 404, "text/plain; charset=utf-8", b"Not found.", scope)
            return await _answer(send, 200, SERVED_FILES[name], found.read_bytes(), scope)
        return await self.app(scope, receive, send)


async def _answer(send, status: int, content_type: str, body: bytes, scope) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store" if content_type == "application/json" else b"max-age=3600")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})
