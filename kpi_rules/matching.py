"""Matching indicators by reference or by name, as people write them, and their commentary:
in the indicator's row, or matched from a notes sheet by those keys.

"CSP 01. % Calls answered within 20 secs", "IT 01/11 - Server uptime", "PLA 157a Major planning
applications": a leading reference code, then the name.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from .columns import Columns, as_array, by_unique, pandas
from .values import fold

# A reference with a letter prefix may be followed by plain spaces ("PLA 157a Major ...");
# a bare number needs a separator ("01. Name"), so "16-18 year olds" or "35 days" stay names.
_PREFIXED = re.compile(
    r"^\s*(?P<ref>[A-Za-z]{2,6}[ _-]?\d{1,5}[a-z]?(?:[/.]\d{1,4}[a-z]?)?)"
    r"(?:\s*[.:)\u2013\u2014-]\s+|\s+|\.(?=\S))(?P<rest>\S.*)$",
    re.DOTALL,
)
_BARE = re.compile(
    r"^\s*(?P<ref>\d{1,4}[a-z]?(?:[/.]\d{1,4}[a-z]?)?)(?:[.:)]\s*|\s+[\u2013\u2014-]\s+)(?P<rest>\S.*)$",
    re.DOTALL,
)
_PREFIX_WORDS_THAT_ARE_NOT_CODES = frozenset({"q", "qtr", "no", "top", "over", "under", "age"})
_CODE_ALONE = re.compile(r"^\s*(?P<ref>[A-Za-z]{2,6}[ _-]?\d{1,5}[a-z]?(?:[/.]\d{1,4}[a-z]?)?)\s*$")


def is_reference_code(text) -> bool:
    """A reference code and nothing else ("KPI 3", "OC01", "LPI0538")."""
    match = _CODE_ALONE.match(text) if isinstance(text, str) else None
    return bool(match) and _plausible_code(match.group("ref"))


def split_reference(text) -> tuple[str | None, str]:
    """(reference, the rest) when the text starts with a reference code, else (None, text)."""
    if not isinstance(text, str):
        return None, "" if text is None else str(text)
    for pattern in (_PREFIXED, _BARE):
        match = pattern.match(text)
        if match and _plausible_code(match.group("ref")):
            return match.group("ref").strip(), match.group("rest").strip()
    return None, text.strip()


def _plausible_code(ref: str) -> bool:
    letters = re.match(r"[A-Za-z]*", ref).group(0)
    if letters and letters.casefold() in _PREFIX_WORDS_THAT_ARE_NOT_CODES:
        return False
    return not letters or letters.isupper()


_NOT_ALNUM = re.compile(r"[\W_]+")  # \w less "_" is exactly str.isalnum()


def _alnum_fold(text: str) -> str:
    if text.isascii():  # NFKC leaves ASCII as it is, and casefold is lower()
        return text.lower() if text.isalnum() else _NOT_ALNUM.sub("", text.lower())
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def name_key(text) -> str:
    """An indicator name for matching: no leading reference, case, spacing or punctuation."""
    if text is None:
        return ""
    _, rest = split_reference(str(text))
    return _alnum_fold(rest)


def reference_key(text) -> str:
    """A reference for matching: "HR 01", "hr01" and "HR-01." are one key."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return _alnum_fold(str(text).strip().rstrip("."))

PLACEHOLDERS = frozenset(
    {
        "", "-", "–", "—", ".", "..", "...", "?", "x", "xx", "tbc", "tba", "n/a", "na", "none",
        "nil", "no comment", "no comments", "no commentary", "to follow", "awaiting commentary",
        "commentary to follow", "comment to follow", "see above", "see below", "0",
    }
)  # fmt: skip


def has_commentary(value) -> bool:
    """Whitespace, "-", "TBC", "N/A" and similar placeholders count as no commentary."""
    if not isinstance(value, str):  # a number or TRUE is no explanation (a formula's 0, say)
        return False
    text = fold(str(value)).strip(" .:;")
    return text not in PLACEHOLDERS and fold(str(value)) not in PLACEHOLDERS


def has_commentary_column(values) -> np.ndarray:
    return by_unique(values, has_commentary, False, dtype=bool)


def attach_notes(frame, notes) -> object:
    """notes_commentary for a pandas DataFrame (a thin adapter: needs kpi-addin[pandas]): a copy
    with `commentary` filled from a notes table [key, text]."""
    pd = pandas()

    out = frame.copy()
    pairs = [] if notes is None else list(zip(notes["key"], notes["text"]))
    table = Columns({name: as_array(frame[name]) for name in ("reference", "indicator", "commentary")
                     if name in frame}, len(frame))  # fmt: skip
    out["commentary"] = pd.Series(notes_commentary(table, pairs), index=out.index, dtype=object)
    return out


def notes_commentary(table: Columns, notes: list[tuple]) -> np.ndarray:
    """The `commentary` column with notes [(key, text), ...] filled in, keyed by reference or
    indicator name. A row's own commentary wins; a note matches the reference first, then the name.
    """
    commentary = np.array(table.column("commentary"), dtype=object, copy=True)
    by_reference: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for key, text in notes:
        if not has_commentary(text):
            continue
        by_reference.setdefault(reference_key(key), text)
        by_name.setdefault(name_key(key), text)
    by_reference.pop("", None)
    by_name.pop("", None)
    if not by_reference and not by_name:
        return commentary
    own = has_commentary_column(commentary)
    found = [_lookup(ref, name, by_reference, by_name)
             for ref, name in zip(table.column("reference").tolist(), table.column("indicator").tolist())]
    fill = ~own & np.array([f is not None for f in found], dtype=bool)
    commentary[fill] = np.array(found, dtype=object)[fill]
    return commentary


def matching_notes(table: Columns, keys: list) -> list[int | None]:
    """For each row, the index in `keys` of the first note that belongs to it (matched as
    notes_commentary matches, whether or not the note says anything yet), else None."""
    by_reference: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for index, key in enumerate(keys):
        by_reference.setdefault(reference_key(key), index)
        by_name.setdefault(name_key(key), index)
    by_reference.pop("", None)
    by_name.pop("", None)
    return [_lookup(ref, name, by_reference, by_name)
            for ref, name in zip(table.column("reference").tolist(), table.column("indicator").tolist())]


def _lookup(ref, name, by_reference: dict, by_name: dict):
    """The note for one row: by its reference, the reference leading its name, then its name."""
    own_ref = reference_key(ref) if _is_text_or_number(ref) else ""
    # Layout 2: no reference column, the reference starts the indicator text.
    leading = split_reference(name)[0] if isinstance(name, str) else None
    note = by_reference.get(own_ref) if own_ref else None
    if note is None and leading:
        note = by_reference.get(reference_key(leading))
    if note is None and name is not None:
        note = by_name.get(name_key(name))
    return note


def _is_text_or_number(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
