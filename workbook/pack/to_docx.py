"""The pack as a Word document (python-docx): the format committee systems take.

A4 landscape; headings in Word's own Heading styles (so the navigation pane and screen readers
see the outline); every table has a header row that repeats on each page (w:tblHeader); status
cells carry their colour AND their label; the chart has alternative text; language en-GB.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from workbook.pack.chart import chart_description, chart_parts, summary_chart
from workbook.pack.content import (
    FINDING_HEADERS,
    INDICATOR_HEADERS,
    KEY_NOTE,
    NO_COMMENTARY,
    STATUS_MEANINGS,
    BookPart,
    IndicatorRow,
    KeyEntry,
    Pack,
    Section,
    SummaryRow,
    book_summary,
    finding_kind,
    finding_place,
    summary_totals,
)

LANGUAGE = "en-GB"
FONT = "Arial"  # LibreOffice shows it as Liberation Sans, with the same metrics
INDICATOR_WIDTHS = (20, 97, 22, 22, 22, 36, 22, 26)  # mm, 267 in all: A4 landscape less margins
INDICATOR_FIGURES = (2, 3, 4, 6)  # previous, actual, target, variance: right-aligned
FINDING_WIDTHS = (45, 20, 40, 20, 142)
CHART_WIDTH_MM = 235  # 10 inches drawn: the sample's summary and its chart fit on page 1


def pack_docx(pack: Pack) -> bytes:
    document = Document()
    _page_setup(document)
    _language(document, pack.title)
    _heading(document, pack.title, 1)
    _made_from(document, pack)
    _status_key(document, pack.key, 2)
    summary_title = "Corporate summary" if pack.from_folder else "Summary"
    what = "directorate" if pack.from_folder else "section"
    _summary(document, summary_title, pack.summary, pack, 2, what)
    if pack.unread:
        _heading(document, "Books that could not be read", 3)
        for book in pack.unread:
            document.add_paragraph(f"{book.file_name}: {book.reason}", style="List Bullet")
    for book in pack.books:
        if pack.from_folder:
            _heading(document, book.title, 2, new_page=True)
            document.add_paragraph(f"From {book.file_name} (rules: {book.rules_source}).")
            if book.key != pack.key:
                _status_key(document, book.key, 3)
            _summary(document, "Summary", book_summary(book), pack, 3, "section", book.key,
                     chart=len(book.sections) > 1)  # one bar: the corporate chart has it
            _book_tables(document, book, 3)
        else:
            _book_tables(document, book, 2)
    _annex(document, pack)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# --- parts ----------------------------------------------------------------------------------


def _made_from(document, pack: Pack) -> None:
    document.add_paragraph(pack.made_from)


def _status_key(document, key: tuple[KeyEntry, ...], level: int) -> None:
    """One column per status: the label (in its colour) over what it means."""
    _heading(document, "Status key", level)
    table = _table(document, [entry.label for entry in key], [267 // len(key)] * len(key),
                   "Status key: what each status means")
    for cell, entry in zip(table.rows[0].cells, key):
        _fill(cell, entry)
    _add_row(table, [STATUS_MEANINGS[entry.code] for entry in key])
    document.add_paragraph(KEY_NOTE).paragraph_format.space_before = Pt(4)


def _summary(document, title: str, rows: list[SummaryRow], pack: Pack, level: int, what: str,
             key: tuple[KeyEntry, ...] | None = None, chart: bool = True) -> None:
    key = key or pack.key
    _heading(document, title, level)
    name_header = "Directorate" if what == "directorate" else "Section"
    headers = (name_header, *(entry.label for entry in key), "Total")
    widths = (107, *([32] * len(key)), 32)
    figures = range(1, len(headers))
    table = _table(document, headers, widths, f"Indicators by status for each {what}", figures)
    for row in rows:
        _add_row(table, (row.name, *(f"{row.counts[e.code]:,}" for e in key), f"{row.total:,}"),
                 figures)
    totals = summary_totals(rows)
    for cell in _add_row(table, (totals.name, *(f"{totals.counts[e.code]:,}" for e in key),
                                 f"{totals.total:,}"), figures):  # fmt: skip
        _bold(cell)
    if chart:
        _chart(document, rows, key, what)


def _chart(document, rows: list[SummaryRow], key: tuple[KeyEntry, ...], what: str) -> None:
    """The summary chart, in as many pictures as it takes for none to be taller than a page."""
    parts = chart_parts(rows)
    widest = max(row.total for row in rows)
    for number, part in enumerate(parts, start=1):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(4)  # else the picture hides the table's edge
        png = summary_chart(part, key, widest)
        picture = paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(CHART_WIDTH_MM))
        description = chart_description(part, key, what)
        if len(parts) > 1:
            description = f"Part {number} of {len(parts)}. {description}"
        _alt_text(picture, description)


def _book_tables(document, book: BookPart, level: int) -> None:
    first = True
    for sheet_title, sections in book.sheets:
        _heading(document, sheet_title, level, new_page=first and level == 2)
        first = False
        for section in sections:
            if section.title != sheet_title:
                _heading(document, section.title, level + 1)
            _indicator_table(document, section)
    # One book: the notes start a page. A folder: each directorate's part starts one already.
    _heading(document, "Exception notes", level, new_page=level == 2)
    exceptions = book.exceptions
    if not exceptions:
        document.add_paragraph("No indicator is off target.")
    for row in exceptions:
        _exception_note(document, row, level + 1)


def _indicator_table(document, section: Section) -> None:
    table = _table(document, INDICATOR_HEADERS, INDICATOR_WIDTHS, f"Indicators: {section.title}",
                   INDICATOR_FIGURES)
    for row in section.rows:
        trend = f"{row.trend_arrow} {row.trend_word}".strip()
        cells = _add_row(table, (row.reference, row.indicator, row.previous, row.actual,
                                 row.target, row.status.label, row.variance, trend),
                         INDICATOR_FIGURES)
        _fill(cells[5], row.status)


def _exception_note(document, row: IndicatorRow, level: int) -> None:
    _heading(document, row.name, level)
    document.add_paragraph(row.note_figures).paragraph_format.keep_with_next = True
    paragraph = document.add_paragraph()
    if row.commentary:
        paragraph.add_run(row.commentary)
    else:
        paragraph.add_run(NO_COMMENTARY).bold = True


def _annex(document, pack: Pack) -> None:
    _heading(document, "Annex: findings", 2, new_page=True)
    document.add_paragraph(
        "What the checks found in the workbooks: typed statuses that contradict the figures, "
        "missing commentary, unit mismatches and other problems to put right at source.")
    for book in pack.books:
        if pack.from_folder:
            _heading(document, book.title, 3)
        if not book.findings:
            document.add_paragraph("No findings.")
            continue
        table = _table(document, FINDING_HEADERS, FINDING_WIDTHS, f"Findings: {book.title}")
        for finding in book.findings:
            _add_row(table, (finding_place(finding), str(finding.severity).capitalize(),
                             finding_kind(finding), finding.reference or "", finding.message))


# --- python-docx helpers ---------------------------------------------------------------------


def _page_setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    footer = section.footer.paragraphs[0]
    footer.add_run("Page ")
    _field(footer, "PAGE")
    for style in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "List Bullet"):
        _font(document.styles[style], FONT)
    document.styles["Normal"].font.size = Pt(10)


def _font(style, name: str) -> None:
    """Set a style's font; theme fonts (Calibri in python-docx's template) would win over it."""
    style.font.name = name
    fonts = style.element.rPr.rFonts
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _field(paragraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _language(document, title: str) -> None:
    """en-GB for every run (the default run properties) and in the document properties."""
    document.core_properties.language = LANGUAGE
    document.core_properties.title = title
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    for old in properties.findall(qn("w:lang")):
        properties.remove(old)
    language = OxmlElement("w:lang")
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE)
    properties.append(language)


def _heading(document, text: str, level: int, new_page: bool = False):
    heading = document.add_heading(text, level)
    heading.paragraph_format.page_break_before = new_page
    heading.paragraph_format.keep_with_next = True
    return heading


def _table(document, headers, widths_mm, caption: str, figures=()):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)  # the grid: what LibreOffice and Word lay out by
    header = table.rows[0]
    trPr = header._tr.get_or_add_trPr()
    trPr.append(OxmlElement("w:tblHeader"))  # repeat on every page; marks it as the header row
    for cell, text, width in zip(header.cells, headers, widths_mm):
        cell.text = text
        cell.width = Mm(width)
        _bold(cell)
        _shade(cell, "D9D9D9")
    _align_right(header.cells, figures)
    caption_element = OxmlElement("w:tblCaption")
    caption_element.set(qn("w:val"), caption[:255])
    table._tbl.tblPr.append(caption_element)
    return table


def _add_row(table, values, figures=()) -> tuple:
    """A row of texts, the columns `figures` right-aligned. python-docx gives each new cell its
    grid column's width; `table.rows[i]` would build every row of the table each time (a pack of
    10,000 indicators took 155 s)."""
    cells = table.add_row().cells
    for cell, value in zip(cells, values):
        cell.text = value
    _align_right(cells, figures)
    return cells


def _align_right(cells, columns) -> None:
    for column in columns:
        cells[column].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _fill(cell, entry: KeyEntry) -> None:
    _shade(cell, entry.colour.lstrip("#"))
    colour = RGBColor.from_string(entry.text_colour.lstrip("#"))
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.font.color.rgb = colour


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    for old in properties.findall(qn("w:shd")):
        properties.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill.upper())
    properties.append(shading)


def _bold(cell) -> None:
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.bold = True


def _alt_text(picture, text: str) -> None:
    picture._inline.docPr.set("descr", text)
    picture._inline.docPr.set("title", "Chart: indicators by status")
