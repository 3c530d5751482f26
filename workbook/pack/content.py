"""What a committee pack says, built once as plain data from BookCheck objects.

The .docx, .html and .pdf renderings all draw on this: they decide layout only. Every text here
is ready to print: figures shown as the sheet shows them ("43%", "1,342", "New"), labels and
colours from the book's rules, and no character that an XML document cannot hold.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, replace

from kpi_rules import Counts, Finding, Rules, default_rules, has_commentary, show_points, show_value
from kpi_rules.columns import is_missing
from kpi_rules.findings import PROBLEM_TITLES
from kpi_rules.rules import readable_text_colour
from workbook.addresses import quote_sheet
from workbook.check import STATUS_CODES, BookCheck
from workbook.plan.results import TREND_TEXT

NO_COMMENTARY = "No commentary given."
STATUS_MEANINGS = {"on": "Meets or beats the target", "within": "Below target, within tolerance",
                   "off": "Further from the target than the tolerance",
                   "none": "Not assessed (no figure, no target or no polarity)"}  # fmt: skip
KEY_NOTE = ("Trend compares the actual with the previous figure: ▲ Improving, ▼ Worsening, "
            "► No change. Variance is the actual minus the target in the figures' own units; for "
            "percentages it is in percentage points (pp).")
LIST_BOOKS_UP_TO = 6  # a folder's pack names its books on the first page when so few
INDICATOR_HEADERS = ("Ref", "Indicator", "Previous", "Actual", "Target", "Status", "Variance",
                     "Trend")  # fmt: skip
FINDING_HEADERS = ("Cell", "Severity", "Problem", "Ref", "Details")  # as the validation sheet
# Characters XML 1.0 cannot hold (control characters other than tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(value) -> str:
    """Text safe for a .docx or .html: XML-illegal characters dropped, ends trimmed."""
    return _NOT_XML.sub("", str(value)).strip()


@dataclass(frozen=True)
class KeyEntry:
    """One status of the key: the council's label and colour, and a legible text colour on it."""

    code: str
    label: str
    colour: str  # "#RRGGBB"
    text_colour: str  # black or white, whichever reads better on `colour`


@dataclass(frozen=True)
class IndicatorRow:
    sheet: str
    row: int  # worksheet row
    reference: str
    indicator: str
    previous: str  # as the sheet shows it; "" when blank
    actual: str
    target: str
    status: KeyEntry
    variance: str  # actual - target in the figures' units; percentages in points
    trend_arrow: str  # "▲", "▼", "►" or ""
    trend_word: str  # "Improving", "Worsening", "No change" or ""
    commentary: str | None  # None: no real commentary (blank, "TBC", "-" ...)

    @property
    def off_target(self) -> bool:
        return self.status.code == "off"

    @property
    def note_figures(self) -> str:
        """The exception note's first line: "Off target. Actual 79% against a target of 90%;
        previous 86% (worsening). Sheet Corporate KPIs, row 8." """
        figures = f"Actual {self.actual or 'blank'} against a target of {self.target or 'blank'}"
        if self.previous:
            figures += f"; previous {self.previous}"
        if self.trend_word:
            figures += f" ({self.trend_word.lower()})"
        return f"{self.status.label}. {figures}. Sheet {self.sheet}, row {self.row}."

    @property
    def name(self) -> str:
        """'CS 02: % of complaints ...', or the indicator alone when it has no reference."""
        return f"{self.reference}: {self.indicator}" if self.reference else self.indicator


@dataclass(frozen=True)
class Section:
    """One table, or one section of a sectioned table: the unit of the pack's tables."""

    title: str  # "Corporate KPIs", "Adults & Health"
    sheet_title: str  # the sheet (and table) it belongs to
    rows: tuple[IndicatorRow, ...]
    counts: dict[str, int]  # status code -> indicators

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class BookPart:
    """One workbook's part of the pack (the whole pack for one book, a directorate for a folder)."""

    file_name: str
    title: str
    rules_source: str
    key: tuple[KeyEntry, ...]
    sections: tuple[Section, ...]
    findings: tuple[Finding, ...]
    counts: Counts

    @property
    def exceptions(self) -> list[IndicatorRow]:
        """Every off-target indicator, in the order of the tables."""
        return [row for section in self.sections for row in section.rows if row.off_target]

    @property
    def sheets(self) -> list[tuple[str, list[Section]]]:
        """Sections grouped by the table they belong to, in sheet order."""
        grouped: dict[str, list[Section]] = {}
        for section in self.sections:
            grouped.setdefault(section.sheet_title, []).append(section)
        return list(grouped.items())


@dataclass(frozen=True)
class UnreadBook:
    file_name: str
    reason: str


@dataclass(frozen=True)
class SummaryRow:
    """A bar of the summary chart and a row of its table: a section, or a directorate."""

    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Pack:
    title: str
    made_on: datetime.date
    books: tuple[BookPart, ...]
    unread: tuple[UnreadBook, ...]
    key: tuple[KeyEntry, ...]  # the books' common key (the defaults' if the books disagree)
    from_folder: bool

    @property
    def summary(self) -> list[SummaryRow]:
        """One book: its sections. A folder: one row per directorate (book)."""
        if not self.from_folder:
            return book_summary(self.books[0])
        return [SummaryRow(book.title, dict(book.counts.statuses)) for book in self.books]

    @property
    def made_from(self) -> str:
        """'Made on 2 December 2026 from q2.xlsx. Rules: kpi.toml.', or for a folder '... from
        3 workbooks (a.xlsx, b.xlsx, c.xlsx).' (the names left out past LIST_BOOKS_UP_TO: each
        book's part is headed by its name anyway)."""
        made_on = f"Made on {self.made_on.day} {self.made_on:%B %Y}"
        if not self.from_folder:
            book = self.books[0]
            return f"{made_on} from {book.file_name}. Rules: {book.rules_source}."
        names = ", ".join(book.file_name for book in self.books)
        listed = f" ({names})" if len(self.books) <= LIST_BOOKS_UP_TO else ""
        return f"{made_on} from {len(self.books)} workbooks{listed}."

    @property
    def own_keys(self) -> bool:
        """True when some book's labels or colours differ from the pack's key."""
        return any(book.key != self.key for book in self.books)


def summary_totals(rows: list[SummaryRow]) -> SummaryRow:
    return SummaryRow("All indicators",
                      {code: sum(row.counts[code] for row in rows) for code in STATUS_CODES})


def book_summary(book: BookPart) -> list[SummaryRow]:
    return [SummaryRow(_summary_name(book, s), s.counts) for s in book.sections]


def _summary_name(book: BookPart, section: Section) -> str:
    if section.title == section.sheet_title:
        return section.title
    return f"{section.sheet_title}: {section.title}"


# --- building -----------------------------------------------------------------------------


def build_pack(title: str, checks: list[BookCheck], unread: list[UnreadBook],
               from_folder: bool, made_on: datetime.date | None = None,
               names: list[str] | None = None) -> Pack:
    """The pack's content from checked books (in the order given) and the books not read.
    From a folder each book's part is titled by `names` (its path in the folder without the
    suffix: "north/Q2"), else by its file name without the suffix."""
    if not from_folder:
        titles = [check.book for check in checks]
    else:
        titles = names or [check.book.rsplit(".", 1)[0] for check in checks]
    books = tuple(book_part(check, name) for check, name in zip(checks, titles, strict=True))
    keys = {book.key for book in books}
    key = books[0].key if len(keys) == 1 else status_key(default_rules())
    return Pack(clean_text(title), made_on or datetime.date.today(), books, tuple(unread), key,
                from_folder)


def status_key(rules: Rules) -> tuple[KeyEntry, ...]:
    return tuple(KeyEntry(code, clean_text(rules.label(code)), rules.colour(code).upper(),
                          readable_text_colour(rules.colour(code))) for code in STATUS_CODES)


def book_part(check: BookCheck, title: str) -> BookPart:
    key = status_key(check.rules)
    by_code = {entry.code: entry for entry in key}
    return BookPart(
        file_name=clean_text(check.book),
        title=clean_text(title),
        rules_source=clean_text(check.rules.source),
        key=key,
        sections=tuple(_sections(check, by_code)),
        findings=tuple(_printable(finding) for finding in check.findings),
        counts=check.counts,
    )


def _sections(check: BookCheck, key: dict[str, KeyEntry]) -> list[Section]:
    counts = {(g["sheet"], g["header_row"], g["section"]): g for g in check.summary()}
    sheets_seen: dict[str, int] = {}
    sections = []
    for index, layout in enumerate(check.tables):
        sheets_seen[layout.sheet] = sheets_seen.get(layout.sheet, 0) + 1
        sheet_title = clean_text(layout.sheet)
        if sheets_seen[layout.sheet] > 1:
            sheet_title += f" (table {sheets_seen[layout.sheet]})"
        grouped: dict[str, list[IndicatorRow]] = {}
        for section, row in _rows(check.table_indicators(index), key):
            grouped.setdefault(section, []).append(row)
        for section, rows in grouped.items():
            group = counts[(layout.sheet, layout.header_row, section)]
            sections.append(Section(clean_text(section) or sheet_title, sheet_title, tuple(rows),
                                    {code: int(group[code]) for code in STATUS_CODES}))
    return sections


def _rows(table, key: dict[str, KeyEntry]):
    """(section, IndicatorRow) for each evaluated row of one table, in sheet order."""
    columns = {name: table.column(name).tolist() for name in (
        "sheet", "row", "section", "reference", "indicator", "previous", "actual", "target",
        "previous_value", "actual_value", "target_value", "status", "variance", "trend",
        "commentary")}  # fmt: skip
    percent = {name: table.flags(flag).tolist() for name, flag in (
        ("previous", "previous_is_percent"), ("actual", "actual_percent"),
        ("target", "target_percent"))}  # fmt: skip
    for i in range(table.height):
        value = {name: values[i] for name, values in columns.items()}
        arrow, word = _trend(value["trend"])
        commentary = value["commentary"]
        yield ("" if is_missing(value["section"]) else str(value["section"])), IndicatorRow(
            sheet=clean_text(value["sheet"]),
            row=int(value["row"]),
            reference=_text(value["reference"]),
            indicator=_text(value["indicator"]),
            previous=shown_figure(value["previous"], value["previous_value"], percent["previous"][i]),
            actual=shown_figure(value["actual"], value["actual_value"], percent["actual"][i]),
            target=shown_figure(value["target"], value["target_value"], percent["target"][i]),
            status=key[value["status"]],
            variance=shown_variance(value["variance"], percent["actual"][i] or percent["target"][i]),
            trend_arrow=arrow,
            trend_word=word,
            commentary=clean_text(commentary) if has_commentary(commentary) else None,
        )


def _printable(finding: Finding) -> Finding:
    return replace(finding, message=clean_text(finding.message),
                   reference=None if finding.reference is None else clean_text(finding.reference),
                   sheet=None if finding.sheet is None else clean_text(finding.sheet))


def _text(value) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():  # a reference typed as a number
        return str(int(value))
    return clean_text(value)


def _trend(code) -> tuple[str, str]:
    text = TREND_TEXT.get(code)
    if not text:
        return "", ""
    arrow, word = text.split(" ", 1)
    return arrow, word


def shown_figure(raw, value: float, percent: bool) -> str:
    """A figure as the sheet shows it: typed text as typed ("79%", "1,342", "New"), a number
    with separators, a percent-formatted number as a percentage (0.43 -> "43%")."""
    if is_missing(raw):
        return ""
    if isinstance(raw, str):
        return clean_text(raw)
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, (int, float)) and value is not None and math.isfinite(value):
        return show_value(value, bool(percent))
    return clean_text(raw)


def shown_variance(variance: float, percent: bool) -> str:
    """Actual minus target with its sign: "+242", "-0.5"; percentages in points as the
    refreshed sheet shows them: "-6.0 pp"."""
    if variance is None or not math.isfinite(variance):
        return ""
    if percent:
        return show_points(variance)
    if round(variance, 9) == 0:
        return "0"
    return ("+" if variance > 0 else "-") + show_value(abs(variance), False)


def finding_kind(finding: Finding) -> str:
    """The problem in the plain words of the "KPI Validation" sheet: 'Commentary missing'."""
    return PROBLEM_TITLES[finding.code]


def finding_place(finding: Finding) -> str:
    """Where to look: "'Corporate KPIs'!K8", or the sheet when no cell applies."""
    sheet = quote_sheet(clean_text(finding.sheet or ""))
    return f"{sheet}!{finding.cell}" if finding.cell else sheet
