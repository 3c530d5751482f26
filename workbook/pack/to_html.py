"""The pack as one self-contained HTML page (jinja2 template, chart inline as a PNG data URI).

Autoescaping is on: text from a workbook (a commentary holding "<script>") is shown as text.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import jinja2

from workbook.pack.chart import chart_description, summary_chart
from workbook.pack.content import (
    FINDING_HEADERS,
    INDICATOR_HEADERS,
    KEY_NOTE,
    NO_COMMENTARY,
    STATUS_MEANINGS,
    KeyEntry,
    Pack,
    SummaryRow,
    book_summary,
    finding_kind,
    finding_place,
    summary_totals,
)

LANGUAGE = "en-GB"


@dataclass(frozen=True)
class Summary:
    """A summary table and its chart, ready for the template."""

    title: str
    what: str  # "section" or "directorate"
    rows: list[SummaryRow]
    totals: SummaryRow
    key: tuple[KeyEntry, ...]
    chart_uri: str  # "": no chart
    chart_text: str


def pack_html(pack: Pack) -> bytes:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("workbook.pack", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    template = environment.get_template("pack.html.j2")
    what = "directorate" if pack.from_folder else "section"
    title = "Corporate summary" if pack.from_folder else "Summary"
    page = template.render(
        pack=pack, language=LANGUAGE, meanings=STATUS_MEANINGS, key_note=KEY_NOTE, no_commentary=NO_COMMENTARY,
        indicator_headers=INDICATOR_HEADERS, finding_headers=FINDING_HEADERS,
        summary=_summary(title, what, pack.summary, pack.key),
        book_summaries=[_summary("Summary", "section", book_summary(book), book.key,
                                 chart=len(book.sections) > 1)  # one bar: the corporate chart's
                        for book in pack.books] if pack.from_folder else [],
        finding_kind=finding_kind, finding_place=finding_place,
    )
    return page.encode("utf-8")


def _summary(title: str, what: str, rows: list[SummaryRow], key, chart: bool = True) -> Summary:
    """The summary's table, and its chart as a data URI ("" for none)."""
    uri = ""
    if chart:
        png = summary_chart(rows, key)
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return Summary(title, what, rows, summary_totals(rows), key, uri,
                   chart_description(rows, key, what))
