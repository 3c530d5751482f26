"""What a ribbon script tells the task pane: the run's own result, as one JSON text.

After each run (from the ribbon or from the pane's buttons: the same scripts), the script queues
one more action for the Office.js client: `runMacro` of the pane's registered callback
(`xlwings.registerCallback(kpiShowRun)` in static/js/taskpane.js) with this document. The pane
shows the counts, the findings (a click selects the cell where the fix goes) and the rules in
use. It is built from the plan the run applied, never read back from the sheets it wrote.
"""

from __future__ import annotations

import json
from typing import Any

from kpi_rules import Rules
from kpi_rules.settings import tolerance_words
from workbook.addresses import split_location
from workbook.plan.blocks import FindingRow, WorkbookPlan

PANE_CALLBACK = "kpiShowRun"  # the JS function's name: registerCallback keys on it
MOST_FINDINGS = 500  # listed in the pane; the "KPI Validation" sheet has them all
STATUS_ORDER = ("on", "within", "off", "none")
POLARITY_WORDS = {"bigger": "bigger is better", "smaller": "smaller is better"}


def run_result(plan: WorkbookPlan, part: str, message: str, book_name: str) -> dict[str, Any]:
    """{"part", "book", "message", "counts", "findings", "more", "rules"} for a finished run."""
    rules = plan.rules
    findings = plan.findings[:MOST_FINDINGS]
    return {
        "part": part,
        "book": book_name,
        "message": message,
        "counts": _counts(plan, rules),
        "findings": [_finding(row) for row in findings],
        "more": len(plan.findings) - len(findings),
        "rules": rules_in_use(rules) if rules is not None else None,
    }


def failed_result(part: str, message: str, book_name: str) -> dict[str, Any]:
    """A run that could not finish: the pane shows its one-line reason and keeps no counts."""
    return {"part": part, "book": book_name, "message": message, "error": True,
            "counts": None, "findings": [], "more": 0, "rules": None}


def as_text(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, allow_nan=False)


def _counts(plan: WorkbookPlan, rules: Rules | None) -> dict[str, Any] | None:
    counts = plan.counts
    if counts is None:
        return None
    return {
        "indicators": counts.indicators,
        "tables": counts.tables,
        "statuses": [{"code": code, "label": rules.label(code) if rules else code,
                      "count": counts.statuses[code]} for code in STATUS_ORDER],
        "severities": dict(counts.severities),
        "findings": counts.findings,
    }


def _finding(row: FindingRow) -> dict[str, Any]:
    place = split_location(row.place) if row.place else None
    return {
        "severity": row.severity,
        "indicator": row.indicator or row.reference or "",
        "reference": row.reference,
        "problem": row.problem,
        "details": row.details,
        "advice": row.advice,
        "place": row.place,
        "sheet": place[0] if place else None,
        "cell": place[1] if place else None,
    }


def rules_in_use(rules: Rules) -> list[dict[str, str]]:
    """The rules as the pane lists them: name and value, in words."""
    required = ", ".join(rules.label(code) for code in rules.commentary_required) or "none"
    items = [
        ("Rules from", "defaults (no KPI Rules sheet)" if rules.source == "defaults" else rules.source),
        ("Tolerance", tolerance_words(rules.tolerance, rules.tolerance_mode)),
        ("Default polarity", POLARITY_WORDS.get(rules.polarity, "none: the table's polarity column")),
        ("Commentary needed when", required),
        ("Labels", " / ".join(rules.label(code) for code in STATUS_ORDER)),
    ]
    if rules.indicators:
        items.append(("Indicator rules", f"{len(rules.indicators)} indicators with their own rules"))
    return [{"name": name, "value": value} for name, value in items]
