"""What `make run` does: check the bundled sample workbook, refresh it into out/, print both."""

from __future__ import annotations

import sys
from pathlib import Path

from kpi_cli.main import main

OUT = Path("out")


def run() -> int:
    from kpi_cli.demo import sample_path

    sample = sample_path()
    print(f"== kpi validate {sample.name}\n")
    validated = main(["validate", str(sample)])
    OUT.mkdir(exist_ok=True)
    print(f"\n== kpi demo -o {OUT / (sample.stem + '-refreshed.xlsx')}\n")
    refreshed = main(["demo", "-o", str(OUT / f"{sample.stem}-refreshed.xlsx")])
    # The sample deliberately holds error findings (exit 1): only "could not run" fails make run.
    return 2 if 2 in (validated, refreshed) else 0


if __name__ == "__main__":
    sys.exit(run())
