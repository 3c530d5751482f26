"""Reading values as they appear in council workbooks: numbers, percentages, markers, polarity words.

Every reader here returns "not a number" for anything it cannot read; none of them raises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

import numpy as np

from . import units as u
from .columns import as_array, by_unique, factorize

# Texts that mean "no figure" (compared case-folded, spaces folded).
MARKERS = frozenset(
    {
        "new", "tbc", "tba", "n/a", "na", "n.a.", "not available", "not applicable", "-", "–", "—",
        "no data", "not yet available", "awaiting data", "data not available", "nya", "..",
        "not collected", "not reported", "nil return", "n/k", "unknown",
    }
)  # fmt: skip

# Targets that say the indicator has none by design (a data-only or contextual indicator), as
# opposed to a target not given yet ("TBC") or a blank cell.
NO_TARGET_BY_DESIGN = frozenset(
    {"n/a", "na", "n.a.", "not applicable", "data only", "no target", "contextual",
     "monitor only", "for information", "info only"}
)  # fmt: skip


def says_no_target(value) -> bool:
    """A target cell saying there is none by design: "N/A", "Data only", "No target"."""
    return isinstance(value, str) and fold(value) in NO_TARGET_BY_DESIGN


# Text starting with these would be taken as a formula when typed; a leading ' keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@")


def text_not_formula(text: str) -> str:
    """Text as a spreadsheet will keep it as text: "=x", "+44", "-5 days", "@risk" get a leading '."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


EXCEL_ERRORS = frozenset(
    {
        "#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!",
        "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#python!",
    }
)  # fmt: skip

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER = re.compile(
    r"""^(?P<sign>[-+\u2212]?)\s*(?P<currency>[£$€]?)\s*
        (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
        (?:[eE](?P<exp>[-+]?\d+))?
        \s*(?P<percent>%?)
        \s*(?P<suffix>(?:[^\W\d_][\w./'-]*)(?:\s[^\W\d_][\w./'-]*){0,2})?$""",
    re.VERBOSE,
)
# "00:03:30" (hh:mm:ss) and "3:10" (mm:ss): a duration in seconds.
_CLOCK = re.compile(r"^(?P<sign>[-\u2212]?)(?P<a>\d{1,3}):(?P<b>[0-5]\d)(?::(?P<c>[0-5]\d(?:\.\d+)?))?$")
_TRAILING_BRACKET = re.compile(r"^(?P<body>.*\S)\s*[(\[](?P<inner>[^()\[\]]*)[)\]]$")
_ACCOUNTING_NEGATIVE = re.compile(r"^\((?P<inner>[^()]*)\)$")

BIGGER_WORDS = frozenset(
    {
        "bigger", "higher", "increase", "maximise", "maximize", "bigger is better",
        "higher is better", "high is good", "big is good", "more is better", "up", "high",
        "larger", "larger is better", "aim high", "aim to maximise", "increase is good", "big",
    }
)  # fmt: skip
SMALLER_WORDS = frozenset(
    {
        "smaller", "lower", "decrease", "minimise", "minimize", "smaller is better",
        "lower is better", "low is good", "small is good", "less is better", "down", "low",
        "aim low", "aim to minimise", "decrease is good", "reduce", "small",
    }
)  # fmt: skip

KIND_NUMBER, KIND_PERCENT_TEXT, KIND_MARKER = "number", "percent_text", "marker"
KIND_ERROR, KIND_BLANK, KIND_TEXT = "error", "blank", "text"
KIND_SUPPRESSED, KIND_YES_NO = "suppressed", "yes_no"


@dataclass(frozen=True)
class ParsedValue:
    number: float  # NaN when the value is not a number
    percent: bool  # written as a percentage ("35%"): number is then the fraction 0.35
    kind: str  # number / percent_text / marker / error / blank / text / suppressed / yes_no
    unit: str | None = None  # "£", "minutes", "hh:mm:ss", "yes/no", "visit"...: see units.py
    note: str | None = None  # a mark kept beside the number: "provisional", "*", "approximate"

    @property
    def is_number(self) -> bool:
        return not math.isnan(self.number)


_NOT_A_NUMBER = {kind: ParsedValue(math.nan, False, kind) for kind in
                 (KIND_MARKER, KIND_ERROR, KIND_BLANK, KIND_TEXT, KIND_SUPPRESSED)}  # fmt: skip


def fold(text: str) -> str:
    """Case-fold and fold runs of spaces (including no-break spaces) to one."""
    return _SPACES.sub(" ", text).strip().casefold()


def parse_value(value) -> ParsedValue:
    """One cell value as the engine sees it."""
    if value is None:
        return _NOT_A_NUMBER[KIND_BLANK]
    if isinstance(value, (bool, np.bool_)):
        return _NOT_A_NUMBER[KIND_TEXT]
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            return _NOT_A_NUMBER[KIND_TEXT]
        if math.isnan(number):
            return _NOT_A_NUMBER[KIND_BLANK]
        if math.isinf(number):
            return _NOT_A_NUMBER[KIND_TEXT]
        return ParsedValue(number, False, KIND_NUMBER)
    if isinstance(value, datetime):  # a date (with a time) is never a figure
        return _NOT_A_NUMBER[KIND_TEXT]
    if isinstance(value, time):  # a cell with a time format (calamine reads its format)
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return ParsedValue(float(seconds), False, KIND_NUMBER, u.CLOCK)
    if isinstance(value, timedelta):  # an elapsed-time format: [h]:mm:ss
        return ParsedValue(value.total_seconds(), False, KIND_NUMBER, u.CLOCK)
    if isinstance(value, date):
        return _NOT_A_NUMBER[KIND_TEXT]
    return _parse_text(str(value))


def _parse_text(text: str) -> ParsedValue:
    folded = fold(text)
    if not folded:
        return _NOT_A_NUMBER[KIND_BLANK]
    if folded in MARKERS:
        return _NOT_A_NUMBER[KIND_MARKER]
    if folded in EXCEL_ERRORS:
        return _NOT_A_NUMBER[KIND_ERROR]
    if folded in u.SUPPRESSED_TEXTS or u.SUPPRESSED_RE.match(folded):
        return _NOT_A_NUMBER[KIND_SUPPRESSED]
    if folded in u.YES_NO_WORDS:
        return ParsedValue(u.YES_NO_WORDS[folded], False, KIND_YES_NO, u.YES_NO)
    body, notes = _without_marks(folded)
    parsed = _parse_figure(body) if body else None
    if parsed is None:
        return _NOT_A_NUMBER[KIND_TEXT]
    return replace(parsed, note=", ".join(notes)) if notes else parsed


def _without_marks(folded: str) -> tuple[str, list[str]]:
    """The text without the marks around its number, and the marks as notes (in reading order):
    "c. 80%" -> ("80%", ["approximate"]), "88% (p)" -> ("88%", ["provisional"]), "80%*"."""
    notes: list[str] = []
    for prefix in u.APPROXIMATE_PREFIXES:
        if folded.startswith(prefix) and folded[len(prefix):][:1] in (" ", *"0123456789£$€.-"):
            folded = folded[len(prefix):].lstrip()
            notes.append(u.APPROXIMATE)
            break
    trailing: list[str] = []
    while True:
        stripped = folded.rstrip(u.FOOTNOTE_MARKS).rstrip()
        if stripped != folded and stripped:
            trailing.append(folded[len(stripped):].strip())
            folded = stripped
            continue
        bracket = _TRAILING_BRACKET.match(folded)
        if bracket and bracket.group("inner").strip():
            inner = bracket.group("inner").strip()
            trailing.append(u.NOTE_WORDS.get(inner.rstrip("."), inner))
            folded = bracket.group("body")
            continue
        break
    return folded, notes + trailing[::-1]


def _parse_figure(folded: str) -> ParsedValue | None:
    """A number with its sign, currency, multiplier, percent sign or unit; None if it is not one."""
    clock = _CLOCK.match(folded)
    if clock:
        return _clock_value(clock)
    negative = False
    accounting = _ACCOUNTING_NEGATIVE.match(folded)
    if accounting:
        folded, negative = accounting.group("inner").strip(), True
    match = _NUMBER.match(folded)
    if not match:
        return None
    number = float(match.group("digits").replace(",", "") + "e" + (match.group("exp") or "0"))
    if match.group("sign") in ("-", "\u2212"):
        negative = not negative
    unit = u.CURRENCIES.get(match.group("currency")) if match.group("currency") else None
    suffix = match.group("suffix")
    if suffix:
        if match.group("percent"):
            return None  # "80% of calls" is a sentence, not a figure
        multiplier, suffix = _multiplier(suffix)
        number *= multiplier
        if suffix:
            key = u.unit_key(suffix)
            unit = key if unit is None else f"{unit}/{key}"
    if negative:
        number = -number
    if not math.isfinite(number):
        return None
    if match.group("percent"):
        return ParsedValue(number / 100.0, True, KIND_PERCENT_TEXT)
    return ParsedValue(number, False, KIND_NUMBER, unit)


def _multiplier(suffix: str) -> tuple[float, str]:
    """("k visits") -> (1000, "visits"): a leading k/m/bn word multiplies the number."""
    first, _, rest = suffix.partition(" ")
    if first in u.MULTIPLIERS:
        return u.MULTIPLIERS[first], rest
    return 1.0, suffix


def _clock_value(match) -> ParsedValue | None:
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    seconds = (int(a) * 3600 + int(b) * 60 + float(c)) if c is not None else int(a) * 60 + int(b)
    sign = -1.0 if match.group("sign") else 1.0
    return ParsedValue(sign * float(seconds), False, KIND_NUMBER, u.CLOCK)


def parse_number(value) -> float:
    """The number in a cell value, NaN if there is none."""
    return parse_value(value).number



_TYPE_OF = np.frompyfunc(type, 1, 1)
_NONE_TYPE = type(None)


class ParsedColumn(NamedTuple):
    """A column read cell by cell as parse_value reads one cell."""

    numbers: np.ndarray  # float64, NaN where there is no figure
    percent: np.ndarray  # bool: written as a percentage
    units: np.ndarray  # object: the unit key of each figure, None for a plain number
    notes: np.ndarray  # object: the marks kept beside each figure, None for none
    suppressed: np.ndarray  # bool: a suppressed small number ("<5", "*")


def parse_column(values) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse_value: (numbers as float64 with NaN, percent-text flags)."""
    parsed = parse_cells(values)
    return parsed.numbers, parsed.percent


def parse_cells(values) -> ParsedColumn:
    """Vectorised parse_value, everything it reads: numbers, percent flags, units, notes and
    suppressed cells. Plain numbers never reach the text parser."""
    objects = as_array(values)
    n = len(objects)
    units, notes = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    suppressed = np.zeros(n, dtype=bool)
    if objects.dtype.kind in "fiu":
        numbers = objects.astype(np.float64, copy=True)
        numbers[~np.isfinite(numbers)] = np.nan
        return ParsedColumn(numbers, np.zeros(n, dtype=bool), units, notes, suppressed)
    if objects.dtype != object:
        objects = objects.astype(object)
    numbers = np.full(n, np.nan)
    percent = np.zeros(n, dtype=bool)
    types = _TYPE_OF(objects)  # type() per cell, at C speed
    is_float = types == float
    numbers[is_float] = objects[is_float].astype(np.float64)
    others = np.flatnonzero(~is_float)  # usually a minority: look at their types only
    if len(others):
        other_types = types[others]
        ints = others[other_types == int]  # exact type: a bool is not a number
        try:
            numbers[ints] = objects[ints].astype(np.float64)
        except OverflowError:  # an int beyond float range is no figure
            numbers[ints] = [parse_value(objects[i]).number for i in ints]
        is_text = other_types == str
        texts = others[is_text]
        if len(texts):  # each distinct text is read once
            codes, uniques = factorize(objects[texts])
            read = _parse_texts(uniques)
            numbers[texts] = read.numbers[codes]
            percent[texts] = read.percent[codes]
            if read.any_extra:
                units[texts] = read.units[codes]
                notes[texts] = read.notes[codes]
                suppressed[texts] = read.suppressed[codes]
        # Anything else (TRUE/FALSE, numpy scalars, Decimal, dates, times) is rare: one by one.
        rare = others[~is_text & (other_types != int) & (other_types != _NONE_TYPE)]
        for i in rare:
            parsed = parse_value(objects[i])
            numbers[i], percent[i], units[i], notes[i] = (parsed.number, parsed.percent,
                                                          parsed.unit, parsed.note)  # fmt: skip
            suppressed[i] = parsed.kind == KIND_SUPPRESSED
    numbers[~np.isfinite(numbers)] = np.nan
    return ParsedColumn(numbers, percent, units, notes, suppressed)


# The common texts ("31,243", "87.5%", " 12 ") read without the full parser. Anything this
# pattern does not take (markers, signs with spaces, currency, units, marks, accounting brackets,
# non-ASCII digits or spaces) goes to parse_value; the property tests check that both agree.
_PLAIN_NUMBER_TEXT = re.compile(
    r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?[ \t]*%?",
    re.ASCII,
)


class _DistinctTexts(NamedTuple):
    numbers: np.ndarray
    percent: np.ndarray
    units: np.ndarray
    notes: np.ndarray
    suppressed: np.ndarray
    any_extra: bool  # a unit, a note or a suppressed cell among them


def _parse_texts(texts) -> _DistinctTexts:
    """parse_value over distinct texts, with the common case inlined (this is the hot loop)."""
    n = len(texts)
    numbers = np.empty(n, dtype=np.float64)
    percent = np.zeros(n, dtype=bool)
    units, notes = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    suppressed = np.zeros(n, dtype=bool)
    any_extra = False
    plain = _PLAIN_NUMBER_TEXT.fullmatch
    for i, value in enumerate(texts):
        text = value.strip()
        if plain(text):
            if text[-1] == "%":
                number = float(text[:-1].replace(",", ""))
                if math.isfinite(number):
                    numbers[i], percent[i] = number / 100.0, True
                    continue
            else:
                number = float(text.replace(",", ""))
                if math.isfinite(number):
                    numbers[i] = number
                    continue
        parsed = parse_value(value)
        numbers[i], percent[i] = parsed.number, parsed.percent
        if parsed.unit is not None or parsed.note is not None or parsed.kind == KIND_SUPPRESSED:
            units[i], notes[i] = parsed.unit, parsed.note
            suppressed[i] = parsed.kind == KIND_SUPPRESSED
            any_extra = True
    return _DistinctTexts(numbers, percent, units, notes, suppressed, any_extra)


def parse_polarity(value) -> str | None:
    """'bigger', 'smaller' or None for a polarity cell or rules value."""
    if not isinstance(value, str):
        return None
    folded = fold(value).strip(" .!")
    if folded in BIGGER_WORDS:
        return "bigger"
    if folded in SMALLER_WORDS:
        return "smaller"
    return None


def parse_polarity_column(values) -> np.ndarray:
    """Vectorised parse_polarity: an object array of 'bigger' / 'smaller' / None."""
    return by_unique(values, parse_polarity, None)


def is_blank(value) -> bool:
    return parse_value(value).kind == KIND_BLANK
