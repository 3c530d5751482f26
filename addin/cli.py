"""The `kpi` command. Each subcommand lives in its own module; this file only dispatches.

Exit codes: 0 done, no error findings; 1 done, error findings present; 2 could not run
(one-line reason on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

# subcommand -> module holding `add_arguments(parser)` and `run(args) -> int`
COMMANDS = {
    "validate": ("addin.cmd_validate", "check a workbook (or a folder) and print the findings"),
    "summary": ("addin.cmd_summary", "counts by status per table and section"),
    "refresh": ("addin.cmd_refresh", "write statuses, variances, trends and colours into a copy"),
    "demo": ("addin.cmd_demo", "refresh the bundled sample workbook into a new file"),
    "serve": ("addin.cmd_serve", "start the Excel add-in backend (xlwings Server)"),
}


class UsageError(Exception):
    """A problem the user can fix: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit 2 with usage; keep it to one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kpi", description="KPI statuses and commentary checks for Excel books")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        module = importlib.import_module(COMMANDS[args.command][0])
        return module.run(args)
    except UsageError as exc:
        print(f"kpi: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("kpi: interrupted", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
