"""The Office add-in backend: xlwings Server's app, configured for the KPI project and wrapped
in a guard (addin.service.guard) that answers malformed requests with a 4xx and a one-line
message; the ribbon scripts run in a pool of processes (addin.service.script_pool).

xlwings Server reads its settings from XLWINGS_* environment variables when it is first
imported, so `configure()` must run before `create_app()` imports it. Values already present in
the environment win (IT can override any of them, e.g. XLWINGS_HOSTNAME behind a proxy, or the
XLWINGS_AUTH_* settings for Entra ID sign-in).

Why a guard: xlwings Server indexes the request JSON directly (`data["func_name"]`,
`getattr(custom_scripts, name)`, ...), so a malformed or unknown request would be an HTTP 500.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from addin.branding import CouncilRoutes, branding_from_environment
from addin.service.guard import Guard
from addin.service.limits import current_limits
from addin.service.script_pool import install_route, script_pool

PROJECT_DIR = Path(__file__).resolve().parent / "server"
FUNCTIONS_NAMESPACE = "KPI"
# Our own manifest id (xlwings' default ids are shared by every xlwings Server project).
MANIFEST_ID = "6c1d0f55-6f1e-4b8e-9d43-2b7c9a0e51a4"

DEFAULTS = {
    "XLWINGS_PROJECT_DIR": str(PROJECT_DIR),
    "XLWINGS_FUNCTIONS_NAMESPACE": FUNCTIONS_NAMESPACE,
    "XLWINGS_LICENSE_KEY": "noncommercial",  # PolyForm Noncommercial: councils are covered
    "XLWINGS_ENVIRONMENT": "prod",  # any other value renames the namespace (KPI_DEV, ...)
    "XLWINGS_PROJECT_NAME": "KPI add-in",
    "XLWINGS_MANIFEST_ID_PROD": MANIFEST_ID,
    "XLWINGS_ENABLE_SOCKETIO": "false",  # no streaming functions
    "XLWINGS_ENABLE_EXAMPLES": "false",
    "XLWINGS_ENABLE_HOTRELOAD": "false",
    "XLWINGS_ENABLE_WASM": "false",
    "XLWINGS_LOG_LEVEL": "WARNING",
}

logger = logging.getLogger(__name__)


def configure(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Set xlwings Server's environment (existing values win over DEFAULTS, overrides win over
    both). Returns the effective values of the keys we manage."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    for key, value in (overrides or {}).items():
        os.environ[key] = value
    return {key: os.environ[key] for key in DEFAULTS}


def no_pyodide() -> None:
    """xlwings checks every cell of every argument for Pyodide's JsNull by trying
    `from pyodide.ffi import JsNull`; off Wasm that import fails after a search of sys.path, per
    cell (measured: 10,000 cells 1.5 s -> 0.16 s, a scalar call 0.8 -> 0.12 ms). A None entry in
    sys.modules makes the import fail at once, with the same result (no JsNull here)."""
    try:
        import pyodide  # noqa: F401  (only present inside Pyodide)
    except ImportError:
        sys.modules["pyodide"] = None


def create_app(overrides: dict[str, str] | None = None):
    """Configure the environment, import xlwings Server and return the guarded ASGI app."""
    configure(overrides)
    branding = branding_from_environment()
    no_pyodide()
    from xlwings_server.config import settings
    from xlwings_server.main import app, main_app
    from xlwings_server.templates import env

    env.globals["branding"] = branding  # the manifest template's name, icons, support page
    limits = current_limits(reload=True)
    install_route(app, settings.app_path)
    script_pool().warm()
    return Guard(CouncilRoutes(main_app, settings.app_path, branding), app_path=settings.app_path,
                 hostname=settings.hostname, limits=limits)


def app_factory():
    """For `uvicorn --factory addin.server_app:app_factory`."""
    return create_app()
