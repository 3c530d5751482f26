"""Cell addresses and sheet names as Excel writes and compares them: column letters, A1 names,
quoted sheet names, and the one key by which two sheet names are the same sheet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")

# Excel's own sheet size: no workbook has a cell beyond XFD1048576.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


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


def letters_from_pattern(column: int) -> bytes:
    """A regex (bytes) for the column letters of `column` and every column right of it, up to
    three letters: C, D, ..., Z, AA, ... for 3."""
    letters = column_letter(column).encode()
    options = [b"[A-Z]{%d,3}" % (len(letters) + 1)] if len(letters) < 3 else []
    for index in range(len(letters)):
        head, letter = letters[:index], letters[index]
        rest = len(letters) - index - 1
        if index == len(letters) - 1:
            options.append(head + b"[%c-Z]" % letter)
        elif letter < ord("Z"):
            options.append(head + b"[%c-Z][A-Z]{%d}" % (letter + 1, rest))
    return b"|".join(options)


def digits_above_pattern(number: int) -> bytes:
    """A regex (bytes) for the decimal numbers above `number` written without leading zeros."""
    digits = str(number).encode()
    options = [b"[1-9][0-9]{%d,}" % len(digits)]
    for index, digit in enumerate(digits):
        if digit < ord("9"):
            rest = len(digits) - index - 1
            options.append(digits[:index] + b"[%c-9]" % (digit + 1) + b"[0-9]{%d}" % rest)
    return b"|".join(options)


def cell_name(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


def parse_cell(name: str) -> tuple[int, int]:
    """"B5" (or "$B$5") -> (5, 2); ValueError for anything that is not a cell inside Excel's
    sheet size."""
    match = _CELL_RE.match(str(name).strip())
    if not match:
        raise ValueError(f"not a cell address: {str(name)[:20]!r}")
    row, column = int(match.group(2)), column_index(match.group(1))
    if not (1 <= row <= EXCEL_MAX_ROWS and 1 <= column <= EXCEL_MAX_COLUMNS):
        raise ValueError(f"{str(name)[:20]!r} is beyond Excel's last cell XFD1048576")
    return row, column


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def split_location(location: str) -> tuple[str, str] | None:
    """"'Exception Notes'!B5" -> ("Exception Notes", "B5"); None when it names no sheet."""
    sheet, bang, cell = str(location).rpartition("!")
    if not bang or not sheet:
        return None
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell


def sheet_key(name: str) -> str:
    """Excel's sheet names are case-insensitive: "kpi summary" is the "KPI Summary" sheet."""
    return str(name).casefold()


def sheet_named(sheets: Mapping[str, T], name: str) -> T | None:
    """The value for the sheet called `name` (by sheet_key), or None."""
    key = sheet_key(name)
    return next((value for sheet, value in sheets.items() if sheet_key(sheet) == key), None)


# The sheets the product reads as configuration or owns: never KPI tables.
RULES_SHEET, VALIDATION_SHEET, SUMMARY_SHEET = "KPI Rules", "KPI Validation", "KPI Summary"
PRODUCT_SHEETS = frozenset(sheet_key(name) for name in (RULES_SHEET, VALIDATION_SHEET, SUMMARY_SHEET))
