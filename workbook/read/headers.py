"""Header text -> role: which column of a header row is the reference, indicator, actual, target..."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from workbook.read.grid import Grid

# --- header text -> role -------------------------------------------------------------------

def normalise(text) -> str:
    """Lower case, single spaces, no trailing colon or asterisk: how headers are compared."""
    return " ".join(str(text).replace("\u00a0", " ").lower().split()).rstrip(":* ")


REFERENCE_NAMES = {
    "ref", "ref.", "reference", "ref no", "ref no.", "reference no", "reference number", "pi code",
    "code", "pi ref", "kpi ref", "pi no", "pi no.", "kpi code", "indicator ref", "measure ref",
    "pi reference", "kpi reference", "indicator code", "id", "kpi id", "pi", "npi/lpi", "lpi",
}
INDICATOR_NAMES = {
    "indicator", "performance indicator", "measure", "kpi", "kpi name", "indicator name",
    "measure name", "key performance indicator", "performance measure", "pi title",
    "indicator title", "kpi title", "title", "name", "pi description", "kpi description",
    "indicator description", "performance indicator description", "measures", "indicators",
    "kpis", "performance measures", "key performance indicators", "priority measures",
    "performance indicators", "metric", "metrics",
}
ROW_LABEL_NAMES = {"service", "service area", "item", "line item", "area", "cost centre", "heading"}
COMMENTARY_RE = re.compile(r"\b(?:notes?|comments?|commentary|narrative|remarks|explanation"
                           r"|remedial action|corrective action|actions|analysis)\b")
STATUS_NAMES = {"rag", "rag rating", "rating", "performance rating", "rag status"}
UNIT_NAMES = {"unit", "units", "unit of measure", "measure unit", "unit type", "uom"}
PREVIOUS_RE = re.compile(r"\b(?:previous|last|prior|preceding)\b")  # not "Priority"
VALUE_WORDS = ("actual", "outturn", "result", "value", "this quarter", "this year", "this month",
               "current", "latest", "year to date", "ytd")  # fmt: skip
NOT_A_VALUE_WORDS = ("variance", "change", "trend", "frequency", "travel", "against", "vs",
                     "breach", "number seen", "seen within")  # fmt: skip
# Target words and how strongly each says "target" ("Aim", "Goal", "Budget" in budget monitoring,
# an NHS "Standard").
TARGET_WORDS = {"target": 7, "targets": 7, "aim": 7, "goal": 7, "ambition": 6, "budget": 6,
                "standard": 5, "trajectory": 5, "threshold": 5}  # fmt: skip
TARGET_RE = re.compile(r"\b(?:" + "|".join(TARGET_WORDS) + r")\b")
PERIOD_WORDS_RE = re.compile(r"quarter|qtr|year|period|month|previous|prior")
QUARTER_RE = re.compile(r"\b(?:q|qtr|quarter)\s*([1-4])\b")
YEAR_RE = re.compile(r"\b((?:19|20)\d{2})(?:\s*[/-]\s*\d{2,4})?\b")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_RE = re.compile(r"\b(" + "|".join(MONTHS) + r")[a-z]*\.?(?:[\s'-]*(\d{4}|\d{2})\b)?")


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
        "unit": 10 if name in UNIT_NAMES else 0,
    }
    value = _value_score(name) if not scores["commentary"] else 0
    if value:
        scores["previous" if PREVIOUS_RE.search(name) else "actual"] = value
    return {role: score for role, score in scores.items() if score}


def names_period(text: str) -> bool:
    """Does a header name a period (a year, a quarter, a month)?"""
    name = normalise(text)
    return bool(YEAR_RE.search(name) or QUARTER_RE.search(name) or MONTH_RE.search(name))


def _reference_score(name: str) -> float:
    if name in REFERENCE_NAMES:
        return 10
    return 8 if re.match(r"ref\b|ref\.|reference\b", name) else 0


def _indicator_score(name: str) -> float:
    if name in INDICATOR_NAMES:
        return 10
    if "indicator" in name and "ref" not in name and "code" not in name:
        return 7
    if "measure" in name and "ref" not in name and "unit" not in name:
        return 5
    if re.search(r"\bname\b", name):  # "Short Name", "PI name"
        return 6
    if name in ROW_LABEL_NAMES:
        return 2  # a budget line's label: the indicator only when nothing better is there
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
    return 9 if COMMENTARY_RE.search(name) else 0


def _status_score(name: str) -> float:
    if "status" in name or name in STATUS_NAMES:
        return 10
    return 8 if re.search(r"\brag\b", name) else 0


def _target_score(name: str) -> float:
    found = TARGET_RE.search(name)
    if not found or any(word in name for word in ("against", "variance", "met", "within")):
        return 0
    if PREVIOUS_RE.search(name):
        return 2
    if found.group(0) not in ("target", "targets"):
        return TARGET_WORDS[found.group(0)]
    if "quarter" in name or "qtr" in name or QUARTER_RE.search(name) or "period" in name:
        return 9
    if "annual" in name or "year end" in name or "full year" in name:
        return 5
    return 7


def _value_score(name: str) -> float:
    if TARGET_RE.search(name) or any(word in name for word in NOT_A_VALUE_WORDS):
        return 0
    if any(word in name for word in VALUE_WORDS):
        return 8
    if QUARTER_RE.search(name):
        return 7
    if PREVIOUS_RE.search(name) and PERIOD_WORDS_RE.search(name):
        return 5
    # A column per period in a wide layout: "2016/17", "Apr-24", "Jun-19 Performance".
    return 6 if YEAR_RE.search(name) or MONTH_RE.search(name) else 0


def period_key(name: str) -> tuple[int, int] | None:
    """(year, quarter or month) of a header such as "Q4 Outturn 2020/21" or "Jun-19"; None
    without a year."""
    year = YEAR_RE.search(name)
    month = MONTH_RE.search(name)
    if not year:
        if month and month.group(2):
            digits = month.group(2)
            return int(digits) if len(digits) == 4 else 2000 + int(digits), _month(month)
        return None
    quarter = QUARTER_RE.search(name)
    if quarter:
        return int(year.group(1)), int(quarter.group(1))
    return int(year.group(1)), _month(month) if month else 0


def _month(match) -> int:
    return MONTHS.index(match.group(1)) + 1


# --- header rows -----------------------------------------------------------------------------

@dataclass
class HeaderMatch:
    columns: dict[str, int]
    headers: dict[str, str]
    span: tuple[int, int]  # first and last column of the header
    reasons: dict[str, str] = field(default_factory=dict)  # role -> why this column
    skipped: dict[int, str] = field(default_factory=dict)  # column -> why it plays no role


def header_texts(grid: Grid, row: int, first: int, last: int) -> dict[int, str]:
    """Header text per column; merged cells spread. Two header rows (a merged group label over
    period columns, "Actuals" over "2015/16" "2016/17") read as one: "Actuals 2015/16"."""
    labels = _upper_labels(grid, row, first, last)
    texts = {}
    for column in range(first, last + 1):
        value = _header_text(grid.header_cell(row, column))
        label = labels.get(column)
        if value is None:
            if label:
                texts[column] = label
            continue
        texts[column] = f"{label} {value}" if label and label != value else value
    return texts


def _header_text(value) -> str | None:
    """A header cell's text; a year typed as a number (2019) is a header too."""
    if isinstance(value, str):
        return value if value.strip() else None
    if type(value) in (int, float) and float(value).is_integer() and 1990 <= value <= 2100:
        return str(int(value))
    return None


def _upper_labels(grid: Grid, row: int, first: int, last: int) -> dict[int, str]:
    """Labels from the row above that belong to this header row: a group label merged across
    columns, and, when there is one, the other labels of that row too (an "Aim" over "2019/20")."""
    groups = [merged for merged in grid.merged
              if merged.bottom == row - 1 and merged.left < merged.right
              and merged.right >= first and merged.left <= last]  # fmt: skip
    labels: dict[int, str] = {}
    for merged in groups:
        value = grid.cell(merged.top, merged.left)
        if isinstance(value, str) and value.strip():
            for column in range(max(merged.left, first), min(merged.right, last) + 1):
                labels[column] = value.strip()
    if row < 2:
        return labels
    above = grid.values[row - 2]
    if any(type(value) in (int, float) for value in above):
        return labels  # a row of figures is no header
    if not groups and not _periods_over(above, first, last):
        return labels
    for column in range(first, last + 1):
        if column in labels or _in_merge(grid, row - 1, column):
            continue
        value = grid.cell(row - 1, column)
        if isinstance(value, str) and value.strip():
            labels[column] = value.strip()
    return labels


def _periods_over(cells: list, first: int, last: int) -> bool:
    """A row of period labels, not merged ("2014/15" over "Actual", "2014/15" over "Target")."""
    periods = [value for value in cells[first - 1:last]
               if isinstance(value, str) and names_period(value)]  # fmt: skip
    return len(periods) >= 2


def _in_merge(grid: Grid, row: int, column: int) -> bool:
    return any(m.top <= row <= m.bottom and m.left <= column <= m.right for m in grid.merged)


def match_header(texts: dict[int, str], hidden: set[int], profile=None) -> HeaderMatch | None:
    """Assign roles to the columns of a candidate header row, or None if it is not a header.

    `profile` (column -> ColumnProfile of the cells below) lets content decide too: a column of
    text is never the actual or the target, and a period with no figures yet is not the latest.
    With it, a header must also look like a KPI table: an actual and a target (or a typed
    status beside one of them)."""
    candidates: dict[str, list[tuple[float, int]]] = {}
    for column, text in texts.items():
        for role, score in role_scores(text).items():
            penalty = 0.5 if column in hidden else 0.0
            candidates.setdefault(role, []).append((score - penalty, column))
    assigned = _Assignment(candidates, texts, profile)
    columns = assigned.columns
    if not _looks_like_header(columns) or (profile is not None and not _kpi_like(columns, profile)):
        return None
    headers = {role: texts[column] for role, column in columns.items()}
    return HeaderMatch(columns, headers, (min(texts), max(texts)), assigned.reasons,
                       assigned.skipped)  # fmt: skip


HEADER_REASONS = {
    "reference": "header names a reference", "indicator": "header names the indicator",
    "polarity": "header names the polarity", "status": "header names a typed status",
    "unit": "header names a unit", "commentary": "header names commentary",
    "target": "header names a target",
}  # fmt: skip


class _Assignment:
    """Best column per role, each column used once; value columns ordered by period."""

    def __init__(self, candidates, texts: dict[int, str], profile):
        self.texts, self.profile = texts, profile
        self.columns: dict[str, int] = {}
        self.reasons: dict[str, str] = {}
        self.skipped: dict[int, str] = {}
        taken: set[int] = set()
        targets: list = []
        for role in ("reference", "polarity", "status", "unit", "commentary", "indicator",
                     "target"):  # fmt: skip
            options = candidates.get(role, [])
            if role == "target":
                options = targets = self._figures_only(options)
            elif role == "status":
                options = self._statuses_only(options)
            best = _best(options, taken, texts, prefer_latest=role == "target")
            if best is not None:
                self._take(role, best, HEADER_REASONS[role])
                taken.add(best)
        values = self._figures_only([c for c in candidates.get("actual", []) if c[1] not in taken])
        previous = self._figures_only(
            [c for c in candidates.get("previous", []) if c[1] not in taken])
        self._values([c for _, c in values], [c for _, c in previous])
        self._target_of_the_actuals_year(targets)

    def _take(self, role: str, column: int, why: str) -> None:
        self.columns[role] = column
        self.reasons[role] = why

    def _skip(self, column: int, why: str) -> None:
        header = " ".join(self.texts[column].split())
        self.skipped.setdefault(column, f"'{header}': {why}")

    def _figures_only(self, options):
        """Drop columns whose cells are mostly text; the last of them may be the commentary."""
        if self.profile is None:
            return options
        kept = []
        for score, column in options:
            profile = self.profile.get(column)
            if profile is not None and profile.mostly_text:
                if "commentary" not in self.columns:
                    self._take("commentary", column, "text, so commentary")
                else:
                    self._skip(column, "text, so not a figure")
            else:
                kept.append((score, column))
        return kept

    def _statuses_only(self, options):
        """A "Status" column whose texts are not status labels ("Up to date", "Overdue") says
        something else: it is not the typed status."""
        if self.profile is None:
            return options
        kept = []
        for score, column in options:
            profile = self.profile.get(column)
            if profile is not None and profile.texts and not profile.typed_statuses:
                self._skip(column, "no status labels in its cells, so not the typed status")
            else:
                kept.append((score, column))
        return kept

    def _target_of_the_actuals_year(self, targets) -> None:
        """Targets for several years ("2014/15 Target" ... "2017/18 Target"): the one for the
        actual's year is the one it is measured against."""
        actual, target = self.columns.get("actual"), self.columns.get("target")
        year = _year(self.texts[actual]) if actual is not None else None
        if year is None or target is None or _year(self.texts[target]) == year:
            return
        same = [(score, column) for score, column in targets
                if _year(self.texts[column]) == year and column not in self.columns.values()]
        if same:
            self._take("target", max(same, key=lambda option: (option[0], -option[1]))[1],
                       "target for the actual's year")

    def _values(self, values: list[int], previous: list[int]) -> None:
        ordered = _by_period(values, self.texts)
        by_period = len(ordered) > 1 and all(period_key(normalise(self.texts[c])) for c in ordered)
        with_figures = [c for c in ordered if self._has_figures(c)] or ordered
        for column in ordered[ordered.index(with_figures[-1]) + 1:] if with_figures else []:
            self._skip(column, "no figures yet")
        if with_figures:
            why = ("latest period with figures" if by_period else "rightmost value column"
                   ) if len(ordered) > 1 else "header names an actual"  # fmt: skip
            self._take("actual", with_figures.pop(), why)
        if previous:
            self._take("previous", previous[0], "header names an earlier period")
        elif with_figures:
            self._take("previous", with_figures.pop(), "the period before the actual")

    def _has_figures(self, column: int) -> bool:
        profile = None if self.profile is None else self.profile.get(column)
        return profile is None or profile.figures > 0


def _year(text: str) -> int | None:
    key = period_key(normalise(text))
    return key[0] if key else None


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


def _kpi_like(columns: dict[str, int], profile) -> bool:
    """An actual and a target, or a typed status (its cells status labels) beside one of them.
    Targets filled in over an empty actual column are a template (a budget before any spend);
    a header with nothing under it at all is kept, to be reported as a table with no rows."""
    if "actual" in columns and "target" in columns:
        actual, target = profile.get(columns["actual"]), profile.get(columns["target"])
        template = (actual is not None and actual.figures + actual.markers == 0
                    and target is not None and target.figures > 0)  # fmt: skip
        if not template:
            return True
    status = columns.get("status")
    typed = status is not None and profile.get(status) is not None and profile[status].typed_statuses
    return typed and ("actual" in columns or "target" in columns)
