"""Matching indicators by reference or by name, as people write them.

"CSP 01. % Calls answered within 20 secs", "IT 01/11 - Server uptime", "PLA 157a Major planning
applications": a leading reference code, then the name.
"""

from __future__ import annotations

import re
import unicodedata

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
