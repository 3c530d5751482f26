"""Commentary: is there any, and where does it come from (the row, or a notes sheet)."""

from __future__ import annotations

import math

import numpy as np

from .columns import Columns, as_array, by_unique, pandas
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
