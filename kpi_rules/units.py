"""Units as real reports write them: the tables the value parser reads, and how two sides meet.

Every unit a value can carry is one short key: a currency sign ("£"), a duration ("minutes",
"hh:mm:ss"), "yes/no", or any other suffix as written ("visits"). A value's number is in its
written unit with its multiplier applied: "£1.2m" is 1,200,000 "£", "3.5 mins" is 3.5 "minutes",
"00:03:30" is 210 "hh:mm:ss" (seconds). `align` then brings the actual, target and previous of
each row onto one unit, or says that they cannot be compared.
"""

from __future__ import annotations

import re

import numpy as np

from .columns import factorize

CURRENCIES = {"£": "£", "$": "$", "€": "€", "gbp": "£", "pounds": "£", "usd": "$", "eur": "€"}
# A number followed by one of these is multiplied: "£450k", "1.2k", "£2.5bn", "£1.2m".
MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9,
               "b": 1e9, "billion": 1e9}  # fmt: skip
# Duration words -> (unit key, seconds in one). A clock form ("00:03:30", "3:10" as mm:ss) and an
# Excel time value are "hh:mm:ss", counted in seconds.
CLOCK = "hh:mm:ss"
DURATION_WORDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("day", "days", "calendar days"), "days"),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), "weeks"),
}
SECONDS_IN = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0,
              "weeks": 604800.0, CLOCK: 1.0}  # fmt: skip
YES_NO = "yes/no"
YES_NO_WORDS = {"yes": 1.0, "no": 0.0}

# Marks around a number that are kept as a note, not read into it.
NOTE_WORDS = {"p": "provisional", "provisional": "provisional", "prov": "provisional",
              "r": "revised", "revised": "revised", "e": "estimated", "est": "estimated",
              "estimate": "estimated", "estimated": "estimated", "f": "forecast",
              "forecast": "forecast"}  # fmt: skip
FOOTNOTE_MARKS = "*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰^"
APPROXIMATE_PREFIXES = ("c.", "ca.", "circa", "approx.", "approx", "approximately", "about",
                        "around", "~", "≈")  # fmt: skip
APPROXIMATE = "approximate"
# A suppressed small number: not assessed, with a finding that says why.
SUPPRESSED_TEXTS = frozenset({"*", "**", "***", "[c]", "c", "[low]", "supp", "suppressed",
                              "[x]", "<5", "< 5"})  # fmt: skip
SUPPRESSED_RE = re.compile(r"^[<≤]\s*\d+(?:\.\d+)?\s*%?$")

# A "Unit" column's cell -> (unit key, multiplier, percent indicator).
UNIT_CELLS = {
    "%": (None, 1.0, True), "percent": (None, 1.0, True), "percentage": (None, 1.0, True),
    "number": (None, 1.0, False), "no.": (None, 1.0, False), "no": (None, 1.0, False),
    "count": (None, 1.0, False), "#": (None, 1.0, False), "rate": (None, 1.0, False),
    "£": ("£", 1.0, False), "£k": ("£", 1e3, False), "£000": ("£", 1e3, False),
    "£000s": ("£", 1e3, False), "£'000": ("£", 1e3, False), "£m": ("£", 1e6, False),
    "£bn": ("£", 1e9, False), "yes/no": (YES_NO, 1.0, False), "y/n": (YES_NO, 1.0, False),
    "hh:mm:ss": (CLOCK, 1.0, False), "mm:ss": (CLOCK, 1.0, False),
}


def unit_key(suffix: str) -> str:
    """The unit key of a suffix as written after a number (folded): "mins" -> "minutes"."""
    text = suffix.strip().rstrip(".").strip()
    if text in DURATION_WORDS:
        return DURATION_WORDS[text]
    if text in CURRENCIES:
        return CURRENCIES[text]
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        return text[:-1]  # "visits" and "visit" are one unit
    return text


def parse_unit_cell(value) -> tuple[str | None, float, bool]:
    """What a "Unit" column's cell says about the row: (unit key, multiplier, percent)."""
    if not isinstance(value, str):
        return None, 1.0, False
    folded = " ".join(value.split()).casefold().strip(" ()")
    if not folded:
        return None, 1.0, False
    if folded in UNIT_CELLS:
        return UNIT_CELLS[folded]
    return unit_key(folded), 1.0, False


def is_duration(unit) -> bool:
    return unit in SECONDS_IN


def is_currency(unit) -> bool:
    return unit in ("£", "$", "€")


# --- two sides on one unit -------------------------------------------------------------------


def _pair_rule(base, other, base_percent: bool, other_percent: bool):
    """How `other` is read against `base`: (factor to multiply other by, the pair's unit, ok).

    Equal units meet as they are. Two durations meet in the base's unit. A plain number meets a
    currency, or a word unit ("days", "visits"), in that unit; a clock time needs a clock time.
    Anything else (money against days, a percentage against a unit) cannot be compared."""
    if base == other:
        return 1.0, base, True
    if base is None or other is None:
        unit = other if base is None else base
        plain_percent = base_percent if base is None else other_percent
        if plain_percent or unit in (CLOCK, YES_NO):
            return 1.0, unit, False
        return 1.0, unit, True
    if is_duration(base) and is_duration(other):
        return SECONDS_IN[other] / SECONDS_IN[base], base, True
    return 1.0, base, False


def align(base_numbers, base_units, base_percent, other_numbers, other_units, other_percent):
    """(other's numbers in the base's unit, the row's unit, cannot be compared) per row.

    Rows where neither side has a unit (most tables: all of them) cost nothing; the others get
    one decision per distinct pair of units."""
    n = len(base_numbers)
    units = np.full(n, None, dtype=object)
    incompatible = np.zeros(n, dtype=bool)
    with_units = np.flatnonzero((base_units != None) | (other_units != None))
    if not len(with_units):
        return other_numbers, units, incompatible
    keys = [tuple(pair) for pair in zip(base_units[with_units].tolist(),
                                        other_units[with_units].tolist(),
                                        base_percent[with_units].tolist(),
                                        other_percent[with_units].tolist())]  # fmt: skip
    codes, pairs = factorize(_as_objects(keys))
    factors = np.ones(len(pairs))
    pair_units = np.empty(len(pairs), dtype=object)
    pair_bad = np.zeros(len(pairs), dtype=bool)
    for i, (base, other, b_pct, o_pct) in enumerate(pairs):
        factors[i], pair_units[i], ok = _pair_rule(base, other, bool(b_pct), bool(o_pct))
        pair_bad[i] = not ok
    converted = other_numbers.astype(np.float64, copy=True)
    converted[with_units] = other_numbers[with_units] * factors[codes]
    units[with_units] = pair_units[codes]
    both = np.isfinite(base_numbers[with_units]) & np.isfinite(other_numbers[with_units])
    incompatible[with_units] = pair_bad[codes] & both
    return converted, units, incompatible


def _as_objects(items: list) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def any_unit(*unit_columns) -> bool:
    """Does any row carry a unit? (Most tables don't: then nothing needs aligning.)"""
    return any(bool((column != None).any()) for column in unit_columns)


def show_with_unit(number: float, unit, shown: str) -> str:
    """A figure as a message shows it, with its unit: "5.3 days", "£1,200,000", "0:03:30"."""
    if unit is None:
        return shown
    if unit == CLOCK:
        seconds = abs(number)
        sign = "-" if number < 0 else ""
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{sign}{int(hours)}:{int(minutes):02d}:{secs:02.0f}"
    if unit == YES_NO:
        return "Yes" if number else "No"
    if is_currency(unit):
        return f"{'-' if number < 0 else ''}{unit}{shown.lstrip('-')}"
    return f"{shown} {unit}"
