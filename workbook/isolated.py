"""Work on many books, each in a worker process with a time and a memory limit, so that a book
which aborts the interpreter (the native reader gives up on an allocation), hangs or blows memory
costs one line in the report and every other book is still done.

A small pool of forked workers is reused from book to book (start-up costs one fork, not an
interpreter); a worker that dies or overruns its time is replaced. Limits come from the
environment (docs/interfaces.md, "Folder runs"):

- KPI_BOOK_SECONDS   wall time per book (default 600)
- KPI_BOOK_MEMORY_MB address space a worker may add for one book (default 4096)
- KPI_WORKERS        books worked on at once (default: the number of cores, at most 4)
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

from kpi_rules.errors import KpiError, one_line

DEFAULT_SECONDS, DEFAULT_MEMORY_MB, MAX_DEFAULT_WORKERS = 600.0, 4096, 4
# Test hook, documented in docs/interfaces.md: a book of this name makes its worker hang, as a
# book the reader never finishes would (used by tests/test_folder_isolation.py).
HANG_HOOK = "KPI_TEST_HANG_BOOK"


class LimitsError(KpiError):
    """A KPI_BOOK_* or KPI_WORKERS setting that is not a positive number."""


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    workers: int = 1

    @classmethod
    def from_environment(cls) -> Limits:
        default_workers = max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))
        return cls(
            seconds=_positive("KPI_BOOK_SECONDS", DEFAULT_SECONDS, float),
            memory_mb=_positive("KPI_BOOK_MEMORY_MB", DEFAULT_MEMORY_MB, int),
            workers=_positive("KPI_WORKERS", default_workers, int),
        )


def _positive(name: str, default, kind):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise LimitsError(f"{name}={one_line(text, 30)}: must be a positive number")
    return value


@dataclass(frozen=True)
class Stopped:
    """A book whose worker died or ran out of time; `reason` is one line."""

    reason: str


def run_isolated(work: Callable, items: list, limits: Limits) -> Iterator[tuple[int, object]]:
    """(index, work(items[index]) or Stopped) for every item, in the order they finish.
    `work` must catch its own errors and return something picklable."""
    pool = _Pool(work, limits)
    try:
        yield from pool.results(deque(enumerate(items)), min(limits.workers, len(items)))
    finally:
        pool.close()


@dataclass
class _Worker:
    process: multiprocessing.Process
    connection: object
    errors: object  # the worker's stderr (a native reader's dying words land here)
    job: int | None = None
    item: object = None
    deadline: float = 0.0


class _Pool:
    def __init__(self, work: Callable, limits: Limits):
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.work, self.limits = work, limits
        self.workers: list[_Worker] = []

    def results(self, pending: deque, size: int) -> Iterator[tuple[int, object]]:
        self.workers = [self._start() for _ in range(size)]
        for worker in self.workers:
            self._give(worker, pending)
        while any(worker.job is not None for worker in self.workers):
            busy = [worker for worker in self.workers if worker.job is not None]
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = wait([worker.connection for worker in busy], timeout)
            for worker in busy:
                outcome = self._outcome(worker, ready)
                if outcome is None:
                    continue
                yield worker.job, outcome
                worker.job = None
                if isinstance(outcome, Stopped):
                    self._replace(worker)
                self._give(worker if worker in self.workers else self.workers[-1], pending)

    def _outcome(self, worker: _Worker, ready: list):
        if worker.connection in ready:
            try:
                return worker.connection.recv()
            except (EOFError, OSError):
                return Stopped(self._death(worker))
            except Exception as error:  # noqa: BLE001 - a result that does not unpickle
                return Stopped(f"internal error ({type(error).__name__}: {one_line(error, 80)})")
        if time.monotonic() >= worker.deadline:
            return Stopped(f"gave up after {self.limits.seconds:g} s (KPI_BOOK_SECONDS)")
        return None

    def _death(self, worker: _Worker) -> str:
        worker.process.join(5)
        code = worker.process.exitcode
        said = _last_words(worker.errors)
        if code is not None and code < 0:
            how = f"the reader was stopped by {signal.Signals(-code).name}"
        else:
            how = f"the reader stopped (exit {code})"
        memory = f"; the limit is {self.limits.memory_mb} MB (KPI_BOOK_MEMORY_MB)"
        hint = memory if "memory" in said.lower() or code == -signal.SIGKILL else ""
        return one_line(f"{how}{': ' + said if said else ''}{hint}", 160)

    def _give(self, worker: _Worker, pending: deque) -> None:
        if not pending:
            return
        worker.job, worker.item = pending.popleft()
        worker.deadline = time.monotonic() + self.limits.seconds
        worker.connection.send((worker.job, worker.item))

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        self.workers.remove(worker)
        self.workers.append(self._start())

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _stop, when the worker is
        budget = self.limits.memory_mb << 20
        process = self.context.Process(target=_serve, args=(theirs, self.work, budget, errors.fileno()),
                                       daemon=True)  # fmt: skip
        process.start()
        theirs.close()
        return _Worker(process, ours, errors)

    def _stop(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.connection.close()
        worker.errors.close()

    def close(self) -> None:
        for worker in self.workers:
            try:
                worker.connection.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(1 if worker.job is None else 0)
            self._stop(worker)
        self.workers = []


def _last_words(errors) -> str:
    """What a dying worker said first on stderr ('memory allocation of ... bytes failed',
    'Fatal Python error: ...'), without backtraces."""
    errors.seek(0)
    text = errors.read(16384).decode("utf-8", "replace")
    for line in text.splitlines():
        if line.strip() and not line[:1].isspace() and not line.startswith(SKIPPED_LINES):
            return line.strip()
    return ""


SKIPPED_LINES = ("note:", "stack backtrace", "Traceback", "Current thread", "Thread 0x")


def _serve(connection, work: Callable, budget: int, errors_fd: int) -> None:
    """A worker: books in, results out, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    os.dup2(errors_fd, 2)
    os.environ["RUST_BACKTRACE"] = "0"  # a dying native reader says why in one line, at once
    _limit_memory(budget)
    hang = os.environ.get(HANG_HOOK)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        _, item = job
        if hang and os.path.basename(str(item)) == hang:
            while True:
                time.sleep(60)
        result = _done(work, item)
        try:
            connection.send(result)
        except Exception as error:  # noqa: BLE001 - a result that does not pickle
            connection.send(Stopped(f"internal error ({type(error).__name__}: {one_line(error, 80)})"))


def _done(work: Callable, item):
    try:
        return work(item)
    except MemoryError:
        return Stopped("not enough memory for this workbook (KPI_BOOK_MEMORY_MB)")
    except Exception as error:  # noqa: BLE001 - the promise is one line, never a traceback
        return Stopped(f"internal error ({type(error).__name__}: {one_line(error, 80)})")


def _limit_memory(budget: int) -> None:
    """Allow this process its present address space plus `budget` bytes."""
    try:
        import resource
    except ImportError:  # not on this system: the time limit still holds
        return
    limit = _address_space() + budget
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) << 10
    except OSError:
        pass
    return 0
