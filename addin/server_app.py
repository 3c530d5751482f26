"""The Office add-in backend: xlwings Server's app, configured for the KPI project and wrapped
in a guard that answers malformed requests with a 4xx and a one-line message.

xlwings Server reads its settings from XLWINGS_* environment variables when it is first
imported, so `configure()` must run before `create_app()` imports it. Values already present in
the environment win (IT can override any of them, e.g. XLWINGS_HOSTNAME behind a proxy, or the
XLWINGS_AUTH_* settings for Entra ID sign-in).

Why a guard: xlwings Server indexes the request JSON directly (`data["func_name"]`,
`getattr(custom_scripts, name)`, ...), so a malformed or unknown request would be an HTTP 500.
The guard checks the shape of the two POST endpoints the Office.js client calls before they reach
xlwings, caps the body size, and turns anything left over into a plain-text 4xx/500 without a
traceback.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from pathlib import Path
from typing import Any

from addin.branding import CouncilRoutes, branding_from_environment

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

MAX_FUNCTION_BODY = int(float(os.environ.get("KPI_MAX_FUNCTION_BODY_MB", "16")) * 2**20)
MAX_SCRIPT_BODY = int(float(os.environ.get("KPI_MAX_SCRIPT_BODY_MB", "64")) * 2**20)
MAX_JSON_DEPTH = 64

logger = logging.getLogger(__name__)


def configure(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Set xlwings Server's environment (existing values win over DEFAULTS, overrides win over
    both). Returns the effective values of the keys we manage."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    for key, value in (overrides or {}).items():
        os.environ[key] = value
    return {key: os.environ[key] for key in DEFAULTS}


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- shape checks ------------------------------------------------------------------------------


def _depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(400, "The request body is not UTF-8 text.") from None
    if not text.strip():
        raise BadRequest(400, "The request body is empty: send a JSON object.")
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadRequest(400, "The request JSON is nested too deeply.") from None
    except ValueError as exc:
        raise BadRequest(400, f"The request body is not valid JSON ({exc.msg}).") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "The request body must be a JSON object.")
    if not _depth_ok(data):
        raise BadRequest(400, "The request JSON is nested too deeply.")
    return data


def _scalar_ok(value: Any, rich: bool = True) -> bool:
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return not (math.isnan(value) or math.isinf(value))
    if rich and isinstance(value, dict):  # Office.js rich values: errors, formatted numbers
        kind = value.get("type")
        return (
            isinstance(kind, str)
            and "basicValue" in value
            and _scalar_ok(value["basicValue"], rich=False)
        )
    return False


def _matrix_ok(value: Any, rich: bool = True, allow_empty: bool = False) -> bool:
    """A rectangular list of rows of cell values."""
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(row, list) for row in value):
        return False
    widths = {len(row) for row in value}
    if len(widths) != 1 or (widths == {0} and not allow_empty):
        return False
    return all(_scalar_ok(cell, rich) for row in value for cell in row)


def _require_client(data: dict) -> None:
    if not isinstance(data.get("client"), str) or not isinstance(data.get("version"), str):
        raise BadRequest(400, "'client' and 'version' must be given as text.")


def check_function_call(data: dict, functions: dict[str, dict]) -> None:
    """The JSON the custom-functions client posts to /xlwings/custom-functions-call."""
    _require_client(data)
    name = data.get("func_name")
    if not isinstance(name, str):
        raise BadRequest(400, "'func_name' must be the name of a function.")
    if name not in functions:
        raise BadRequest(404, f"Unknown function {name[:80]!r}.")
    runtime = data.get("runtime")
    try:
        float(runtime)
    except (TypeError, ValueError):
        raise BadRequest(400, "'runtime' must be the custom functions runtime version.") from None
    args = data.get("args")
    if not isinstance(args, list):
        raise BadRequest(400, "'args' must be a list of argument values.")
    info = functions[name]["args"]
    required = sum(1 for a in info if "optional" not in a)
    if not required <= len(args) <= len(info):
        raise BadRequest(
            400, f"{name} takes {required} to {len(info)} arguments, not {len(args)}."
        )
    for position, arg in enumerate(args):
        if not (_scalar_ok(arg) or _matrix_ok(arg)):
            raise BadRequest(400, f"Argument {position + 1} is not a cell value or a range.")
    for key in ("caller_address", "culture_info_name", "date_format", "session_id"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BadRequest(400, f"'{key}' must be text.")


def check_script_call(data: dict, script: str, scripts: set[str]) -> None:
    """The book JSON the Office.js client posts to /xlwings/custom-scripts-call/{script}."""
    if script not in scripts:
        raise BadRequest(404, f"Unknown script {script[:80]!r}.")
    _require_client(data)
    book = data.get("book")
    if not isinstance(book, dict) or not isinstance(book.get("name"), str):
        raise BadRequest(400, "'book' must be an object with the workbook's 'name'.")
    sheets = data.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        raise BadRequest(400, "'sheets' must be a non-empty list.")
    index = book.get("active_sheet_index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(sheets):
        raise BadRequest(400, "'book.active_sheet_index' must be the index of a sheet.")
    if book.get("selection") is not None and not isinstance(book["selection"], str):
        raise BadRequest(400, "'book.selection' must be a cell address.")
    names = set()
    for sheet in sheets:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str):
            raise BadRequest(400, "Every sheet needs a 'name'.")
        if not sheet["name"] or sheet["name"] in names:
            raise BadRequest(400, f"Sheet names must be unique and not empty: {sheet['name']!r}.")
        names.add(sheet["name"])
        values = sheet.get("values")
        if not _matrix_ok(values, rich=False, allow_empty=True):
            raise BadRequest(
                400, f"Sheet {sheet['name']!r}: 'values' must be equal-length rows of cell values."
            )
        for key in ("pictures", "tables", "shapes", "charts", "notes", "pivot_tables"):
            if key in sheet and not (
                isinstance(sheet[key], list) and all(isinstance(x, dict) for x in sheet[key])
            ):
                raise BadRequest(400, f"Sheet {sheet['name']!r}: '{key}' must be a list of objects.")
    if "names" in data and not (
        isinstance(data["names"], list) and all(isinstance(x, dict) for x in data["names"])
    ):
        raise BadRequest(400, "'names' must be a list of objects.")
    args = data.get("args")
    # One argument at most: the number formats ribbon.js reads with the values (an object).
    if args not in (None, []) and not (isinstance(args, list) and len(args) == 1
                                       and isinstance(args[0], (dict, type(None)))):
        raise BadRequest(400, f"Script {script!r} takes only the sheets' number formats.")


# --- the ASGI guard ------------------------------------------------------------------------------


def _registry():
    import custom_functions
    import custom_scripts

    functions = {
        obj.__xlfunc__["name"]: obj.__xlfunc__
        for obj in vars(custom_functions).values()
        if hasattr(obj, "__xlfunc__")
    }
    scripts = {
        name for name, obj in vars(custom_scripts).items() if hasattr(obj, "__xlscript__")
    }
    return functions, scripts


class Guard:
    """ASGI middleware in front of xlwings Server's app."""

    def __init__(self, app, app_path: str = ""):
        self.app = app
        self.functions_path = f"{app_path}/xlwings/custom-functions-call"
        self.scripts_prefix = f"{app_path}/xlwings/custom-scripts-call/"
        self._functions: dict[str, dict] | None = None
        self._scripts: set[str] | None = None

    def _known(self):
        if self._functions is None:
            self._functions, self._scripts = _registry()
        return self._functions, self._scripts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self._inner(scope, receive, send)
        path = scope.get("path", "")
        if path == self.functions_path:
            kind, limit = "function", MAX_FUNCTION_BODY
        elif path.startswith(self.scripts_prefix):
            kind, limit = "script", MAX_SCRIPT_BODY
        else:
            return await self._inner(scope, receive, send)
        try:
            content_type = _header(scope, b"content-type")
            if content_type and not content_type.startswith(b"application/json"):
                raise BadRequest(415, "Send the request body as application/json.")
            body = await _read_body(receive, limit)
            data = _parse_json(body)
            functions, scripts = self._known()
            if kind == "function":
                check_function_call(data, functions)
            else:
                check_script_call(data, path[len(self.scripts_prefix):], scripts)
        except BadRequest as exc:
            return await _plain(send, exc.status, exc.message)
        return await self._inner(scope, _replay(body), send)

    async def _inner(self, scope, receive, send):
        started = False

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:  # never a traceback to the client
            logger.exception("Unhandled error for %s", scope.get("path"))
            if not started and scope["type"] == "http":
                await _plain(send, 500, "The KPI add-in backend hit an internal error.")
            else:
                raise


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.lower()
    return None


async def _read_body(receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest(400, "The client went away.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"The request is larger than {limit // 2**20} MB.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _plain(send, status: int, message: str) -> None:
    payload = message.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _no_pyodide() -> None:
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
    _no_pyodide()
    from xlwings_server.config import settings
    from xlwings_server.main import main_app
    from xlwings_server.templates import env

    env.globals["branding"] = branding  # the manifest template's name, icons, support page
    return Guard(CouncilRoutes(main_app, settings.app_path, branding), app_path=settings.app_path)


def app_factory():
    """For `uvicorn --factory addin.server_app:app_factory`."""
    return create_app()
