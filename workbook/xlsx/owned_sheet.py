"""XML for the sheets the product owns ("KPI Validation", "KPI Summary"): the worksheet itself,
and for a chart, the drawing part and the chart part (with cached values, so viewers that do
not recalculate still draw it)."""

from __future__ import annotations

from workbook.addresses import cell_name
from workbook.plan.blocks import SheetContent
from workbook.xlsx.cells import CellWriter, escape_attribute
from workbook.xlsx.ooxml import NS_DOC_REL, NS_MAIN
from workbook.xlsx.styles import StyleBook

EMU_PER_PIXEL = 9525
XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


def worksheet_xml(content: SheetContent, styles: StyleBook, drawing_rel_id: str | None) -> bytes:
    """The sheet's XML, written as text (a validation sheet can have thousands of rows); the
    same bytes lxml would serialize for the same elements."""
    width = max((len(row) for row in content.rows), default=0)
    height = len(content.rows)
    ref = f"A1:{cell_name(max(height, 1), max(width, 1))}" if width and height else "A1"
    parts = [XML_DECLARATION, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_DOC_REL}">',
             f'<dimension ref="{ref}"/>']
    if height > 1:  # keep the header visible
        parts.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                     'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
    else:
        parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    _columns(parts, content)
    _sheet_data(parts, content, styles)
    _hyperlinks(parts, content)
    parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                 'footer="0.3"/>')
    if drawing_rel_id:
        parts.append(f'<drawing r:id="{escape_attribute(drawing_rel_id)}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode()


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
    for row_index, values in enumerate(content.rows, start=1):
        row: list[str] = []
        for column, value in enumerate(values, start=1):
            fill = fills.get((row_index, column)) if fills else None
            style = styles.cell_format(0, bold=True, fill=fill) if row_index == 1 else (
                styles.cell_format(0, fill=fill) if fill is not None else 0)
            cell = cells.text(row_index, column, style, value)
            if cell:
                row.append(cell)
        if row:
            parts.append(f'<row r="{row_index}">')
            parts += row
            parts.append("</row>")
        else:
            parts.append(f'<row r="{row_index}"/>')
    parts.append("</sheetData>")


def _hyperlinks(parts: list[str], content: SheetContent) -> None:
    if not content.hyperlinks:
        return
    parts.append("<hyperlinks>")
    for link in content.hyperlinks:
        parts.append(f'<hyperlink ref="{cell_name(link.row, link.column)}" '
                     f'location="{escape_attribute(link.location.lstrip("#"))}"/>')
    parts.append("</hyperlinks>")

