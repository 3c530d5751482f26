"""The ASGI guard in front of xlwings Server: what reaches xlwings is a JSON request of the right
shape and size, sent in time; everything else is a 4xx with one line of plain text.

- A POST must be `application/json` (415 otherwise): a cross-site page cannot send that
  without a CORS preflight, which xlwings Server answers only for XLWINGS_CORS_ALLOW_ORIGINS.
- The body must arrive within KPI_BODY_TIMEOUT_S (408, and the connection is closed) and be no
  larger than KPI_MAX_*_BODY_MB (413).
- The two endpoints the Office.js client calls are checked against `addin.service.requests`:
  a cell-function call here, a button's book in the worker that runs it
  (`addin.service.script_pool`), so that the web process does not parse it.
- The manifest's addresses never follow the Host header: XLWINGS_HOSTNAME when it is set, else
  the address the server listens on.
- Anything that still fails inside xlwings is a plain 500 without a traceback, and logged.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import typing

from addin.service.limits import Limits, current_limits
from addin.service.requests import BadRequest, ScriptParams, check_function_call

logger = logging.getLogger(__name__)

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MANIFEST_PATHS = ("/manifest", "/manifest.xml", "/manifest/download")


def registry() -> tuple[dict[str, dict], dict[str, ScriptParams]]:
    """The project's cell functions (name -> xlwings' metadata) and ribbon scripts (name ->
    the arguments the client may send)."""
    import custom_functions
    import custom_scripts

    functions = {
        obj.__xlfunc__["name"]: obj.__xlfunc__
        for obj in vars(custom_functions).values()
        if hasattr(obj, "__xlfunc__")
    }
    scripts = {
        name: script_params(obj)
        for name, obj in vars(custom_scripts).items()
        if hasattr(obj, "__xlscript__")
    }
    return functions, scripts


def script_params(script) -> ScriptParams:
    """Arguments the client sends: every parameter but the injected book (the first), with its
    type hint (None when it has none)."""
    function = inspect.unwrap(script)
    hints = typing.get_type_hints(function)
    params = [p for p in inspect.signature(function).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][1:]
    required = sum(p.default is inspect.Parameter.empty for p in params)
    return ScriptParams(required, tuple(hints.get(p.name) for p in params))


class Guard:
    """ASGI middleware in front of xlwings Server's app."""

    def __init__(self, app, app_path: str = "", hostname: str | None = None,
                 limits: Limits | None = None):
        self.app = app
        self.functions_path = f"{app_path}/xlwings/custom-functions-call"
        self.scripts_prefix = f"{app_path}/xlwings/custom-scripts-call/"
        self.manifest_paths = {app_path + path for path in MANIFEST_PATHS}
        self.hostname = hostname
        self.limits = limits or current_limits()
        self._known = None

    def known(self):
        if self._known is None:
            self._known = registry()
        return self._known

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self._inner(scope, receive, send)
        if scope.get("method") not in BODY_METHODS:
            if not self.hostname and scope.get("path") in self.manifest_paths:
                scope = _without_host(scope)
            return await self._inner(scope, receive, send)
        try:
            body = await self._checked_body(scope, receive)
        except BadRequest as exc:
            return await plain(send, exc.status, exc.message, close=exc.status in (408, 413))
        return await self._inner(scope, _replay(body), send)

    async def _checked_body(self, scope, receive) -> bytes:
        if not (_header(scope, b"content-type") or b"").startswith(b"application/json"):
            raise BadRequest(415, "Send the request body as JSON (Content-Type: application/json).")
        path = scope.get("path", "")
        limit = self.limits.script_body
        if path == self.functions_path:
            limit = self.limits.function_body
        body = await read_body(receive, limit, self.limits.body_seconds)
        if path == self.functions_path:  # a button's book is checked by its worker
            check_function_call(body, self.known()[0], self.limits)
        return body

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
                await plain(send, 500, "The KPI add-in backend hit an internal error.")
            else:
                raise


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.lower()
    return None


def _without_host(scope):
    """The request as if it named no host: Starlette then builds URLs from the address the
    server listens on (scope["server"])."""
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
    return {**scope, "headers": headers}


async def read_body(receive, limit: int, seconds: float) -> bytes:
    """The whole body, or BadRequest: 413 past `limit` bytes, 408 when it takes longer than
    `seconds` in all (a slow client holds a connection no longer than that)."""
    chunks, size = [], 0
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        try:
            message = await asyncio.wait_for(receive(), timeout=max(left, 0))
        except TimeoutError:
            raise BadRequest(408, f"The request body took longer than {seconds:g} s to arrive "
                                  "(KPI_BODY_TIMEOUT_S).") from None
        if message["type"] == "http.disconnect":
            raise BadRequest(400, "The client went away.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"The request is larger than {limit / 2**20:g} MB.")
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


async def plain(send, status: int, message: str, close: bool = False) -> None:
    payload = message.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(payload)).encode())]
    if close:  # the rest of the body is not read: the connection cannot carry another request
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
