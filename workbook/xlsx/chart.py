"""The drawing part and the chart part of the "KPI Summary" sheet (with cached values, so viewers
that do not recalculate still draw it)."""

from __future__ import annotations

from lxml import etree

from kpi_rules.rules import readable_text_colour
from workbook.addresses import column_letter
from workbook.plan.blocks import ChartSpec, SheetContent
from workbook.xlsx.cells import excel_text
from workbook.xlsx.ooxml import NS_A, NS_CHART, NS_DOC_REL, NS_DRAWING, serialize_part

# Data labels show each count; a zero shows nothing (the third section of the format is empty).
LABEL_FORMAT = "0;-0;;"

# -- drawing and chart -------------------------------------------------------------------------
def drawing_xml(chart: ChartSpec, chart_rel_id: str) -> bytes:
    xdr = f"{{{NS_DRAWING}}}"
    a = f"{{{NS_A}}}"
    root = etree.Element(xdr + "wsDr", nsmap={"xdr": NS_DRAWING, "a": NS_A})
    anchor = etree.SubElement(root, xdr + "twoCellAnchor")
    for tag, column, row in (("from", chart.anchor_column, chart.anchor_row),
                             ("to", chart.anchor_column + chart.columns, chart.anchor_row + chart.rows)):
        corner = etree.SubElement(anchor, xdr + tag)
        for name, number in (("col", column - 1), ("colOff", 0), ("row", row - 1), ("rowOff", 0)):
            etree.SubElement(corner, xdr + name).text = str(number)
    frame = etree.SubElement(anchor, xdr + "graphicFrame", macro="")
    properties = etree.SubElement(frame, xdr + "nvGraphicFramePr")
    etree.SubElement(properties, xdr + "cNvPr", id="2", name=chart.title or "Chart 1")
    etree.SubElement(properties, xdr + "cNvGraphicFramePr")
    transform = etree.SubElement(frame, xdr + "xfrm")
    etree.SubElement(transform, a + "off", x="0", y="0")
    etree.SubElement(transform, a + "ext", cx="0", cy="0")
    graphic = etree.SubElement(frame, a + "graphic")
    data = etree.SubElement(graphic, a + "graphicData", uri=NS_CHART)
    etree.SubElement(data, f"{{{NS_CHART}}}chart", {f"{{{NS_DOC_REL}}}id": chart_rel_id},
                     nsmap={"c": NS_CHART, "r": NS_DOC_REL})
    etree.SubElement(anchor, xdr + "clientData")
    return serialize_part(root)


def _absolute(sheet: str, bounds: tuple[int, int, int, int]) -> str:
    top, left, bottom, right = bounds
    quoted = "'" + sheet.replace("'", "''") + "'"
    return (f"{quoted}!${column_letter(left)}${top}:${column_letter(right)}${bottom}")


def _range_values(content: SheetContent, bounds: tuple[int, int, int, int]) -> list:
    top, left, bottom, right = bounds
    values = []
    for row in range(top, bottom + 1):
        for column in range(left, right + 1):
            cells = content.rows[row - 1] if row - 1 < len(content.rows) else []
            values.append(cells[column - 1] if column - 1 < len(cells) else None)
    return values


def chart_xml(content: SheetContent) -> bytes:
    chart = content.chart
    c = f"{{{NS_CHART}}}"
    root = etree.Element(c + "chartSpace", nsmap={"c": NS_CHART, "a": NS_A, "r": NS_DOC_REL})
    chart_element = etree.SubElement(root, c + "chart")
    _title(chart_element, chart.title)
    etree.SubElement(chart_element, c + "autoTitleDeleted", val="0")
    plot = etree.SubElement(chart_element, c + "plotArea")
    etree.SubElement(plot, c + "layout")
    bar = etree.SubElement(plot, c + "barChart")
    etree.SubElement(bar, c + "barDir", val="bar")
    etree.SubElement(bar, c + "grouping", val="percentStacked" if chart.stacked else "clustered")
    etree.SubElement(bar, c + "varyColors", val="0")
    for index, (name, bounds, fill) in enumerate(chart.series):
        series = _series(bar, index, name, fill, content, chart.categories, bounds)
        if chart.stacked:
            _data_labels(series, fill)
    etree.SubElement(bar, c + "gapWidth", val="60" if chart.stacked else "80")
    if chart.stacked:
        etree.SubElement(bar, c + "overlap", val="100")
    etree.SubElement(bar, c + "axId", val="50010001")
    etree.SubElement(bar, c + "axId", val="50010002")
    _axes(plot, "0%" if chart.stacked else None)
    legend = etree.SubElement(chart_element, c + "legend")
    etree.SubElement(legend, c + "legendPos", val="b")
    etree.SubElement(legend, c + "overlay", val="0")
    etree.SubElement(chart_element, c + "plotVisOnly", val="1")
    etree.SubElement(chart_element, c + "dispBlanksAs", val="gap")
    return serialize_part(root)


def _title(chart_element: etree._Element, text: str) -> None:
    c = f"{{{NS_CHART}}}"
    a = f"{{{NS_A}}}"
    title = etree.SubElement(chart_element, c + "title")
    rich = etree.SubElement(etree.SubElement(title, c + "tx"), c + "rich")
    etree.SubElement(rich, a + "bodyPr")
    paragraph = etree.SubElement(rich, a + "p")
    etree.SubElement(etree.SubElement(paragraph, a + "r"), a + "t").text = text  # not ST_Xstring
    etree.SubElement(title, c + "overlay", val="0")


def _series(bar, index, name, fill, content, categories, values_bounds) -> None:
    c = f"{{{NS_CHART}}}"
    a = f"{{{NS_A}}}"
    series = etree.SubElement(bar, c + "ser")
    etree.SubElement(series, c + "idx", val=str(index))
    etree.SubElement(series, c + "order", val=str(index))
    etree.SubElement(etree.SubElement(series, c + "tx"), c + "v").text = excel_text(name)
    shape = etree.SubElement(series, c + "spPr")
    solid = etree.SubElement(shape, a + "solidFill")
    etree.SubElement(solid, a + "srgbClr", val=fill.lstrip("#").upper())
    etree.SubElement(series, c + "invertIfNegative", val="0")
    category_ref = etree.SubElement(etree.SubElement(series, c + "cat"), c + "strRef")
    etree.SubElement(category_ref, c + "f").text = _absolute(content.name, categories)
    _cache(category_ref, c + "strCache", _range_values(content, categories), numeric=False)
    value_ref = etree.SubElement(etree.SubElement(series, c + "val"), c + "numRef")
    etree.SubElement(value_ref, c + "f").text = _absolute(content.name, values_bounds)
    _cache(value_ref, c + "numCache", _range_values(content, values_bounds), numeric=True)
    return series


def _data_labels(series, fill: str) -> None:
    """The count on each bar segment, in black or white (whichever reads on the fill)."""
    c = f"{{{NS_CHART}}}"
    a = f"{{{NS_A}}}"
    labels = etree.Element(c + "dLbls")
    series.find(c + "invertIfNegative").addnext(labels)  # CT_BarSer's order
    etree.SubElement(labels, c + "numFmt", formatCode=LABEL_FORMAT, sourceLinked="0")
    text = etree.SubElement(labels, c + "txPr")
    etree.SubElement(text, a + "bodyPr")
    etree.SubElement(text, a + "lstStyle")
    paragraph = etree.SubElement(text, a + "p")
    properties = etree.SubElement(etree.SubElement(paragraph, a + "pPr"), a + "defRPr", b="1")
    colour = readable_text_colour(fill).lstrip("#")
    etree.SubElement(etree.SubElement(properties, a + "solidFill"), a + "srgbClr", val=colour)
    etree.SubElement(paragraph, a + "endParaRPr", lang="en-GB")
    etree.SubElement(labels, c + "dLblPos", val="ctr")
    for name, value in (("showLegendKey", "0"), ("showVal", "1"), ("showCatName", "0"),
                        ("showSerName", "0"), ("showPercent", "0"), ("showBubbleSize", "0")):
        etree.SubElement(labels, c + name, val=value)


def _cache(parent, tag, values, numeric) -> None:
    c = f"{{{NS_CHART}}}"
    cache = etree.SubElement(parent, tag)
    if numeric:
        etree.SubElement(cache, c + "formatCode").text = "General"
    etree.SubElement(cache, c + "ptCount", val=str(len(values)))
    for index, value in enumerate(values):
        if value is None or (numeric and not isinstance(value, (int, float))):
            continue
        point = etree.SubElement(cache, c + "pt", idx=str(index))
        etree.SubElement(point, c + "v").text = str(value) if numeric else excel_text(str(value))


def _axes(plot, value_format: str | None) -> None:
    c = f"{{{NS_CHART}}}"
    category = etree.SubElement(plot, c + "catAx")
    etree.SubElement(category, c + "axId", val="50010001")
    etree.SubElement(etree.SubElement(category, c + "scaling"), c + "orientation", val="maxMin")
    etree.SubElement(category, c + "delete", val="0")
    etree.SubElement(category, c + "axPos", val="l")
    etree.SubElement(category, c + "tickLblPos", val="nextTo")
    etree.SubElement(category, c + "crossAx", val="50010002")
    etree.SubElement(category, c + "crosses", val="autoZero")
    value = etree.SubElement(plot, c + "valAx")
    etree.SubElement(value, c + "axId", val="50010002")
    etree.SubElement(etree.SubElement(value, c + "scaling"), c + "orientation", val="minMax")
    etree.SubElement(value, c + "delete", val="0")
    etree.SubElement(value, c + "axPos", val="b")
    etree.SubElement(value, c + "majorGridlines")
    etree.SubElement(value, c + "numFmt", formatCode=value_format or "General",
                     sourceLinked="0" if value_format else "1")
    etree.SubElement(value, c + "tickLblPos", val="nextTo")
    etree.SubElement(value, c + "crossAx", val="50010001")
    etree.SubElement(value, c + "crosses", val="max")
