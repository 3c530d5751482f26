"""Commentary: is there any, and where does it come from (the row, or a notes sheet)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .matching import name_key, reference_key, split_reference
from .values import fold

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
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([has_commentary(u) for u in uniques] + [False], dtype=bool)
    return mapped[codes]


def attach_notes(frame: pd.DataFrame, notes: pd.DataFrame | None) -> pd.DataFrame:
    """Fill `commentary` from a notes table [key, text], keyed by reference or indicator name.

    A row's own commentary wins; a note matches the row's reference first, then its name.
    """
    out = frame.copy()
    if "commentary" not in out:
        out["commentary"] = None
    if notes is None or notes.empty:
        return out
    by_reference: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for key, text in zip(notes["key"], notes["text"]):
        if not has_commentary(text):
            continue
        by_reference.setdefault(reference_key(key), text)
        by_name.setdefault(name_key(key), text)
    by_reference.pop("", None)
    by_name.pop("", None)
    own = has_commentary_column(out["commentary"])
    references = out["reference"] if "reference" in out else pd.Series([None] * len(out), index=out.index)
    names = out["indicator"] if "indicator" in out else pd.Series([None] * len(out), index=out.index)
    found = []
    for ref, name in zip(references, names):
        own_ref = reference_key(ref) if _is_text_or_number(ref) else ""
        # Layout 2: no reference column, the reference starts the indicator text.
        leading = split_reference(name)[0] if isinstance(name, str) else None
        note = (by_reference.get(own_ref) if own_ref else None)
        if note is None and leading:
            note = by_reference.get(reference_key(leading))
        if note is None and name is not None:
            note = by_name.get(name_key(name))
        found.append(note)
    # A copy: pandas' copy-on-write hands out read-only arrays.
    commentary = np.array(out["commentary"].to_numpy(dtype=object), dtype=object, copy=True)
    fill = ~own & np.array([f is not None for f in found], dtype=bool)
    commentary[fill] = np.array(found, dtype=object)[fill]
    out["commentary"] = pd.Series(commentary, index=out.index, dtype=object)
    return out


def _is_text_or_number(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
