"""Tolerance, tolerance mode and polarity as people write them: the one reader of each.

The rules file (TOML), the "KPI Rules" sheet, the cell functions and the engine's per-row
`tolerance` / `tolerance_mode` columns all call these, so one value is accepted or refused
everywhere with the same words. A refusal is a SettingError naming the key it was given
("tolerance", 'indicators."HR 01".tolerance', a cell function's argument).

The rules (docs/engine.md, "Tolerance"):
- a tolerance is a number of 0 or more: 0.05, "5%" (text), 2;
- in relative mode it is a fraction of the target, at most 1 (100%): 5 is refused with a message
  saying to write 0.05 or "5%", never read silently as 500%;
- in points mode it is a number of points in the units the sheet shows (percentage points for a
  percentage indicator), so a percentage ("2%") is refused: write 2;
- a number too large for a float (10**400, 5,000 digits, 1e400) is refused as too large.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import numpy as np

from .errors import KpiError, shorten
from .values import KIND_BLANK, KIND_PERCENT_TEXT, fold, parse_polarity, parse_value

RELATIVE, POINTS, PERCENTAGE_POINTS = "relative", "points", "percentage points"
MODES = (RELATIVE, POINTS, PERCENTAGE_POINTS)
DEFAULT_TOLERANCE = 0.10
DEFAULT_MODE = RELATIVE
# Mode words as people type them (case and spaces folded).
_MODE_WORDS = {
    "relative": RELATIVE, "points": POINTS, "point": POINTS,
    "percentage points": PERCENTAGE_POINTS, "percentage point": PERCENTAGE_POINTS,
    "pp": PERCENTAGE_POINTS, "% points": PERCENTAGE_POINTS,
}  # fmt: skip
_MODE_CHOICES = '"relative", "points" or "percentage points"'
_NUMBER_EXAMPLE = '0.1 or "10%" (or a number of points, such as 2)'


class SettingError(KpiError):
    """A tolerance, mode or polarity that cannot be read: `key: reason` on one line."""

    def __init__(self, key: str, reason: str):
        self.key, self.reason = key, reason
        super().__init__(f"{key}: {reason}")


def read_mode(value, key: str = "tolerance_mode", required: bool = False) -> str | None:
    """'relative' / 'points' / 'percentage points'; None when blank (use the default), unless
    `required` (a rules key given with no value)."""
    if _is_blank(value) and not required:
        return None
    mode = _MODE_WORDS.get(fold(value)) if isinstance(value, str) else None
    if mode is None:
        raise SettingError(key, f"must be {_MODE_CHOICES}, not {_shown(value)}")
    return mode


def is_points(mode: str) -> bool:
    return mode in (POINTS, PERCENTAGE_POINTS)


def read_tolerance(value, mode: str = DEFAULT_MODE, key: str = "tolerance",
                   required: bool = False) -> float | None:
    """The tolerance as a number, checked against its mode; None when blank (use the default),
    unless `required` (a rules key given with no value)."""
    if _is_blank(value) and not required:
        return None
    number, percent = _number(value, key)
    if number < 0:
        raise SettingError(key, f"must be 0 or more, not {_shown(value)}")
    if is_points(mode) and percent:
        points = f"{number * 100:g}"
        raise SettingError(key, f"{_shown(value)} is a percentage, but in {mode} mode the "
                                f"tolerance is a number of points: write {points} for {points} points")  # fmt: skip
    if mode == RELATIVE and number > 1:
        raise SettingError(key, f"{_shown(value)} is more than 100% in relative mode: "
                                f"{_relative_hint(number, percent)}")  # fmt: skip
    return number


def tolerance_words(tolerance: float, mode: str) -> str:
    """The tolerance as an officer reads it: "10% of the target", "2 points", "5 percentage
    points"."""
    if mode == RELATIVE:
        return f"{tolerance * 100:g}% of the target"
    unit = "point" if mode == POINTS else "percentage point"
    return f"{tolerance:g} {unit}{'' if tolerance == 1 else 's'}"


def read_polarity(value, key: str = "polarity") -> str:
    """'bigger' or 'smaller' for a rules value; anything else is refused (never guessed)."""
    code = parse_polarity(value)
    if code is None:
        raise SettingError(key, "must be 'bigger' or 'smaller' (or a polarity word), "
                                f"not {_shown(value)}")  # fmt: skip
    return code


def too_large(key: str, digits: int) -> SettingError:
    """The refusal of a whole number too long to read at all (a TOML integer of 5,000 digits)."""
    return SettingError(key, f"{_digits(digits)} is too large")


# --- helpers ---------------------------------------------------------------------------------


def _is_blank(value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return isinstance(value, str) and parse_value(value).kind == KIND_BLANK


def _number(value, key: str) -> tuple[float, bool]:
    """(number, written as a percentage); refuses anything that is not a finite number."""
    if isinstance(value, (bool, np.bool_, datetime, date, time, timedelta)):
        raise SettingError(key, f"must be a number such as {_NUMBER_EXAMPLE}, not {_shown(value)}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            raise SettingError(key, f"{_shown(value)} is too large") from None
        if math.isnan(number):
            raise SettingError(key, f"must be a number such as {_NUMBER_EXAMPLE}, not {_shown(value)}")
        if math.isinf(number):
            raise SettingError(key, f"{_shown(value)} is too large")
        return number, False
    if value is None:
        raise SettingError(key, f"must be a number such as {_NUMBER_EXAMPLE}, not blank")
    if isinstance(value, str):
        parsed = parse_value(value)
        if parsed.is_number:
            return parsed.number, parsed.kind == KIND_PERCENT_TEXT
        if _beyond_float_range(value):
            raise SettingError(key, f"{_shown(value)} is too large")
    raise SettingError(key, f"must be a number such as {_NUMBER_EXAMPLE}, not {_shown(value)}")


def _beyond_float_range(text: str) -> bool:
    """Number-like text that only fails to read because it is too large ("1e400")."""
    try:
        return math.isinf(float(text.strip().rstrip("%").replace(",", "")))
    except ValueError:
        return False


def _relative_hint(number: float, percent: bool) -> str:
    if percent or number > 100:
        return 'write a fraction such as 0.1, or "10%", for 10%'
    return f'write {number / 100:g} or "{number:g}%" for {number:g}%'


def _shown(value) -> str:
    """A value as a message quotes it: short, on one line, even for a 5,000-digit number."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return _digits(_digit_count(abs(value)))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return repr(shorten(value.strip(), 30))
    return shorten(repr(value), 30)


def _digit_count(number: int) -> int:
    """Decimal digits of a positive int, without str() (refused beyond 4,300 digits)."""
    digits = max(1, int(number.bit_length() * math.log10(2)))
    while number >= 10**digits:
        digits += 1
    while digits > 1 and number < 10 ** (digits - 1):
        digits -= 1
    return digits


def _digits(count: int) -> str:
    return f"a number of {count:,} digits"
