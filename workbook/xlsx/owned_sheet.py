"""XML for the sheets the product owns ("KPI Validation", "KPI Summary"): the worksheet itself,
and for a chart, the drawing part and the chart part (with cached values, so viewers that do
not recalculate still draw it)."""

from __future__ import annotations

import functools
import textwrap

from workbook.addresses import cell_name
from workbook.plan.blocks import SheetContent
from workbook.xlsx.cells import CellWriter, escape_attribute
from workbook.xlsx.ooxml import FOOTER, NS_DOC_REL, NS_MAIN, PAGE_SETUP
from workbook.xlsx.styles import StyleBook

EMU_PER_PIXEL = 9525
LINE_HEIGHT = 15  # points: one line of 11-point text
XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
PRINT_SETUP = ('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" '
               'footer="0.3"/><pageSetup '
               + " ".join(f'{name}="{value}"' for name, value in PAGE_SETUP.items())
               + f'/><headerFooter><oddFooter>{escape_attribute(FOOTER)}</oddFooter></headerFooter>')


def worksheet_xml(content: SheetContent, styles: StyleBook, drawing_rel_id: str | None) -> bytes:
    """The sheet's XML, written as text (a validation sheet can have thousands of rows); the
    same bytes lxml would serialize for the same elements."""
    width = max((len(row) for row in content.rows), default=0)
    height = len(content.rows)
    ref = f"A1:{cell_name(max(height, 1), max(width, 1))}" if width and height else "A1"
    parts = [XML_DECLARATION, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_DOC_REL}">',
             '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>', f'<dimension ref="{ref}"/>']
    header = content.header_row
    if height > header:  # keep the header visible
        parts.append(f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{header}" '
                     f'topLeftCell="A{header + 1}" activePane="bottomLeft" state="frozen"/>'
                     '</sheetView></sheetViews>')
    else:
        parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    _columns(parts, content)
    _sheet_data(parts, content, styles)
    if content.auto_filter and height > header:
        parts.append(f'<autoFilter ref="{filter_range(content)}"/>')
    _hyperlinks(parts, content)
    parts.append(PRINT_SETUP)
    if drawing_rel_id:
        parts.append(f'<drawing r:id="{escape_attribute(drawing_rel_id)}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode()


def filter_range(content: SheetContent) -> str:
    """The table under the heading block: header row to the last row, every column."""
    width = max(len(row) for row in content.rows[content.header_row - 1:])
    return f"A{content.header_row}:{cell_name(len(content.rows), max(width, 1))}"


def _columns(parts: list[str], content: SheetContent) -> None:
    if not content.column_widths:
        return
    parts.append("<cols>")
    for column in sorted(content.column_widths):
        width = float(content.column_widths[column])
        parts.append(f'<col min="{column}" max="{column}" width="{width}" customWidth="1"/>')
    parts.append("</cols>")


def _fill_by_cell(content: SheetContent) -> dict[tuple[int, int], str]:
    fills = {}
    for run in content.fills:
        for row in range(run.top, run.top + run.height):
            fills[(row, run.column)] = run.fill
    return fills


def _sheet_data(parts: list[str], content: SheetContent, styles: StyleBook) -> None:
    if not content.rows:
        parts.append("<sheetData/>")
        return
    parts.append("<sheetData>")
    fills = _fill_by_cell(content)
    cells = CellWriter("")
    bold_rows = {1, content.header_row}
    for row_index, values in enumerate(content.rows, start=1):
        row: list[str] = []
        for column, value in enumerate(values, start=1):
            fill = fills.get((row_index, column)) if fills else None
            in_table = row_index > content.header_row
            number_format = content.column_formats.get(column) if in_table else None
            wrap = in_table and column in content.wrap_columns
            bold = row_index in bold_rows
            style = styles.cell_format(0, number_format, bold, fill, wrap) \
                if (fill or bold or number_format or wrap) else 0
            cell = cells.text(row_index, column, style, value)
            if cell:
                row.append(cell)
        if row:
            lines = _wrapped_lines(content, values) if row_index > content.header_row else 1
            height = f' ht="{LINE_HEIGHT * lines}" customHeight="1"' if lines > 1 else ""
            parts.append(f'<row r="{row_index}"{height}>')
            parts += row
            parts.append("</row>")
        else:
            parts.append(f'<row r="{row_index}"/>')
    parts.append("</sheetData>")


def _wrapped_lines(content: SheetContent, values: list) -> int:
    """How many lines the row's wrapped text takes at its columns' widths. Written as the row's
    height: LibreOffice keeps a row without one at one line, and the text would overlap."""
    lines = 1
    for column in content.wrap_columns:
        value = values[column - 1] if column <= len(values) else None
        if isinstance(value, str) and value:
            # A width counts digits ("0"); text averages narrower, about 1.1 letters a digit
            width = max(1, int(content.column_widths.get(column, 8.43) * 1.1) - 1)
            if len(value) > width:  # shorter text is one line: no need to wrap it
                lines = max(lines, _line_count(value, width))
    return lines


@functools.lru_cache(maxsize=8192)
def _line_count(text: str, width: int) -> int:
    """Lines of `text` wrapped at `width`; cached: thousands of findings share their advice."""
    return len(textwrap.wrap(text, width))


def _hyperlinks(parts: list[str], content: SheetContent) -> None:
    if not content.hyperlinks:
        return
    parts.append("<hyperlinks>")
    for link in content.hyperlinks:
        parts.append(f'<hyperlink ref="{cell_name(link.row, link.column)}" '
                     f'location="{escape_attribute(link.location.lstrip("#"))}"/>')
    parts.append("</hyperlinks>")

