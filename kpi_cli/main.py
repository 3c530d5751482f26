"""The `kpi` command. Each subcommand lives in its own module; this file dispatches, and is the one
guard between any failure and the user.

Exit codes: 0 done, no error findings; 1 done, error findings present; 2 could not run
(one line on stderr, never a traceback; `KPI_DEBUG=1` adds the traceback for developers).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from kpi_rules.errors import KpiError, internal_error, one_line

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

# subcommand -> module holding `add_arguments(parser)` and `run(args) -> int`
COMMANDS = {
    "validate": ("kpi_cli.validate", "check a workbook (or a folder) and print the findings"),
    "summary": ("kpi_cli.summary", "counts by status per table and section"),
    "refresh": ("kpi_cli.refresh", "write statuses, variances, trends and colours into a copy"),
    "report": ("kpi_cli.report", "the committee pack (.docx, .html or .pdf) from a book or folder"),
    "init-rules": ("kpi_cli.init_rules", "write a commented kpi.toml to start from"),
    "demo": ("kpi_cli.demo", "refresh the bundled sample workbook into a new file"),
    "serve": ("kpi_cli.serve", "start the Excel add-in backend (xlwings Server)"),
}


class UsageError(KpiError):
    """A problem with the command line: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit 2 with usage; keep it to one line
        raise UsageError(message)


def version() -> str:
    from addin.branding import installed_version  # the one place; /health says the same

    return installed_version()


class _VersionAction(argparse.Action):
    """--version, looked up only when asked for (importlib.metadata is slow to import)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"kpi {version()}")
        parser.exit()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the subcommand it names has its module imported (a
    refresh does not pay for the report's or the server's imports)."""
    parser = _Parser(prog="kpi", description="KPI statuses and commentary checks for Excel books")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    named = next((arg for arg in argv if arg in COMMANDS), None) if argv is not None else None
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if named is None or name == named:
            importlib.import_module(module_name).add_arguments(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(argv).parse_args(argv)
        module = importlib.import_module(COMMANDS[args.command][0])
        return module.run(args)
    except KpiError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # stdout's reader left before the end; nothing more to say
        from kpi_cli.batch import reader_left

        reader_left()
        return EXIT_FAILED
    except KeyboardInterrupt:
        return _fail("interrupted")
    except MemoryError:
        return _fail("not enough memory for this workbook")
    except Exception as exc:  # noqa: BLE001 - the one place that turns a bug into one line
        return _fail(internal_error(exc))


def _fail(message: str) -> int:
    if os.environ.get("KPI_DEBUG") == "1" and sys.exc_info()[0] is not None:
        traceback.print_exc()
    print(one_line(f"kpi: {message}"), file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
