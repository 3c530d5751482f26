"""The column reader (parse_cells, with its fast path for plain numbers) reads every cell as
parse_value does, units, notes and suppressed values included."""

from __future__ import annotations

import datetime
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_rules.values import KIND_SUPPRESSED, parse_cells, parse_value

UNIT_TEXTS = ["£1.2m", "£450k", "1.2k", "00:03:30", "3:10", "3.5 mins", "5.3 days", "12 weeks",
              "2 hrs", "90 mins", "80%*", "88% (p)", "(r)", "c. 80%", "approx. 80", "~80", "<5",
              "*", "Yes", "No", "(12)", "(£1.2m)", "12 visits", "[c]", "4 minutes (target)",
              "-£1m", "£2.5bn", "5 e", "31,243 visits"]  # fmt: skip
unit_text = st.text(alphabet="0123456789,.%-+ ()£:*<~cpkmbnsdayhrwe[]", max_size=12)
cells = st.one_of(unit_text, st.sampled_from(UNIT_TEXTS), st.integers(), st.booleans(),
                  st.floats(allow_nan=True, allow_infinity=True), st.none(),
                  st.times(), st.timedeltas(min_value=datetime.timedelta(0),
                                            max_value=datetime.timedelta(days=3)))  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(cells, min_size=1, max_size=30))
def test_parse_cells_equals_parse_value(values):
    objects = np.empty(len(values), dtype=object)
    objects[:] = values
    column = parse_cells(objects)
    for i, value in enumerate(values):
        parsed = parse_value(value)
        number = column.numbers[i]
        assert (math.isnan(number) and math.isnan(parsed.number)) or number == parsed.number, value
        assert bool(column.percent[i]) is parsed.percent, value
        assert column.units[i] == parsed.unit, value
        assert column.notes[i] == parsed.note, value
        assert bool(column.suppressed[i]) is (parsed.kind == KIND_SUPPRESSED), value


def test_a_column_of_plain_numbers_carries_no_units():
    column = parse_cells(np.array([1.0, 2.5, np.nan]))
    assert column.units.tolist() == [None, None, None] and not column.suppressed.any()
