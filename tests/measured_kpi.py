"""`python -m tests.measured_kpi ARGS...`: run `kpi ARGS...` in this fresh interpreter, then write
what it cost to the file named by KPI_MEASURE_TO as JSON: the seconds inside `main()`, the
process's peak address space (VmPeak) and peak resident memory (VmHWM), in KB."""

from __future__ import annotations

import json
import os
import sys
import time


def _status(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def run() -> int:
    from kpi_cli.main import main

    started = time.perf_counter()
    code = main(sys.argv[1:])
    seconds = time.perf_counter() - started
    with open(os.environ["KPI_MEASURE_TO"], "w", encoding="utf-8") as out:
        json.dump({"seconds": seconds, "vm_peak_kb": _status("VmPeak"), "rss_peak_kb": _status("VmHWM")}, out)
    return code


if __name__ == "__main__":
    sys.exit(run())
