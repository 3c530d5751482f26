"""The summary chart: one stacked bar per section (or directorate), drawn by matplotlib as a PNG.

Colour is not the only carrier: each status also has its own hatching, each segment is labelled
with its count, and the legend runs in the order the segments are stacked. Only the Agg backend
is used (no display), through matplotlib's object API so no global pyplot state is touched.
"""

from __future__ import annotations

import io

from workbook.pack.content import KeyEntry, SummaryRow

HATCHES = {"on": "", "within": "//", "off": "xx", "none": ".."}
DPI = 150
# Bars in one picture of the .docx: 0.9 + 0.3 * 16 inches tall, which leaves room for a heading
# on an A4 landscape page.
ROWS_PER_PICTURE = 16


def summary_chart(rows: list[SummaryRow], key: tuple[KeyEntry, ...],
                  widest: int | None = None) -> bytes:
    """PNG bytes of a horizontal stacked bar per row, top to bottom in the rows' order. The axis
    runs to `widest` indicators (the default: the longest bar), so that the parts of a chart
    split over several pictures share one scale."""
    from matplotlib.figure import Figure

    height = 0.9 + 0.3 * len(rows)
    figure = Figure(figsize=(10.0, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    names = [_short(row.name) for row in rows]
    positions = list(range(len(rows)))
    left = [0] * len(rows)
    for entry in key:
        counts = [row.counts[entry.code] for row in rows]
        bars = axes.barh(positions, counts, left=left, color=entry.colour, edgecolor="#404040",
                         linewidth=0.6, hatch=HATCHES.get(entry.code, ""), label=entry.label)
        labels = [str(n) if n else "" for n in counts]
        axes.bar_label(bars, labels=labels, label_type="center", color=entry.text_colour,
                       fontsize=9, fontweight="bold",
                       bbox={"boxstyle": "round,pad=0.15", "facecolor": entry.colour,
                             "edgecolor": "none"})
        left = [a + b for a, b in zip(left, counts)]
    axes.set_yticks(positions, labels=names)
    axes.set_xlim(0, max(widest or 0, *(row.total for row in rows), 1) * 1.02)
    axes.invert_yaxis()  # first section at the top, as in the table
    axes.set_xlabel("Number of indicators")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(key), frameon=False,
                fontsize=9)
    output = io.BytesIO()
    figure.savefig(output, format="png", metadata={"Software": None})
    return output.getvalue()


def chart_parts(rows: list[SummaryRow], size: int = ROWS_PER_PICTURE) -> list[list[SummaryRow]]:
    """The rows split into pictures of at most `size` bars, as evenly as possible (40
    directorates: 14, 13 and 13), so that no picture is taller than a page."""
    count = max(1, -(-len(rows) // size))
    step = -(-len(rows) // count)
    return [rows[i:i + step] for i in range(0, len(rows), step)] or [rows]


def chart_description(rows: list[SummaryRow], key: tuple[KeyEntry, ...], what: str) -> str:
    """The chart's text alternative: what it shows, with every figure."""
    parts = []
    for row in rows:
        counts = ", ".join(f"{row.counts[e.code]} {e.label}" for e in key if row.counts[e.code])
        parts.append(f"{row.name}: {counts or 'no indicators'}")
    return f"Stacked bar chart of indicators by status for each {what}. " + "; ".join(parts) + "."


def _short(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
