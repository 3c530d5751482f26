"""Cell addresses as Excel writes them: column letters, A1 names, quoted sheet names."""

from __future__ import annotations


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while column > 0:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 1, AA -> 27."""
    index = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column letter: {letters!r}")
        index = index * 26 + ord(char) - 64
    return index


def cell_name(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
