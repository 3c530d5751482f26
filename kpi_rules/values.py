"""Reading values as they appear in council workbooks: numbers, percentages, markers, polarity words.

Every reader here returns "not a number" for anything it cannot read; none of them raises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from .columns import as_array, by_unique, factorize

# Texts that mean "no figure" (compared case-folded, spaces folded).
MARKERS = frozenset(
    {
        "new", "tbc", "tba", "n/a", "na", "n.a.", "not available", "not applicable", "-", "–", "—",
        "no data", "not yet available", "awaiting data", "data not available", "nya", "..", "*",
        "not collected", "not reported", "nil return", "n/k", "unknown",
    }
)  # fmt: skip

EXCEL_ERRORS = frozenset(
    {
        "#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!",
        "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#python!",
    }
)  # fmt: skip

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER = re.compile(
    r"""^(?P<sign>[-+\u2212]?)\s*[£$€]?\s*
        (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
        (?:[eE](?P<exp>[-+]?\d+))?
        \s*(?P<percent>%?)$""",
    re.VERBOSE,
)
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


@dataclass(frozen=True)
class ParsedValue:
    number: float  # NaN when the value is not a number
    percent: bool  # written as a percentage ("35%"): number is then the fraction 0.35
    kind: str  # number / percent_text / marker / error / blank / text

    @property
    def is_number(self) -> bool:
        return not math.isnan(self.number)


_NOT_A_NUMBER = {kind: ParsedValue(math.nan, False, kind) for kind in
                 (KIND_MARKER, KIND_ERROR, KIND_BLANK, KIND_TEXT)}  # fmt: skip


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
    if isinstance(value, (datetime, date, time, timedelta)):
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
    negative = False
    accounting = _ACCOUNTING_NEGATIVE.match(folded)
    if accounting:
        folded, negative = accounting.group("inner").strip(), True
    match = _NUMBER.match(folded)
    if not match:
        return _NOT_A_NUMBER[KIND_TEXT]
    number = float(match.group("digits").replace(",", "") + "e" + (match.group("exp") or "0"))
    if match.group("sign") in ("-", "\u2212"):
        negative = not negative
    if negative:
        number = -number
    if not math.isfinite(number):
        return _NOT_A_NUMBER[KIND_TEXT]
    if match.group("percent"):
        return ParsedValue(number / 100.0, True, KIND_PERCENT_TEXT)
    return ParsedValue(number, False, KIND_NUMBER)


def parse_number(value) -> float:
    """The number in a cell value, NaN if there is none."""
    return parse_value(value).number



_TYPE_OF = np.frompyfunc(type, 1, 1)
_NONE_TYPE = type(None)


def parse_column(values) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse_value: (numbers as float64 with NaN, percent-text flags)."""
    objects = as_array(values)
    if objects.dtype.kind in "fiu":
        numbers = objects.astype(np.float64, copy=True)
        numbers[~np.isfinite(numbers)] = np.nan
        return numbers, np.zeros(len(objects), dtype=bool)
    if objects.dtype != object:
        objects = objects.astype(object)
    numbers = np.full(len(objects), np.nan)
    percent = np.zeros(len(objects), dtype=bool)
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
            numbers[ints] = [_parse_unique(objects[i])[0] for i in ints]
        is_text = other_types == str
        texts = others[is_text]
        if len(texts):  # each distinct text is read once
            codes, uniques = factorize(objects[texts])
            unique_numbers, unique_percent = _parse_texts(uniques)
            numbers[texts] = unique_numbers[codes]
            percent[texts] = unique_percent[codes]
        # Anything else (TRUE/FALSE, numpy scalars, Decimal, dates) is rare: one by one.
        rare = others[~is_text & (other_types != int) & (other_types != _NONE_TYPE)]
        for i in rare:
            numbers[i], percent[i] = _parse_unique(objects[i])
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers, percent


# The common texts ("31,243", "87.5%", " 12 ") read without the full parser. Anything this
# pattern does not take (markers, signs with spaces, currency, accounting brackets, non-ASCII
# digits or spaces) goes to parse_value; the property tests check that both agree.
_PLAIN_NUMBER_TEXT = re.compile(
    r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?[ \t]*%?",
    re.ASCII,
)


def _parse_texts(texts) -> tuple[np.ndarray, np.ndarray]:
    """_parse_unique over distinct texts, with the common case inlined (this is the hot loop)."""
    numbers = np.empty(len(texts), dtype=np.float64)
    percent = np.zeros(len(texts), dtype=bool)
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
    return numbers, percent


def _parse_unique(value) -> tuple[float, bool]:
    """(number, written as a percentage) for one distinct cell value; same as parse_value."""
    if isinstance(value, str):
        text = value.strip()
        if _PLAIN_NUMBER_TEXT.fullmatch(text):
            percent = text.endswith("%")
            number = float((text[:-1] if percent else text).replace(",", ""))
            if math.isfinite(number):
                return (number / 100.0, True) if percent else (number, False)
    parsed = parse_value(value)
    return parsed.number, parsed.percent


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
