"""Finding KPI tables in a sheet: the header row, which column plays which role, and the data rows.

Headers are recognised by synonyms (or named in the rules' `[columns]`); data rows run from the
header to the next header or the end of the sheet; a text alone in the table's first column is a
section row. Cell colours are never looked at.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from kpi_rules.errors import KpiError, shorten
from workbook.addresses import column_index, column_letter
from workbook.read.content import figure_rows, profile_columns
from workbook.read.grid import Grid, TableRange, is_blank
from workbook.read.headers import HeaderMatch, header_texts, match_header, normalise, role_scores

ROLES = (
    "reference", "indicator", "polarity", "actual", "target", "previous", "commentary", "status",
)
FOUND_ROLES = (*ROLES, "unit")  # a "Unit" column is found, not named in the rules' [columns]
VALUE_ROLES = ("actual", "target", "previous")


class LayoutError(KpiError):
    """The sheet does not hold what the rules say (or no KPI table at all); one-line message."""


@dataclass
class TableLayout:
    """Where one KPI table sits. Rows and columns are 1-based worksheet positions."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    columns: dict[str, int]  # role -> column
    headers: dict[str, str] = field(default_factory=dict)  # role -> header text as written
    sections: dict[int, str | None] = field(default_factory=dict)  # data row -> section
    reference_in_indicator: bool = False
    list_object: str | None = None  # name of the Excel table holding it, if any
    reasons: dict[str, str] = field(default_factory=dict)  # role -> why that column
    skipped: dict[int, str] = field(default_factory=dict)  # column -> why it plays no role

    @property
    def data_rows(self) -> list[int]:
        return list(self.sections)

    @property
    def column_letters(self) -> dict[str, str]:
        """Role -> column letter, in the order of ROLES."""
        return {
            role: column_letter(self.columns[role]) for role in FOUND_ROLES if role in self.columns
        }



# --- data rows and sections ------------------------------------------------------------------

def _at(cells: list, index: int):
    return cells[index] if 0 <= index < len(cells) else None


def _blank_between(cells: list, start: int, stop: int) -> bool:
    """No value in cells[start:stop] (0-based); stops at the first value, as most rows have one."""
    for value in cells[start:stop]:
        if value is not None and value != "" and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def _data_rows(grid: Grid, layout: TableLayout, span: tuple[int, int], limit: int) -> None:
    """Fill layout.sections with the data rows between the header and `limit` (inclusive).

    A text alone in the table's first column is a section row (unless it starts with a
    reference, when references are embedded); a row with a reference or indicator is data.
    """
    from kpi_rules import split_reference

    first, stop = span[0] - 1, span[1]
    label = layout.columns.get("reference", layout.columns["indicator"]) - 1
    indicator = layout.columns["indicator"] - 1
    rows = grid.values[layout.header_row : limit]
    if "reference" not in layout.columns:
        layout.reference_in_indicator = _references_embedded(rows, indicator, split_reference)
    section = _first_section(grid, layout, indicator + 1)
    for number, cells in enumerate(rows, start=layout.header_row + 1):
        head = _at(cells, first)
        alone = isinstance(head, str) and head.strip() and _blank_between(cells, first + 1, stop)
        if alone and not (layout.reference_in_indicator and split_reference(head)[0]):
            section = " ".join(head.split())
            continue
        if not is_blank(_at(cells, label)) or not is_blank(_at(cells, indicator)):
            layout.sections[number] = section
    if layout.sections:
        layout.first_row = min(layout.sections)
        layout.last_row = max(layout.sections)


def _references_embedded(rows: list[list], indicator: int, split_reference, sample=200) -> bool:
    """Do most indicator texts start with a reference code ("CSP 01. % Calls ...")?"""
    texts = []
    for cells in rows:
        value = _at(cells, indicator)
        if isinstance(value, str) and value.strip():
            texts.append(value)
            if len(texts) >= sample:
                break
    with_reference = sum(1 for text in texts if split_reference(text)[0])
    return bool(texts) and with_reference * 2 >= len(texts)


def _first_section(grid: Grid, layout: TableLayout, indicator_column: int) -> str | None:
    """Layout 2: the header's first cell holds the first section's name, not "Indicator"."""
    text = layout.headers.get("indicator")
    if text is None:
        value = grid.cell(layout.header_row, indicator_column)
        return " ".join(value.split()) if isinstance(value, str) else None
    return None


# --- whole sheets ------------------------------------------------------------------------------

def find_tables(grid: Grid, rules=None) -> list[TableLayout]:
    """Every KPI table in one sheet, top to bottom."""
    wanted = dict(getattr(rules, "columns", None) or {})
    wanted.pop("sheet", None)
    if wanted:
        return _tables_from_rules(grid, wanted)
    return _tables(grid, _auto_headers(grid))


def _auto_headers(grid: Grid) -> list[tuple[int, HeaderMatch, TableRange | None]]:
    found = []
    skip_until = 0
    for row in range(1, grid.height + 1):
        if row <= skip_until:
            continue
        table = _list_object_at(grid, row)
        first, last = (table.first_column, table.last_column) if table else (1, grid.width)
        if not _may_be_header(grid.values[row - 1]):
            continue
        texts = header_texts(grid, row, first, last)
        if len(texts) < 2:
            continue
        match = match_header(texts, grid.hidden_columns)  # header words alone: cheap
        if match:  # then what the cells below hold
            profile = profile_columns(grid, row, range(first, min(last, grid.width) + 1))
            match = match_header(texts, grid.hidden_columns, profile)
        if match and "indicator" not in match.columns:
            match = _indicator_from_data(grid, row, match, first)
        if match and "reference" not in match.columns:
            _codes_under_the_indicator_header(grid, row, match, texts)
        if match:
            found.append((row, match, table))
            if table:
                skip_until = table.last_row
    return _drop_upper_of_stacked_headers(found)


# Every header names a figure column; rows without any of these words are skipped cheaply.
FIGURE_WORDS_RE = re.compile(
    r"\b(?:targets?|actuals?|outturns?|results?|values?|current|latest|quarter|qtr|q[1-4]"
    r"|previous|last|aims?|goals?|budgets?|standards?|trajectory|ambition|ytd|year to date"
    r"|(?:19|20)\d{2}|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\b"
)


def _may_be_header(cells: list) -> bool:
    """A cheap test run on every row: a header is text, and names at least one figure column."""
    texts = []
    numbers = 0
    for value in cells:
        if type(value) is str:
            if value:
                texts.append(value)
        elif type(value) in (float, int):
            if _year_like(value):  # a year heading typed as a number
                texts.append(str(int(value)))
                continue
            numbers += 1
            if numbers > 1:
                return False
    if len(texts) < 2:
        return False
    return bool(FIGURE_WORDS_RE.search(" ".join(texts).lower()))


def _year_like(value) -> bool:
    return float(value).is_integer() and 1990 <= value <= 2100


def _list_object_at(grid: Grid, header_row: int) -> TableRange | None:
    return next((table for table in grid.tables if table.header_row == header_row), None)


def _indicator_from_data(grid: Grid, row: int, match: HeaderMatch, first: int,
                         ) -> HeaderMatch | None:  # fmt: skip
    """No indicator header: the leftmost free column, left of the figures, holding text below
    (its header cell may be blank, the corner of the table)."""
    value_columns = [match.columns[role] for role in VALUE_ROLES if role in match.columns]
    first_free = [
        column
        for column in range(min(first, match.span[0]), min(value_columns))
        if column not in match.columns.values()
    ]
    for column in first_free:
        below = [grid.cell(r, column) for r in range(row + 1, min(row + 30, grid.height) + 1)]
        texts_below = [value for value in below if isinstance(value, str) and value.strip()]
        if len(texts_below) >= 1 and len(texts_below) * 2 >= len([v for v in below if v]):
            match.columns["indicator"] = column
            match.reasons["indicator"] = "text left of the figures (no indicator header)"
            return match
    return None


def _codes_under_the_indicator_header(grid: Grid, row: int, match: HeaderMatch, texts) -> None:
    """"KPI" over "KPI 3", "KPI 10" beside a "Description": the codes are the reference and the
    description names the indicator."""
    from kpi_rules import is_reference_code

    column = match.columns.get("indicator")
    names = [other for other, text in texts.items()
             if other not in match.columns.values() and role_scores(text).get("indicator")]  # fmt: skip
    if column is None or not names:
        return
    below = [grid.cell(r, column) for r in range(row + 1, min(row + 30, grid.height) + 1)]
    below = [value for value in below if isinstance(value, str) and value.strip()]
    if below and sum(map(is_reference_code, below)) * 2 > len(below):
        name = max(names, key=lambda other: (role_scores(texts[other])["indicator"], -other))
        match.columns["reference"], match.columns["indicator"] = column, name
        match.headers["reference"], match.headers["indicator"] = texts[column], texts[name]
        match.reasons["reference"] = "reference codes under the indicator header"
        match.reasons["indicator"] = "names beside the codes"


def _drop_upper_of_stacked_headers(found):
    """Two header rows in a row (a group label above the real header): keep the lower one,
    unless the lower one names fewer roles (then it is more likely a wordy first data row)."""
    kept = []
    for index, item in enumerate(found):
        following = found[index + 1] if index + 1 < len(found) else None
        stacked = following and following[0] == item[0] + 1 and item[2] is None
        if stacked and len(following[1].columns) >= len(item[1].columns):
            continue
        if kept and kept[-1][0] == item[0] - 1 and len(item[1].columns) < len(kept[-1][1].columns):
            continue
        kept.append(item)
    return kept


def _tables(grid: Grid, headers, by_content: bool = True) -> list[TableLayout]:
    """Layouts for these header rows. `by_content`: a table needs at least two indicator rows
    with figures (a header with no rows at all is kept, to be reported as such)."""
    layouts = []
    for index, (row, match, table) in enumerate(headers):
        if table:
            limit = table.last_row
        elif index + 1 < len(headers):
            limit = headers[index + 1][0] - 1
        else:
            limit = grid.height
        layout = TableLayout(
            sheet=grid.sheet, header_row=row, first_row=row + 1, last_row=row,
            columns=dict(match.columns), headers=dict(match.headers),
            list_object=table.name if table else None,
            reasons=dict(match.reasons), skipped=dict(match.skipped),
        )
        _data_rows(grid, layout, match.span, limit)
        if by_content and layout.sections and not _enough_figures(grid, layout):
            continue  # a product list or a pivot, not a KPI table
        layouts.append(layout)
    return layouts


def _enough_figures(grid: Grid, layout: TableLayout) -> bool:
    """Two indicator rows with figures; one is enough under a header that also names a polarity
    or a typed status (nothing but a KPI table has those)."""
    columns = [layout.columns[role] for role in ("actual", "target") if role in layout.columns]
    needed = 1 if "polarity" in layout.columns or "status" in layout.columns else 2
    return figure_rows(grid, layout.data_rows, columns, needed) >= needed


# --- tables named by the rules' [columns] ---------------------------------------------------------

LETTER_RE = re.compile(r"^[A-Za-z]{1,3}$")


def _tables_from_rules(grid: Grid, wanted: dict[str, str]) -> list[TableLayout]:
    by_header = {role: text for role, text in wanted.items() if not _is_letter(grid, text)}
    letters = {role: column_index(text) for role, text in wanted.items() if role not in by_header}
    if by_header:
        rows = _rows_with_headers(grid, by_header)
    else:
        rows = [row for row, _, _ in _auto_headers(grid)]
    headers = []
    for row in rows:
        texts = header_texts(grid, row, 1, grid.width)
        fixed = {role: _column_of(texts, text) for role, text in by_header.items()}
        fixed.update(letters)
        profile = profile_columns(grid, row, [c for c in texts if c not in fixed.values()])
        match = _complete(texts, fixed, grid.hidden_columns, profile)
        headers.append((row, match, _list_object_at(grid, row)))
    return _tables(grid, headers, by_content=False)


def _is_letter(grid: Grid, text: str) -> bool:
    """A column letter, unless a header in the sheet reads exactly like it (a "KPI" column)."""
    if not LETTER_RE.match(str(text).strip()):
        return False
    wanted = normalise(text)
    return not any(
        isinstance(value, str) and normalise(value) == wanted
        for row in grid.values
        if _may_be_header(row)  # only header-like rows: this runs on every row of the sheet
        for value in row
    )


def _column_of(texts: dict[int, str], wanted: str) -> int | None:
    """The column headed exactly so, else the first whose header ends so ("Q2 2024/25 Actual"
    for "Actual", under a merged group label)."""
    key = normalise(wanted)
    ending = None
    for column, text in texts.items():
        name = normalise(text)
        if name == key:
            return column
        if ending is None and name.endswith(" " + key):
            ending = column
    return ending


def _rows_with_headers(grid: Grid, by_header: dict[str, str]) -> list[int]:
    keys = [normalise(text) for text in by_header.values()]
    near_merged = {
        row for merged in grid.merged for row in range(merged.top, merged.bottom + 2)
    }  # merged cells and group labels put header text in rows that do not hold it
    rows = []
    for row in range(1, grid.height + 1):
        joined = normalise(" ".join(v for v in grid.values[row - 1] if isinstance(v, str)))
        if row not in near_merged and not all(key in joined for key in keys):
            continue
        texts = header_texts(grid, row, 1, grid.width)
        if texts and all(_column_of(texts, text) for text in by_header.values()):
            rows.append(row)
    return rows


def _complete(texts: dict[int, str], fixed: dict[str, int], hidden: set[int], profile=None,
              ) -> HeaderMatch:  # fmt: skip
    """Roles the rules did not name are found by synonyms and content among the other columns
    (a column of text is no figure there either)."""
    rest = {column: text for column, text in texts.items() if column not in fixed.values()}
    auto = match_header(rest, hidden, profile, whole=False) if rest else None
    columns = dict(auto.columns) if auto else {}
    columns = {role: column for role, column in columns.items() if role not in fixed}
    columns.update(fixed)
    headers = {role: texts.get(column, column_letter(column)) for role, column in columns.items()}
    span = (min(list(texts) + list(columns.values())), max(list(texts) + list(columns.values())))
    reasons = {role: "named in the rules' [columns]" if role in fixed
               else (auto.reasons.get(role, "") if auto else "") for role in columns}  # fmt: skip
    return HeaderMatch(columns, headers, span, reasons)


def missing_rule_headers(grids: dict[str, Grid], wanted: dict[str, str]) -> str | None:
    """The first `[columns]` entry whose header text is in no sheet, as a one-line message."""
    for role, text in wanted.items():
        if role == "sheet":
            continue
        found = any(
            _is_letter(grid, text) or _rows_with_headers(grid, {role: text})
            for grid in grids.values()
        )
        if not found:
            names = ", ".join(f'"{shorten(name, 30)}"' for name in grids)
            problem = f'rules [columns] {role} = "{shorten(text)}": no such header in sheet {names}'
            return problem + _seen_and_nearest(grids, text, MESSAGE_BUDGET - len(problem))
    return None


MESSAGE_BUDGET = 180  # the reason; with "kpi: <file>: " in front, a longer line is cut at 200


def _seen_and_nearest(grids: dict[str, Grid], wanted: str, room: int) -> str:
    """"; did you mean 'Q1 Outturn'?; headers seen: "Ref", "Indicator", …" fitted into `room`
    characters (the suggestion first: it is the more useful half)."""
    seen = list(dict.fromkeys(text for grid in grids.values() for text in _headers_seen(grid)))
    by_key = {normalise(text): text for text in seen}
    nearest = difflib.get_close_matches(normalise(wanted), list(by_key), n=1, cutoff=0.6)
    text = f"; did you mean '{shorten(by_key[nearest[0]], 30)}'?" if nearest else ""
    items = [f'"{shorten(header, 24)}"' for header in seen]
    for count in range(len(items), 0, -1):
        listed = ", ".join(items[:count]) + (", …" if count < len(items) else "")
        if len(text) + len("; headers seen: ") + len(listed) <= room:
            return f"{text}; headers seen: {listed}"
    return text


def _headers_seen(grid: Grid, most_rows: int = 2) -> list[str]:
    """The header texts of the rows the product would take for header rows (else of the first
    header-like rows): what the officer can pick from in `[columns]`."""
    rows = [row for row, _match, _table in _auto_headers(grid)][:most_rows]
    if not rows:
        rows = [row for row in range(1, grid.height + 1) if _may_be_header(grid.values[row - 1])][:50]
        rows = sorted(rows, key=lambda row: -len(header_texts(grid, row, 1, grid.width)))[:1]
    return [text for row in rows for text in header_texts(grid, row, 1, grid.width).values()]
