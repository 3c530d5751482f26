"""`kpi init-rules [BOOK] [-o FILE] [--force]`: write a commented kpi.toml to start from.

Every key is there, commented out with its default, so the file changes nothing until a line is
uncommented. Given a book, the file goes beside it (where `kpi` looks for it) and its [columns]
section shows the headers read from the book's first KPI table, ready to pin.
"""

from __future__ import annotations

from pathlib import Path

from kpi_rules import default_rules
from kpi_rules.errors import KpiError
from workbook.check import BookCheck, check_book
from workbook.read.rules_source import RULES_FILE_NAME
from workbook.read.tables import ROLES
from workbook.xlsx.atomic import write_temporary

EXIT_OK = 0

TEMPLATE = """\
# Rules for `kpi validate`, `kpi refresh` and `kpi report`. Every line below is commented out and
# shows the default: the file changes nothing until you uncomment a line (and, for a key inside
# a [section], the section's line too). A mistake in this file stops the run with one line naming
# the key. Every key is described in docs/rules.md.

# Width of the "within tolerance" band: 0.10 is within 10% of the target.
# tolerance = 0.10
# "relative" (a share of the target) or "points" (a fixed amount, in the units the sheet shows:
# percentage points for a percentage indicator, so tolerance = 2 makes 88.5% against 90% within).
# tolerance_mode = "relative"
# Used when a row has no polarity of its own; leave it out to require one on every row.
# polarity = "bigger"          # or "smaller"
# Statuses that must carry commentary (on, within, off, none).
# commentary_required = ["off"]

# [labels]                     # the first label is written; all are recognised when read
# on = ["{on}"]
# within = ["{within}"]
# off = ["{off}"]
# none = ["{none}"]

# [colors]
# on = "{c_on}"
# within = "{c_within}"
# off = "{c_off}"
# none = "{c_none}"

# [columns]                    # header text as written in the sheet, or a column letter
{columns}
# sheet = "{sheet}"            # only this sheet

# [commentary]                 # commentary kept in another sheet
# sheet = "{notes_sheet}"
# key = "Indicator"            # the column holding a reference or indicator name
# text = "Note"                # the column holding the note

# [indicators."HR 01"]         # one indicator, by reference or by name
# polarity = "smaller"
# tolerance = 0.05
# tolerance_mode = "relative"
"""


def add_arguments(parser):
    parser.add_argument("book", nargs="?", help="a workbook: the file goes beside it, with its headers")
    parser.add_argument("-o", "--output", metavar="FILE", help=f"where to write (default: {RULES_FILE_NAME})")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")


def run(args) -> int:
    book = Path(args.book) if args.book else None
    target = Path(args.output) if args.output else (
        book.with_name(RULES_FILE_NAME) if book else Path(RULES_FILE_NAME))
    if target.exists() and not args.force:
        raise InitRulesError(f"{target}: already exists: use --force to replace it")
    check = check_book(book) if book else None
    written = write_temporary(target, lambda out: out.write(rules_template(check).encode()))
    written.commit()
    print(f"Wrote {target}: every line is commented out; uncomment what you want to change.")
    return EXIT_OK


def rules_template(check: BookCheck | None = None) -> str:
    """The commented kpi.toml; with a check, [columns] shows the first table's headers."""
    rules = default_rules()
    table = check.tables[0] if check and check.tables else None
    columns = []
    for role in ROLES:
        header = table.headers.get(role) if table else None
        if header:
            columns.append(f"# {role} = {_toml_string(' '.join(str(header).split()))}")
        elif table:
            columns.append(f"# {role} = {_toml_string(_EXAMPLE_HEADERS[role])}"
                           "    # not found in this book")
        else:
            columns.append(f"# {role} = {_toml_string(_EXAMPLE_HEADERS[role])}")
    return TEMPLATE.format(
        **{code: rules.label(code) for code in ("on", "within", "off", "none")},
        **{f"c_{code}": rules.colour(code) for code in ("on", "within", "off", "none")},
        columns="\n".join(columns),
        sheet=table.sheet if table else "Corporate KPIs",
        notes_sheet=(check.notes_sheet if check and check.notes_sheet else "Exception Notes"),
    )


_EXAMPLE_HEADERS = {"reference": "Ref", "indicator": "Performance Indicator",
                    "polarity": "Polarity", "actual": "Q2 Actual", "target": "Q2 Target",
                    "previous": "Q1 Actual", "commentary": "Commentary", "status": "Status"}  # fmt: skip


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class InitRulesError(KpiError):
    """The rules file cannot be written (it exists, say)."""
