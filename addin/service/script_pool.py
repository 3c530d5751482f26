"""The ribbon scripts' CPU work, in a pool of worker processes, so that a button never holds up
the cell functions that the web process answers meanwhile.

A script hands its book (the JSON the client sent, already checked by the guard) to a worker,
which builds its own `xw.Book` from it, runs the button's plain-Python action
(`addin.book_actions`) and sends back the actions that book collected; they become the answer of
the book the request came with. A worker runs at a lower CPU priority than the web process and
is stopped after KPI_SCRIPT_TIMEOUT_S (pebble kills and replaces it): the officer then gets a
one-line alert, never a traceback.

KPI_SCRIPT_WORKERS (`kpi serve --workers N`) sets the pool's size, by default the machine's
cores; 0 runs scripts in the web process as before (for debugging, and the benchmark's
comparison).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from addin.service.limits import current_limits

logger = logging.getLogger(__name__)

ALERT_TITLE = "KPI"
WORKER_NICENESS = 10  # a script yields the CPU to the cell functions on a busy machine


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
        from addin.service.limits import LimitsError

        raise LimitsError(f"KPI_SCRIPT_WORKERS must be a whole number from 0 to 256, not {text[:20]!r}")
    return count


def run_action(action: Callable, book_data: dict, args: tuple) -> list[dict]:
    """In a worker (or inline): the actions `action(book, *args)` writes to a book built from
    the request's JSON."""
    import xlwings as xw

    book = xw.Book(json=book_data)
    try:
        action(book, *args)
        return book.json()["actions"]
    finally:
        book.close()


def _start_worker() -> None:
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass
    from addin.server_app import no_pyodide

    no_pyodide()
    # The modules every task needs, imported once per worker rather than by its first task.
    import xlwings  # noqa: F401

    import workbook.plan  # noqa: F401
    from addin import book_actions  # noqa: F401


def _ready() -> None:
    """A task that does nothing: scheduling it starts a worker."""


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

    def warm(self) -> None:
        """Start the workers now rather than on the first click."""
        if self.workers:
            pool = self._processes()
            for _ in range(self.workers):
                pool.schedule(_ready)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None

    async def run(self, book, action: Callable, *args: Any) -> None:
        """Run `action(book, *args)` in a worker and add the actions it wrote to `book`."""
        data = book.api
        try:
            if not self.workers:
                actions = run_action(action, data, args)
            else:
                future = self._processes().schedule(run_action, args=(action, data, args),
                                                    timeout=self.timeout)
                actions = await asyncio.wrap_future(future)
        except FutureTimeout:
            logger.warning("KPI script %s stopped after %g s", action.__name__, self.timeout)
            book.app.alert(f"The KPI check took longer than {self.timeout:g} seconds and was "
                           "stopped. Try a smaller workbook, or ask IT to raise "
                           "KPI_SCRIPT_TIMEOUT_S.", title=ALERT_TITLE)
            return
        except Exception:  # a worker that died (out of memory, killed): logged, one line shown
            logger.exception("KPI script %s failed in its worker", action.__name__)
            book.app.alert("The KPI check stopped unexpectedly on the server; nothing was "
                           "changed. Please try again.", title=ALERT_TITLE)
            return
        book.json()["actions"].extend(actions)


_pool: ScriptPool | None = None


def script_pool() -> ScriptPool:
    """The process-wide pool, sized from KPI_SCRIPT_WORKERS on first use."""
    global _pool
    if _pool is None:
        _pool = ScriptPool(workers_from_environment(), current_limits().script_seconds)
    return _pool


async def run_script(book, action: Callable, *args: Any) -> None:
    await script_pool().run(book, action, *args)
