"""Renders docs/task-pane.png: the KPI task pane as `kpi serve` serves it, in headless chromium
against the tests' simulated Excel (tests/browser/addin), after Validate was pressed in the pane
and the first finding chosen. Real output: the server's page and scripts, the run's own result.

    .venv/bin/python docs/render_pane_picture.py        (or: make pane-picture)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser_support import ADDIN_DRIVER, addin_server, chromium, install_driver  # noqa: E402

BOOK = {"name": "service-kpis.xlsx", "sheets": [
    {"name": "Service KPIs", "values": [
        ["Ref", "Indicator", "Polarity", "Q2 Actual", "Q2 Target", "Commentary"],
        ["CS 01", "% of calls answered within 60 seconds", "Bigger", 0.74, 0.8, ""],
        ["CS 02", "Complaints responded to within 10 days", "Bigger", 0.79, 0.9, ""],
        ["HS 01", "Households in temporary accommodation", "Smaller", 1342, 1100, "TBC"],
        ["WS 01", "Missed bin collections per 100,000", "Smaller", 48, 60, ""],
        ["RB 01", "Days to process new benefit claims", "Smaller", 21, 20, ""]],
     "numberFormats": [[], ["General"] * 3 + ["0%", "0%"], ["General"] * 3 + ["0%", "0%"]]},
]}


def main() -> int:
    if chromium() is None:
        print("needs chromium, node and npm: apt-get install chromium nodejs npm", file=sys.stderr)
        return 2
    install_driver(ADDIN_DRIVER)
    target = REPO / "docs" / "task-pane.png"
    with tempfile.TemporaryDirectory() as work, addin_server(Path(work)) as base:
        book = Path(work) / "book.json"
        book.write_text(json.dumps(BOOK))
        subprocess.run(["node", "pane_picture.mjs", base, str(book), str(target)], cwd=ADDIN_DRIVER,
                       check=True, timeout=300, env={**os.environ, "CHROMIUM": chromium()})
    print(f"wrote {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
