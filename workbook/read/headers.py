"""Header text -> role: which column of a header row is the reference, indicator, actual, target..."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from workbook.read.grid import Grid, is_blank

# --- header text -> role -------------------------------------------------------------------

def normalise(text) -> str:
    """Lower case, single spaces, no trailing colon or asterisk: how headers are compared."""
    return " ".join(str(text).replace("\u00a0", " ").lower().split()).rstrip(":* ")


REFERENCE_NAMES = {
    "ref", "ref.", "reference", "ref no", "ref no.", "reference no", "reference number", "pi code",
    "code", "pi ref", "kpi ref", "pi no", "pi no.", "kpi code", "indicator ref", "measure ref",
    "pi reference", "kpi reference", "indicator code", "id", "kpi id", "pi",
}
INDICATOR_NAMES = {
    "indicator", "performance indicator", "measure", "kpi", "kpi name", "indicator name",
    "measure name", "key performance indicator", "performance measure", "pi title",
    "indicator title", "kpi title", "title", "name", "pi description", "kpi description",
    "indicator description", "performance indicator description",
}
COMMENTARY_NAMES = {"notes", "note", "explanation", "remedial action", "actions", "narrative"}
STATUS_NAMES = {"rag", "rag rating", "rating", "performance rating", "rag status"}
PREVIOUS_WORDS = ("previous", "last", "prior", "preceding")
VALUE_WORDS = ("actual", "outturn", "result", "value", "this quarter", "current", "latest")
NOT_A_VALUE_WORDS = ("variance", "change", "trend", "frequency", "travel", "against", "vs")
PERIOD_WORDS_RE = re.compile(r"quarter|qtr|year|period|month|previous|prior")
QUARTER_RE = re.compile(r"\b(?:q|qtr|quarter)\s*([1-4])\b")
YEAR_RE = re.compile(r"\b(20\d{2})(?:\s*[/-]\s*\d{2,4})?\b")


@lru_cache(maxsize=4096)
def role_scores(text: str) -> dict[str, float]:
    """How well one header text fits each role (0 = not at all); a header may fit several."""
    name = normalise(text)
    if not name:
        return {}
    scores = {
        "reference": _reference_score(name),
        "indicator": _indicator_score(name),
        "polarity": _polarity_score(name),
        "commentary": _commentary_score(name),
        "status": _status_score(name),
        "target": _target_score(name),
    }
    value = _value_score(name)
    if value:
        previous = any(word in name for word in PREVIOUS_WORDS)
        scores["previous" if previous else "actual"] = value
    return {role: score for role, score in scores.items() if score}


def _reference_score(name: str) -> float:
    if name in REFERENCE_NAMES:
        return 10
    return 8 if re.match(r"ref\b|ref\.|reference\b", name) else 0


def _indicator_score(name: str) -> float:
    if name in INDICATOR_NAMES:
        return 10
    if "indicator" in name and "ref" not in name and "code" not in name:
        return 7
    if "measure" in name and "ref" not in name:
        return 5
    return 3 if "description" in name else 0


def _polarity_score(name: str) -> float:
    if "polarity" in name or "is better" in name or "good is" in name:
        return 10
    if "good performance" in name or ("direction" in name and "travel" not in name):
        return 6
    return 0


def _commentary_score(name: str) -> float:
    if "comment" in name or "narrative" in name:
        return 10
    return 9 if name in COMMENTARY_NAMES else 0


def _status_score(name: str) -> float:
    if "status" in name or name in STATUS_NAMES:
        return 10
    return 8 if re.search(r"\brag\b", name) else 0


def _target_score(name: str) -> float:
    if "target" not in name or any(word in name for word in ("against", "variance", "met")):
        return 0
    if any(word in name for word in PREVIOUS_WORDS):
        return 2
    if "quarter" in name or "qtr" in name or QUARTER_RE.search(name) or "period" in name:
        return 9
    if "annual" in name or "year end" in name or "full year" in name:
        return 5
    return 7


def _value_score(name: str) -> float:
    if "target" in name or any(word in name for word in NOT_A_VALUE_WORDS):
        return 0
    if any(word in name for word in VALUE_WORDS):
        return 8
    if QUARTER_RE.search(name):
        return 7
    earlier = any(word in name for word in PREVIOUS_WORDS)
    return 5 if earlier and PERIOD_WORDS_RE.search(name) else 0


def period_key(name: str) -> tuple[int, int] | None:
    """(year, quarter) of a header such as "Q4 Outturn 2020/21"; None without a year."""
    year = YEAR_RE.search(name)
    if not year:
        return None
    quarter = QUARTER_RE.search(name)
    return int(year.group(1)), int(quarter.group(1)) if quarter else 0


# --- header rows -----------------------------------------------------------------------------

@dataclass
class HeaderMatch:
    columns: dict[str, int]
    headers: dict[str, str]
    span: tuple[int, int]  # first and last column of the header


def header_texts(grid: Grid, row: int, first: int, last: int) -> dict[int, str]:
    """Header text per column; merged cells spread, a merged group label above is prefixed."""
    texts = {}
    for column in range(first, last + 1):
        value = grid.header_cell(row, column)
        if is_blank(value) or not isinstance(value, str):
            continue
        group = _group_label(grid, row - 1, column)
        texts[column] = f"{group} {value}" if group and group != value else str(value)
    return texts


def _group_label(grid: Grid, row: int, column: int):
    for merged in grid.merged:
        spans_columns = merged.left < merged.right
        if merged.bottom == row and spans_columns and merged.left <= column <= merged.right:
            value = grid.cell(merged.top, merged.left)
            return value if isinstance(value, str) else None
    return None


def match_header(texts: dict[int, str], hidden: set[int]) -> HeaderMatch | None:
    """Assign roles to the columns of a candidate header row, or None if it is not a header."""
    candidates: dict[str, list[tuple[float, int]]] = {}
    for column, text in texts.items():
        for role, score in role_scores(text).items():
            penalty = 0.5 if column in hidden else 0.0
            candidates.setdefault(role, []).append((score - penalty, column))
    columns = _assign(candidates, texts)
    if not _looks_like_header(columns):
        return None
    headers = {role: texts[column] for role, column in columns.items()}
    return HeaderMatch(columns, headers, (min(texts), max(texts)))


def _assign(candidates: dict[str, list[tuple[float, int]]], texts: dict[int, str]):
    """Best column per role, each column used once; value columns ordered by period."""
    taken: set[int] = set()
    columns: dict[str, int] = {}
    for role in ("reference", "polarity", "status", "commentary", "indicator", "target"):
        best = _best(candidates.get(role, []), taken, texts, prefer_latest=role == "target")
        if best is not None:
            columns[role] = best
            taken.add(best)
    values = [column for _, column in candidates.get("actual", []) if column not in taken]
    previous = [column for _, column in candidates.get("previous", []) if column not in taken]
    values = _by_period(values, texts)
    if values:
        columns["actual"] = values.pop()
    if previous:
        columns["previous"] = previous[0]
    elif values:
        columns["previous"] = values.pop()
    return columns


def _best(options, taken, texts, prefer_latest=False) -> int | None:
    free = [(score, column) for score, column in options if column not in taken]
    if not free:
        return None

    def rank(option):
        score, column = option
        period = period_key(normalise(texts[column])) if prefer_latest else None
        return (score, period or (0, 0), -column)

    return max(free, key=rank)[1]


def _by_period(columns: list[int], texts: dict[int, str]) -> list[int]:
    """Oldest first. When every header names its period, by period; otherwise left to right."""
    keys = {column: period_key(normalise(texts[column])) for column in columns}
    if columns and all(keys.values()):
        return sorted(columns, key=lambda column: (keys[column], column))
    return sorted(columns)


def _looks_like_header(columns: dict[str, int]) -> bool:
    has_value = "actual" in columns or "target" in columns
    named = "indicator" in columns or "reference" in columns
    return has_value and (len(columns) >= 3 or named)

