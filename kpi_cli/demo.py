"""`kpi demo [-o OUT]`: refresh the bundled sample workbook into a new file and say where it is.

`python -m kpi_cli.demo` is what `make run` does: check the sample, refresh it into out/, print both.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from kpi_cli.batch import EXIT_FAILED, EXIT_OK
from kpi_cli.refresh import KNOWN_ERRORS, describe
from workbook.refresh import refresh_book

SAMPLE_NAME = "council_kpis_q2.xlsx"


def sample_path() -> Path:
    return Path(str(resources.files("workbook") / "samples" / SAMPLE_NAME))


def add_arguments(parser):
    parser.add_argument("-o", "--output", metavar="OUT",
                        help=f"where to write (default: {Path(SAMPLE_NAME).stem}-refreshed.xlsx here)")


def run(args) -> int:
    source = sample_path()
    target = Path(args.output or f"{source.stem}-refreshed{source.suffix}")
    try:
        result = refresh_book(source, target)
    except KNOWN_ERRORS as exc:
        print(f"kpi: demo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(describe(result))
    print(f"\nOpen {target.resolve()} in Excel or LibreOffice to see the result.")
    return EXIT_OK


def make_run() -> int:
    from kpi_cli.main import main

    sample = sample_path()
    out = Path("out")
    print(f"== kpi validate {sample.name}\n")
    validated = main(["validate", str(sample)])
    out.mkdir(exist_ok=True)
    print(f"\n== kpi demo -o {out / (sample.stem + '-refreshed.xlsx')}\n")
    refreshed = main(["demo", "-o", str(out / f"{sample.stem}-refreshed.xlsx")])
    print(next_steps(sample))
    # The sample deliberately holds error findings (exit 1): only "could not run" fails make run.
    return 2 if 2 in (validated, refreshed) else 0


def next_steps(sample: Path) -> str:
    """What `make run` leaves out: where the sample is and how to run `kpi` (not on PATH)."""
    return (f"\nThe sample workbook is {sample}.\n"
            "`kpi` is installed in .venv, not on your PATH: run it as .venv/bin/kpi (on Windows\n"
            ".venv\\Scripts\\kpi), or activate the venv first (source .venv/bin/activate), e.g.\n"
            f"  .venv/bin/kpi validate {sample}")


if __name__ == "__main__":
    sys.exit(make_run())
