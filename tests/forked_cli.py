"""Run `kpi` commands each in a child process with an address-space limit, a wall-time limit and
its own stdout/stderr, without paying an interpreter start per command.

`python -m tests.forked_cli` is a small server: it imports the CLI once, then for each request
(one JSON line on stdin) forks a child that sets its limits (RLIMIT_AS = the server's own
address space + memory_mb; optionally RLIMIT_FSIZE, or the uid of nobody), runs
`kpi_cli.main.main(argv)` and exits with its code. The server answers one JSON line: the exit
status (negative: killed by that signal), seconds, the child's peak RSS, stdout and stderr.
`ForkedCli` is the test-side client.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) << 10
    return 0


def resident_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(request: dict, out_fd: int, err_fd: int) -> None:
    from kpi_cli.main import main

    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.chdir(request.get("cwd") or "/")
    os.environ.update(request.get("env") or {})
    limit = address_space() + (request["memory_mb"] << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if request.get("fsize"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full disk: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (request["fsize"], request["fsize"]))
    if request.get("nobody") and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)  # root ignores file modes; nobody does not
    code = main(request["argv"])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _kill_now(request: dict, started: float) -> bool:
    """kill -9 on request: `kill_after` seconds, or as soon as a file whose name starts with
    `kill_when[1]` appears in the folder `kill_when[0]` (a temporary file, say)."""
    if request.get("kill_after") is not None and time.monotonic() - started >= request["kill_after"]:
        return True
    if request.get("kill_when"):
        folder, prefix = request["kill_when"]
        return any(name.startswith(prefix) for name in os.listdir(folder))
    return False


def _run(request: dict) -> dict:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                _child(request, out.fileno(), err.fileno())
            finally:
                os._exit(70)
        deadline = started + request["seconds"]
        timed_out = killed = False
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            killed = _kill_now(request, started)
            timed_out = time.monotonic() > deadline
            if killed or timed_out:
                os.kill(pid, signal.SIGKILL)
                _, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.0005 if request.get("kill_when") else 0.005)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return {
            "status": os.waitstatus_to_exitcode(status), "seconds": seconds, "timed_out": timed_out,
            "killed": killed,
            "max_rss_kb": usage.ru_maxrss, "base_rss_kb": resident_kb(),
            "stdout": out.read(4 << 20).decode("utf-8", "replace"),
            "stderr": err.read(1 << 20).decode("utf-8", "replace"),
        }


def serve() -> None:
    import kpi_cli.main
    import kpi_cli.refresh
    import kpi_cli.summary
    import kpi_cli.validate  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(_run(json.loads(line))), flush=True)


class ForkedCli:
    """The client: one server per test process, started on first use."""

    def __init__(self):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XLWINGS_LICENSE_KEY": "noncommercial"}
        self.server = subprocess.Popen([sys.executable, "-m", "tests.forked_cli"], cwd=ROOT, env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.server.stdout.readline().strip() == "ready"

    def run(self, argv: list[str], seconds: float = 30, memory_mb: int = 1024, **options) -> dict:
        request = {"argv": [str(a) for a in argv], "seconds": seconds, "memory_mb": memory_mb, **options}
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        return json.loads(self.server.stdout.readline())

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(10)


if __name__ == "__main__":
    serve()
