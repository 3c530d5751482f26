"""Findings: the checks a performance officer makes by hand, returned as one table.

Each finding has a stable code, a severity and the cell it points at (columns:
sheet, cell, row, reference, code, severity, message), like pandera's failure cases.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .commentary import has_commentary_column
from .matching import reference_key
from .rules import Rules, default_rules
from .values import parse_column

FINDING_COLUMNS = ("sheet", "cell", "row", "reference", "code", "severity", "message")
SEVERITY = {
    "missing_commentary": "error",
    "status_mismatch": "warning",
    "missing_actual": "warning",
    "missing_target": "info",
    "unknown_polarity": "error",
    "unit_mismatch": "error",
    "duplicate_reference": "warning",
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
STATUS_WORDS = {"on": "On target", "within": "Within tolerance", "off": "Off target",
                "none": "Not assessed"}  # fmt: skip
# Where each finding points: the first role in the list that the table has a column for.
POINTS_AT = {
    "missing_commentary": ("commentary", "status", "actual", "indicator"),
    "status_mismatch": ("status", "actual", "indicator"),
    "missing_actual": ("actual", "indicator"),
    "missing_target": ("target", "actual", "indicator"),
    "unknown_polarity": ("polarity", "indicator", "reference"),
    "unit_mismatch": ("actual", "indicator"),
    "duplicate_reference": ("reference", "indicator"),
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


def _raw(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "blank"
    return repr(value.strip()) if isinstance(value, str) else str(value)


def find_findings(
    evaluated: pd.DataFrame, rules: Rules | None = None, columns: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every finding in one evaluated table. `columns` maps a role to its column letter."""
    rules = rules or default_rules()
    columns = columns or {}
    if evaluated.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    frame = evaluated.reset_index(drop=True)  # positions, whatever the caller's index
    needed = [name for name in _MESSAGE_COLUMNS if name in frame]
    found = []
    for code, mask, message in _checks(frame, rules):
        positions = np.flatnonzero(mask)
        if not len(positions):
            continue
        records = frame.iloc[positions][needed].to_dict("records")
        for i, record in zip(positions.tolist(), records):
            found.append(_finding(record, code, message(record, i), columns))
    table = pd.DataFrame(found, columns=FINDING_COLUMNS)
    if table.empty:
        return table
    table["_order"] = table["severity"].map(SEVERITY_ORDER)
    return table.sort_values(["row", "_order", "code"], kind="stable").drop(columns="_order")\
        .reset_index(drop=True)


# The columns a finding or its message reads (taken once per check, not row by row).
_MESSAGE_COLUMNS = ("sheet", "row", "reference", "status", "actual", "target", "actual_value",
                    "target_value", "status_typed", "typed_status", "polarity")  # fmt: skip


def _finding(row: dict, code: str, message: str, columns: dict[str, str]) -> dict:
    letter = next((columns[r] for r in POINTS_AT[code] if r in columns), None)
    sheet_row = int(row["row"]) if row.get("row") is not None and not pd.isna(row["row"]) else None
    cell = f"{letter}{sheet_row}" if letter and sheet_row is not None else None
    reference = row.get("reference")
    if reference is not None and isinstance(reference, float) and math.isnan(reference):
        reference = None
    return {
        "sheet": row.get("sheet"), "cell": cell, "row": sheet_row,
        "reference": None if reference is None else str(reference),
        "code": code, "severity": SEVERITY[code], "message": message,
    }  # fmt: skip


def _present(frame: pd.DataFrame, role: str) -> np.ndarray:
    """A cell with anything in it (a number, a marker, text)."""
    if role not in frame:
        return np.zeros(len(frame), dtype=bool)
    values = frame[role]
    return ~values.isna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()


def _checks(frame: pd.DataFrame, rules: Rules):
    actual_ok = np.isfinite(frame["actual_value"].to_numpy(dtype=float))
    target_ok = np.isfinite(frame["target_value"].to_numpy(dtype=float))
    status = frame["status"].to_numpy(dtype=object)
    typed = frame["typed_status"].to_numpy(dtype=object)
    mismatch = frame["unit_mismatch"].to_numpy(dtype=bool)
    no_polarity = pd.isna(frame["polarity_code"]).to_numpy()
    commentary = has_commentary_column(frame["commentary"]) if "commentary" in frame \
        else np.zeros(len(frame), dtype=bool)
    needs_comment = np.isin(status, list(rules.commentary_required))
    # A typed placeholder ("-", "TBC") that is no label means nothing was typed yet.
    typed_text = _present(frame, "status_typed") & (
        pd.notna(typed) | has_commentary_column(_column_or_none(frame, "status_typed")))
    _, actual_pct = parse_column(frame["actual"]) if "actual" in frame else (None, np.zeros(len(frame), bool))
    _, target_pct = parse_column(frame["target"]) if "target" in frame else (None, np.zeros(len(frame), bool))
    pct_a = actual_pct | _bool(frame, "actual_is_percent")
    pct_t = target_pct | _bool(frame, "target_is_percent")
    shown_pct = pct_a | pct_t

    def against(r: dict, i: int) -> str:  # one scale for both: they were compared
        return (f"{show_value(r['actual_value'], shown_pct[i])} against "
                f"{show_value(r['target_value'], shown_pct[i])}")  # fmt: skip

    yield ("missing_commentary", needs_comment & ~commentary,
           lambda r, i: f"{STATUS_WORDS[r['status']]} ({against(r, i)}) and no commentary")
    # A typed status disagrees when it names another status, or is no label at all; a typed
    # "On target" beside figures that cannot be assessed disagrees too.
    yield ("status_mismatch", typed_text & (typed != status),
           lambda r, i: _status_mismatch_message(r, rules))
    yield ("missing_actual", target_ok & ~actual_ok,
           lambda r, i: f"Target given but no actual figure (actual is {_raw(r.get('actual'))})")
    yield ("missing_target", actual_ok & ~target_ok,
           lambda r, i: "Actual given but no target: reported as data only")
    yield ("unknown_polarity", no_polarity & (actual_ok | target_ok),
           lambda r, i: _polarity_message(r.get("polarity")))
    yield ("unit_mismatch", mismatch,
           lambda r, i: f"Actual {show_value(r['actual_value'], pct_a[i])} and target "
                        f"{show_value(r['target_value'], pct_t[i])} look like different units "
                        "(a fraction against percentage points): not assessed")
    yield ("duplicate_reference", _duplicates(frame),
           lambda r, i: f"Reference {r['reference']} appears more than once in this table")


def _polarity_message(written) -> str:
    if isinstance(written, str) and written.strip():
        return (f"Polarity {written.strip()!r} is not bigger or smaller is better: not assessed")
    return "No polarity (bigger or smaller is better) in the row or the rules: not assessed"


def _column_or_none(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _status_mismatch_message(row, rules: Rules) -> str:
    typed_code = row["typed_status"]
    written = _raw(row.get("status_typed"))
    if typed_code is None:
        return (f"Typed status {written} is not a known label; the figures say "
                f"{rules.label(row['status'])!r}")  # fmt: skip
    return f"Typed status {written} but the figures say {rules.label(row['status'])!r}"


def _bool(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).to_numpy(dtype=bool)


def _duplicates(frame: pd.DataFrame) -> np.ndarray:
    """Second and later rows with one reference in one table and section."""
    if "reference" not in frame:
        return np.zeros(len(frame), dtype=bool)
    codes, uniques = pd.factorize(frame["reference"], use_na_sentinel=True)
    unique_keys = np.array([reference_key(r) if isinstance(r, (str, int, float)) else ""
                            for r in uniques] + [""], dtype=object)  # fmt: skip
    keys = pd.Series(unique_keys[codes], index=frame.index)
    group = [keys]
    for scope in ("sheet", "table", "section"):
        if scope in frame:
            group.append(frame[scope].astype(str))
    duplicated = pd.concat(group, axis=1).duplicated(keep="first").to_numpy()
    return duplicated & (keys != "").to_numpy()
