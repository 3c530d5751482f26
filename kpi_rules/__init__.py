"""The KPI rules engine: pure Python over whole tables. No Excel, no file I/O.

One indicator: `status`, `variance`, `variance_pct`, `trend`.
A table (the engine's one API, numpy): `kpi_rules.table.evaluate_columns(columns, rules)` then
`kpi_rules.findings.table_findings(evaluated, rules, letters)`.
The same for a pandas DataFrame (thin adapters, `pip install kpi-addin[pandas]`):
`evaluate(frame, rules)`, `find_findings(evaluated, rules, columns)`, `attach_notes(frame, notes)`.
Tolerance, mode and polarity as people write them: `kpi_rules.settings`.
"""

from .findings import (
    FINDING_COLUMNS,
    SEVERITY,
    Code,
    Counts,
    Finding,
    Severity,
    find_findings,
    show_points,
    show_value,
)
from .matching import (
    attach_notes,
    has_commentary,
    is_reference_code,
    name_key,
    reference_key,
    split_reference,
)
from .rules import (
    CommentarySource,
    IndicatorRule,
    Rules,
    RulesError,
    default_rules,
    load_rules,
    rules_from_dict,
    rules_from_rows,
)
from .status import STATUSES, TRENDS, favourable, status, trend, variance, variance_pct
from .table import OUTPUT_COLUMNS, evaluate
from .values import ParsedValue, parse_column, parse_number, parse_polarity, parse_value


def load_rules_file(path) -> Rules:
    """Rules from a TOML file (the only function here that touches a file, by path only)."""
    from pathlib import Path

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RulesError(str(path), "file", f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise RulesError(str(path), "file", "is not UTF-8 text") from None
    return load_rules(text, source=path.name)


__all__ = [
    "FINDING_COLUMNS",
    "OUTPUT_COLUMNS",
    "SEVERITY",
    "STATUSES",
    "TRENDS",
    "Code",
    "CommentarySource",
    "Counts",
    "Finding",
    "IndicatorRule",
    "ParsedValue",
    "Rules",
    "RulesError",
    "Severity",
    "attach_notes",
    "default_rules",
    "evaluate",
    "favourable",
    "find_findings",
    "has_commentary",
    "is_reference_code",
    "load_rules",
    "load_rules_file",
    "name_key",
    "parse_column",
    "parse_number",
    "parse_polarity",
    "parse_value",
    "reference_key",
    "rules_from_dict",
    "rules_from_rows",
    "show_points",
    "show_value",
    "split_reference",
    "status",
    "trend",
    "variance",
    "variance_pct",
]  # fmt: skip
