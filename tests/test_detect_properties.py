"""Whatever grid the add-in sends, checking it gives a result or one LayoutError, never a crash."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_rules import default_rules
from workbook.check import check_grids
from workbook.read.grid import Grid
from workbook.read.tables import LayoutError

WORDS = ["Ref", "Indicator", "Actual", "Target", "Q1", "Q2 2024/25", "Previous", "Polarity",
         "Bigger", "smaller", "Status", "On target", "Off target", "Commentary", "HR", "01. Thing",
         "CSP 01. % Calls", "N/A", "New", "TBC", "-", "35%", " 87 % ", "31,243", "#N/A", "", " "]  # fmt: skip
CELL = st.one_of(
    st.none(), st.sampled_from(WORDS), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10**6, 10**6), st.booleans(), st.text(max_size=12),
)  # fmt: skip
ROWS = st.lists(st.lists(CELL, max_size=8), max_size=14)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_any_grid_is_checked_or_refused_in_one_line(rows):
    grids = {"Sheet1": Grid("Sheet1", rows)}
    try:
        check = check_grids(grids, default_rules(), "book.xlsx")
    except LayoutError as exc:
        assert "\n" not in str(exc)
        return
    document = check.to_json()
    json.dumps(document, allow_nan=False)  # plain JSON: no NaN, no numpy types
    assert len(document["indicators"]) == sum(len(t.data_rows) for t in check.tables)
    header_rows = {(t.sheet, t.header_row) for t in check.tables}
    assert all((i["sheet"], i["row"]) not in header_rows for i in document["indicators"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS[:12]), min_size=2, max_size=8), ROWS)
def test_a_header_above_random_rows_is_never_a_crash(header, rows):
    grids = {"KPIs": Grid("KPIs", [header, *rows])}
    try:
        check_grids(grids, default_rules(), "book.xlsx")
    except LayoutError:
        pass
