"""Findings: the checks a performance officer makes by hand, returned as one table.

Each finding has a stable code, a severity and the cell it points at (columns:
sheet, cell, row, reference, code, severity, message), like pandera's failure cases.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .columns import Columns, as_array, by_unique, factorize, first_occurrences, is_missing, pandas
from .matching import has_commentary_column, reference_key
from .rules import Rules, default_rules
from .status import STATUSES
from .units import show_with_unit

FINDING_COLUMNS = ("sheet", "cell", "row", "reference", "code", "severity", "message")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the worst: errors sort first."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Code(StrEnum):
    """Why a finding was raised: the stable codes of domain.md."""

    MISSING_COMMENTARY = "missing_commentary"
    STATUS_MISMATCH = "status_mismatch"
    MISSING_ACTUAL = "missing_actual"
    MISSING_TARGET = "missing_target"
    UNKNOWN_POLARITY = "unknown_polarity"
    UNIT_MISMATCH = "unit_mismatch"
    DUPLICATE_REFERENCE = "duplicate_reference"
    SUPPRESSED_VALUE = "suppressed_value"  # "<5" or "*": a small number withheld on purpose
    FORMULA_KEPT = "formula_kept"  # a typed status that is the officer's formula disagrees

    @property
    def severity(self) -> Severity:
        return SEVERITY[self]


SEVERITY = {
    Code.MISSING_COMMENTARY: Severity.ERROR,
    Code.STATUS_MISMATCH: Severity.WARNING,
    Code.MISSING_ACTUAL: Severity.WARNING,
    Code.MISSING_TARGET: Severity.INFO,
    Code.UNKNOWN_POLARITY: Severity.ERROR,
    Code.UNIT_MISMATCH: Severity.ERROR,
    Code.DUPLICATE_REFERENCE: Severity.WARNING,
    Code.SUPPRESSED_VALUE: Severity.INFO,
    Code.FORMULA_KEPT: Severity.WARNING,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding, like one of pandera's failure cases: where, why (a Code) and a message."""

    sheet: str | None
    cell: str | None  # "K13"; None when the table has no column to point at
    row: int | None  # worksheet row, 1-based
    reference: str | None
    code: Code
    severity: Severity
    message: str

    def sort_key(self) -> tuple:
        return (self.row is None, self.row or 0, self.severity.rank, self.code)

    def to_json(self) -> dict:
        """Plain JSON values, keys in FINDING_COLUMNS order."""
        return {"sheet": self.sheet, "cell": self.cell, "row": self.row,
                "reference": self.reference, "code": str(self.code),
                "severity": str(self.severity), "message": self.message}  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """Indicators by status and findings by severity and code, counted once per check."""

    indicators: int
    tables: int
    statuses: dict[str, int]  # on / within / off / none -> how many (every status present)
    severities: dict[str, int]  # error / warning / info -> how many (every severity present)
    codes: dict[str, int]  # code -> how many (codes that occur)

    @classmethod
    def of(cls, statuses, findings: list[Finding], tables: int) -> Counts:
        status_counts = Counter(statuses)
        return cls(
            indicators=sum(status_counts.values()),
            tables=tables,
            statuses={code: int(status_counts.get(code, 0)) for code in STATUSES},
            severities={str(level): sum(1 for f in findings if f.severity == level)
                        for level in Severity},
            codes=dict(Counter(str(f.code) for f in findings)),
        )

    @property
    def findings(self) -> int:
        return sum(self.severities.values())


# What each finding is called where people read it (the codes stay in the JSON), and what to do.
PROBLEM_TITLES = {
    Code.MISSING_COMMENTARY: "Commentary missing",
    Code.STATUS_MISMATCH: "Typed status disagrees",
    Code.MISSING_ACTUAL: "Actual missing",
    Code.MISSING_TARGET: "No target",
    Code.UNKNOWN_POLARITY: "Polarity unknown",
    Code.UNIT_MISMATCH: "Units differ",
    Code.DUPLICATE_REFERENCE: "Reference repeated",
    Code.SUPPRESSED_VALUE: "Suppressed figure",
    Code.FORMULA_KEPT: "Status formula disagrees",
}
ADVICE = {
    Code.MISSING_COMMENTARY: "Say why it is off target and what is being done about it.",
    Code.STATUS_MISMATCH: "Check the figures; a refresh writes the status they give.",
    Code.MISSING_ACTUAL: "Enter the actual as a number, or say in the commentary when it is due.",
    Code.MISSING_TARGET: "Nothing, if it is reported as data only; else enter the target.",
    Code.UNKNOWN_POLARITY: "Say whether bigger or smaller is better, in the row or in the rules.",
    Code.UNIT_MISMATCH: "Write the actual and the target in the same units.",
    Code.DUPLICATE_REFERENCE: "Give each indicator its own reference, or remove the repeated row.",
    Code.SUPPRESSED_VALUE: "Nothing: a suppressed small number is not assessed.",
    Code.FORMULA_KEPT: "Correct the formula, or delete it so that a refresh writes the status.",
}

STATUS_WORDS = {"on": "On target", "within": "Within tolerance", "off": "Off target",
                "none": "Not assessed"}  # fmt: skip
# Where each finding points: the first role in the list that the table has a column for.
POINTS_AT = {
    Code.MISSING_COMMENTARY: ("commentary", "status", "actual", "indicator"),
    Code.STATUS_MISMATCH: ("status", "actual", "indicator"),
    Code.MISSING_ACTUAL: ("actual", "indicator"),
    Code.MISSING_TARGET: ("target", "actual", "indicator"),
    Code.UNKNOWN_POLARITY: ("polarity", "indicator", "reference"),
    Code.UNIT_MISMATCH: ("actual", "indicator"),
    Code.DUPLICATE_REFERENCE: ("reference", "indicator"),
    Code.SUPPRESSED_VALUE: ("actual", "target", "indicator"),
    Code.FORMULA_KEPT: ("status", "actual", "indicator"),
}


def show_value(number: float, percent: bool) -> str:
    """A number as a person would write it in a message: 44.4%, 1,234, 0.35."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return "blank"
    if percent:
        return f"{number * 100:,.4g}%" if abs(number) < 100 else f"{number * 100:,.0f}%"
    if float(number).is_integer():
        return f"{number:,.0f}"
    return f"{number:,.4g}" if abs(number) < 1000 else f"{number:,.1f}"


# The variance of a percentage indicator is in percentage points: 74% against 80% is -6.0 pp.
# The sheets write the number of points with this format; show_points writes the same text.
POINTS_FORMAT = '+0.0" pp";-0.0" pp";0.0" pp"'


def show_points(variance: float) -> str:
    """A difference of two fractions (-0.06) as POINTS_FORMAT shows its points: "-6.0 pp"."""
    points = variance * 100
    if points == 0:
        return "0.0 pp"
    return f"{'+' if points > 0 else '-'}{abs(points):.1f} pp"


def _raw(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "blank"
    return repr(value.strip()) if isinstance(value, str) else str(value)


def find_findings(evaluated, rules: Rules | None = None, columns: dict[str, str] | None = None):
    """table_findings for a pandas DataFrame (a thin adapter: needs kpi-addin[pandas]): every
    finding of one evaluated frame, as a DataFrame of FINDING_COLUMNS."""
    pd = pandas()

    table = Columns({name: as_array(evaluated[name]) for name in evaluated.columns}, len(evaluated))
    records = [f.to_json() for f in table_findings(table, rules, columns)]
    return pd.DataFrame(records, columns=list(FINDING_COLUMNS))


def table_findings(table: Columns, rules: Rules | None = None,
                   columns: dict[str, str] | None = None) -> list[Finding]:
    """Every finding in one evaluated table (see evaluate_columns), by row, then severity, then
    code. `columns` maps a role to its column letter."""
    rules = rules or default_rules()
    columns = columns or {}
    if not table.height:
        return []
    needed = [name for name in _MESSAGE_COLUMNS if name in table]
    found = []
    for code, mask, message in _checks(table, rules):
        for i in np.flatnonzero(mask).tolist():
            record = {name: table[name][i] for name in needed}
            found.append(_finding(record, code, message(record, i), columns))
    found.sort(key=Finding.sort_key)
    return found


# The columns a finding or its message reads (taken once per check, not row by row).
_MESSAGE_COLUMNS = ("sheet", "row", "reference", "status", "actual", "target", "actual_value",
                    "target_value", "status_typed", "typed_status", "polarity", "unit")  # fmt: skip


def _finding(row: dict, code: Code, message: str, columns: dict[str, str]) -> Finding:
    letter = next((columns[r] for r in POINTS_AT[code] if r in columns), None)
    sheet_row = None if is_missing(row.get("row")) else int(row["row"])
    cell = f"{letter}{sheet_row}" if letter and sheet_row is not None else None
    reference = row.get("reference")
    sheet = row.get("sheet")
    return Finding(None if is_missing(sheet) else str(sheet), cell, sheet_row,
                   None if is_missing(reference) else str(reference), code, code.severity, message)


def _present(table: Columns, role: str) -> np.ndarray:
    """A cell with anything in it (a number, a marker, text)."""
    if role not in table:
        return np.zeros(table.height, dtype=bool)
    return by_unique(table[role], lambda v: str(v).strip() != "", False, dtype=bool)


def _checks(table: Columns, rules: Rules):
    actual_ok = np.isfinite(table["actual_value"].astype(float))
    target_ok = np.isfinite(table["target_value"].astype(float))
    status = table["status"]
    typed = table["typed_status"]
    mismatch = table["unit_mismatch"].astype(bool)
    no_polarity = np.array([is_missing(p) for p in table["polarity_code"].tolist()], dtype=bool)
    commentary = has_commentary_column(table.column("commentary"))
    needs_comment = np.isin(status, list(rules.commentary_required))
    # A typed placeholder ("-", "TBC") that is no label means nothing was typed yet.
    typed_text = _present(table, "status_typed") & (
        (typed != None) | has_commentary_column(table.column("status_typed")))
    pct_a, pct_t = table.flags("actual_percent"), table.flags("target_percent")
    shown_pct = pct_a | pct_t
    units_differ = table.flags("units_differ")
    suppressed_a, suppressed_t = table.flags("actual_suppressed"), table.flags("target_suppressed")
    yes_no = table.flags("yes_no")

    def shown(r: dict, i: int, role: str) -> str:
        number = r[f"{role}_value"]
        return show_with_unit(number, r.get("unit"), show_value(number, shown_pct[i]))

    def against(r: dict, i: int) -> str:  # one scale for both: they were compared
        return f"{shown(r, i, 'actual')} against {shown(r, i, 'target')}"

    yield (Code.MISSING_COMMENTARY, needs_comment & ~commentary,
           lambda r, i: f"{STATUS_WORDS[r['status']]} ({against(r, i)}) and no commentary")
    # A typed status disagrees when it names another status, or is no label at all. Beside
    # figures that cannot be assessed (status none: missing data, no polarity, units that
    # differ) a known label is not questioned: the finding about the figures says why.
    unknown_label = typed == None
    disagrees = typed_text & (typed != status) & ((status != "none") | unknown_label)
    # A status cell holding a formula is the officer's own logic: a refresh leaves it as it is
    formula = table.flags("status_formula")
    yield (Code.STATUS_MISMATCH, disagrees & ~formula, lambda r, i: _status_mismatch_message(r, rules))
    yield (Code.FORMULA_KEPT, disagrees & formula,
           lambda r, i: f"The status is a formula, left as it is: it gives {_raw(r.get('status_typed'))} "
                        f"but the figures say {rules.label(r['status'])!r}")
    yield (Code.MISSING_ACTUAL, target_ok & ~actual_ok & ~suppressed_a,
           lambda r, i: f"Target given but no actual figure (actual is {_raw(r.get('actual'))})")
    yield (Code.MISSING_TARGET, actual_ok & ~target_ok & ~suppressed_t,
           lambda r, i: "Actual given but no target: reported as data only")
    yield (Code.SUPPRESSED_VALUE, suppressed_a | suppressed_t,
           lambda r, i: _suppressed_message(r, suppressed_a[i]))
    yield (Code.UNKNOWN_POLARITY, no_polarity & (actual_ok | target_ok) & ~yes_no,
           lambda r, i: _polarity_message(r.get("polarity")))
    yield (Code.UNIT_MISMATCH, mismatch & units_differ,
           lambda r, i: f"Actual {_raw(r.get('actual'))} and target {_raw(r.get('target'))} "
                        "are in different units: not assessed")
    yield (Code.UNIT_MISMATCH, mismatch & ~units_differ,
           lambda r, i: f"Actual {show_value(r['actual_value'], pct_a[i])} and target "
                        f"{show_value(r['target_value'], pct_t[i])} look like different units "
                        "(a fraction against percentage points): not assessed")
    yield (Code.DUPLICATE_REFERENCE, _duplicates(table),
           lambda r, i: f"Reference {r['reference']} appears more than once in this table")


def _suppressed_message(row, actual: bool) -> str:
    role = "Actual" if actual else "Target"
    written = _raw(row.get("actual" if actual else "target"))
    return f"{role} {written} is a suppressed small number (withheld for privacy): not assessed"


def _polarity_message(written) -> str:
    if isinstance(written, str) and written.strip():
        return (f"Polarity {written.strip()!r} is not bigger or smaller is better: not assessed")
    return "No polarity (bigger or smaller is better) in the row or the rules: not assessed"


def _status_mismatch_message(row, rules: Rules) -> str:
    typed_code = row["typed_status"]
    written = _raw(row.get("status_typed"))
    if typed_code is None:
        return (f"Typed status {written} is not a known label; the figures say "
                f"{rules.label(row['status'])!r}")  # fmt: skip
    return f"Typed status {written} but the figures say {rules.label(row['status'])!r}"


def _duplicates(table: Columns) -> np.ndarray:
    """Second and later rows with one reference in one table and section."""
    if "reference" not in table:
        return np.zeros(table.height, dtype=bool)
    keys = by_unique(table["reference"], _reference_key, "")
    scopes = [table[scope].tolist() for scope in ("sheet", "table", "section") if scope in table]
    groups, _ = factorize(list(zip(keys.tolist(), *scopes)))
    return ~first_occurrences(groups) & (keys != "")


def _reference_key(reference) -> str:
    return reference_key(reference) if isinstance(reference, (str, int, float)) else ""
