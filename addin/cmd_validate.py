"""`kpi validate`: not built yet."""

import sys


def add_arguments(parser):
    parser.add_argument("args", nargs="*")


def run(args) -> int:
    print("kpi validate: not built yet", file=sys.stderr)
    return 2
