"""The ribbon scripts, in a pool of worker processes, so that a button never holds up the cell
functions that the web process answers meanwhile.

The web process only reads a button's request (and signs the user in); a worker checks the body
against `addin.service.requests`, builds the `xw.Book`, runs the script through xlwings' own
dispatch (`xlwings.server.custom_scripts_call`, as xlwings Server's route does) and writes the
JSON answer. Measured on a 1,000-row refresh, the web process would otherwise spend ~200 ms per
click in parsing, building the book and FastAPI's encoding of the answer, during which no cell
function is answered.

A worker runs at a lower CPU priority than the web process and is stopped after
KPI_SCRIPT_TIMEOUT_S (pebble kills and replaces it): the officer then gets a one-line alert,
never a traceback. KPI_SCRIPT_WORKERS (`kpi serve --workers N`) sets the pool's size, by default
the machine's cores; 0 runs the same code in the web process (the behaviour before the pool,
kept for debugging and for the benchmark's comparison).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import multiprocessing
import os
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from typing import Any

from addin.service.limits import LimitsError, current_limits
from addin.service.requests import BadRequest, check_script_call

logger = logging.getLogger(__name__)

ALERT_TITLE = "KPI"
# A script yields the CPU to the cell functions: at nice 5 the web process gets ~3/4 of a core
# it shares with a busy worker (Linux weights 1024 and 335).
WORKER_NICENESS = 5
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"

Answer = tuple[int, str, bytes]  # HTTP status, content type, body


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def workers_from_environment(environ=None) -> int:
    environ = os.environ if environ is None else environ
    text = str(environ.get("KPI_SCRIPT_WORKERS", "")).strip()
    if not text:
        return default_workers()
    try:
        count = int(text)
    except ValueError:
        count = -1
    if not 0 <= count <= 256:
        raise LimitsError(f"KPI_SCRIPT_WORKERS must be a whole number from 0 to 256, not {text[:20]!r}")
    return count


# --- in a worker (or inline) ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _scripts():
    import custom_scripts

    from addin.service.guard import registry

    return custom_scripts, registry()[1]


def answer_script(script: str, body: bytes, user: Any = None) -> Answer:
    """The whole answer to one button's request (in a worker): 4xx for a body that fails the
    checks, else the actions the script wrote, as JSON."""
    return asyncio.run(answer_script_async(script, body, user))


async def answer_script_async(script: str, body: bytes, user: Any = None) -> Answer:
    import xlwings as xw
    import xlwings.server
    from xlwings_server.models import CurrentUser

    module, params = _scripts()
    try:
        check_script_call(body, script, params, current_limits())
    except BadRequest as exc:
        return exc.status, TEXT_TYPE, exc.message.encode()
    data = json.loads(body)
    args = data.pop("args", None) or []
    book = xw.Book(json=data)
    try:
        hints = {xw.Book: book, CurrentUser: user}
        await xlwings.server.custom_scripts_call(module, script, user, hints, args=args)
        return 200, JSON_TYPE, json.dumps(book.json(), allow_nan=False, default=_plain).encode()
    finally:
        book.close()


def _plain(value: Any) -> Any:
    """What FastAPI's encoder would make of a value json cannot write (numpy scalars, dates)."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def alert_answer(message: str) -> Answer:
    """A 200 whose only action is an alert, as a script's own failure would be."""
    import xlwings as xw

    book = xw.Book(json={"client": "Office.js", "version": xw.__version__,
                         "book": {"name": "", "active_sheet_index": 0},
                         "sheets": [{"name": "Sheet1", "values": [[]]}]})
    try:
        book.app.alert(message, title=ALERT_TITLE)
        return 200, JSON_TYPE, json.dumps(book.json()).encode()
    finally:
        book.close()


def _start_worker() -> None:
    from addin.server_app import no_pyodide

    no_pyodide()
    try:  # import the scripts and the planner's modules once, not in the first click
        _scripts()
    except ImportError:  # not under xlwings Server (a test's own pool): the task will say
        pass
    try:  # after the imports, so that a busy machine does not hold up the worker's start
        os.nice(WORKER_NICENESS)
    except OSError:
        pass


def _ready() -> None:
    """A task that does nothing: scheduling it starts a worker."""


# --- in the web process ------------------------------------------------------------------------------


class ScriptPool:
    def __init__(self, workers: int, timeout: float):
        self.workers = workers
        self.timeout = timeout
        self._pool = None

    def _processes(self):
        if self._pool is None:
            from pebble import ProcessPool

            self._pool = ProcessPool(max_workers=self.workers, initializer=_start_worker,
                                     context=multiprocessing.get_context("spawn"))
            atexit.register(self.stop)
        return self._pool

    def warm(self, wait: float = 60.0) -> None:
        """Start the workers now rather than on the first click, and wait (up to `wait`
        seconds) until they can take one."""
        if self.workers:
            pool = self._processes()
            started = [pool.schedule(_ready) for _ in range(self.workers)]
            try:
                for future in started:
                    future.result(timeout=wait)
            except Exception:  # noqa: BLE001 - a slow start is not fatal: the first click waits
                logger.warning("The KPI script workers were not ready within %g s", wait)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None

    async def answer(self, script: str, body: bytes, user: Any = None,
                     task=answer_script) -> Answer:
        """`task(script, body, user)` in a worker; a timeout or a dead worker is an alert."""
        try:
            if not self.workers and task is answer_script:  # in this process's own loop
                return await answer_script_async(script, body, user)
            if not self.workers:
                return task(script, body, user)
            future = self._processes().schedule(task, args=(script, body, user),
                                                timeout=self.timeout)
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            logger.warning("KPI script %s stopped after %g s", script[:80], self.timeout)
            return alert_answer(f"The KPI check took longer than {self.timeout:g} seconds and "
                                "was stopped. Try a smaller workbook, or ask IT to raise "
                                "KPI_SCRIPT_TIMEOUT_S.")
        except Exception:  # a worker that died (out of memory, killed), a bug: logged, one line
            logger.exception("KPI script %s failed", script[:80])
            return alert_answer("The KPI check stopped unexpectedly on the server; nothing "
                                "was changed. Please try again.")


_pool: ScriptPool | None = None


def script_pool() -> ScriptPool:
    """The process-wide pool, sized from KPI_SCRIPT_WORKERS on first use."""
    global _pool
    if _pool is None:
        _pool = ScriptPool(workers_from_environment(), current_limits().script_seconds)
    return _pool


def install_route(app, app_path: str = "") -> None:
    """Answer /xlwings/custom-scripts-call/{script} through the pool, before xlwings Server's
    own route of that path (same sign-in: xlwings Server's user dependency)."""
    from fastapi import Request, Response
    from xlwings_server import dependencies as dep

    async def custom_scripts_call(script_name: str, request: Request, current_user: dep.User):
        status, content_type, payload = await script_pool().answer(
            script_name, await request.body(), current_user)
        return Response(payload, status_code=status, media_type=content_type)

    # Objects, not the strings `from __future__ import annotations` leaves: FastAPI reads them.
    custom_scripts_call.__annotations__ = {"script_name": str, "request": Request,
                                           "current_user": dep.User}

    app.router.add_api_route(f"{app_path}/xlwings/custom-scripts-call/{{script_name}}",
                             custom_scripts_call, methods=["POST"])
    app.router.routes.insert(0, app.router.routes.pop())  # the first route that matches wins
