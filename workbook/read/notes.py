"""Notes sheets: commentary kept in another sheet, keyed by reference or indicator name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbook.read.grid import Grid, is_blank
from workbook.read.headers import normalise, role_scores

NOTES_SHEET_WORDS = ("note", "exception", "commentar", "narrative")
KEY_HEADERS = ("reference", "indicator")
TEXT_HEADERS = ("commentary",)
NOTE_RE = re.compile(r"\bnotes?\b")
# Who answers for a note: "Responsible officer", "Owner", "Lead officer", "Accountable manager".
OWNER_RE = re.compile(r"\b(responsible|owner|lead officer|accountable)\b")


@dataclass(frozen=True)
class NoteRow:
    row: int  # worksheet row
    key: object
    text: object
    owner: str | None


@dataclass(frozen=True)
class NotesSheet:
    """A sheet of exception notes: where its columns are, and its rows that have a key."""

    sheet: str
    header_row: int
    key_column: int
    text_column: int
    owner_column: int | None
    rows: tuple[NoteRow, ...]

    @property
    def pairs(self) -> list[tuple]:
        return [(note.key, note.text) for note in self.rows]

    @property
    def next_row(self) -> int:
        """Where a new note goes: the row under the last one."""
        return max((note.row for note in self.rows), default=self.header_row) + 1


def read_notes(grid: Grid, key_header: str | None, text_header: str | None) -> NotesSheet:
    """The notes of a notes sheet; headers named, or found by synonyms when None.

    Raises LookupError naming the header that is not in the sheet.
    """
    header_row, key_column, text_column, other_key = _notes_header(grid, key_header, text_header)
    owner_column = _owner_column(grid, header_row, {key_column, text_column, other_key})
    notes = []
    for row in range(header_row + 1, grid.height + 1):
        key, text = grid.cell(row, key_column), grid.cell(row, text_column)
        if is_blank(key) and other_key:
            key = grid.cell(row, other_key)  # no reference on this row: its indicator's name
        owner = grid.cell(row, owner_column) if owner_column else None
        if not is_blank(key):
            notes.append(NoteRow(row, key, text, None if is_blank(owner) else str(owner).strip()))
    return NotesSheet(grid.sheet, header_row, key_column, text_column, owner_column, tuple(notes))


def notes_rows(grid: Grid, key_header: str | None, text_header: str | None) -> list[tuple]:
    """The (key, text) rows of a notes sheet (see read_notes)."""
    return read_notes(grid, key_header, text_header).pairs


def _owner_column(grid: Grid, header_row: int, taken: set[int]) -> int | None:
    for column in range(1, grid.width + 1):
        text = grid.cell(header_row, column)
        if column not in taken and isinstance(text, str) and OWNER_RE.search(normalise(text)):
            return column
    return None


def looks_like_notes_sheet(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in NOTES_SHEET_WORDS)


def _notes_header(grid: Grid, key_header, text_header) -> tuple[int, int, int, int | None]:
    for row in range(1, min(grid.height, 50) + 1):
        texts = {
            column: value
            for column in range(1, grid.width + 1)
            if isinstance(value := grid.cell(row, column), str)
        }
        key = _find(texts, key_header, KEY_HEADERS)
        text = _find(texts, text_header, TEXT_HEADERS)
        if key and text and key != text:
            rest = {column: value for column, value in texts.items() if column not in (key, text)}
            other = None if key_header else _find(rest, None, ("indicator",))
            return row, key, text, other
    key_text = f'"{key_header}"' if key_header else "a reference or indicator column"
    note_text = f'"{text_header}"' if text_header else "a note/commentary column"
    raise LookupError(f'notes sheet "{grid.sheet}" has no header row with {key_text} and {note_text}')


def _find(texts: dict[int, str], wanted: str | None, roles: tuple[str, ...]) -> int | None:
    if wanted:
        key = normalise(wanted)
        return next((column for column, text in texts.items() if normalise(text) == key), None)
    for column, text in texts.items():
        scores = role_scores(text)
        is_note = "commentary" in roles and NOTE_RE.search(normalise(text))
        if any(scores.get(role, 0) >= 5 for role in roles) or is_note:
            return column
    return None
