"""The DataFrame adapters (`evaluate`, `find_findings`, `attach_notes`, `Columns.to_frame`) equal
the engine's core. pandas is an optional extra (`pip install kpi-addin[pandas]`; `make test`
installs it); without it these tests are skipped and say so."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pd = pytest.importorskip(
    "pandas", reason="pandas is an optional extra (pip install kpi-addin[pandas]): "
                     "the DataFrame adapters are not tested")  # fmt: skip

from kpi_rules import attach_notes, evaluate, find_findings
from kpi_rules.columns import Columns, is_missing
from kpi_rules.findings import table_findings
from kpi_rules.matching import notes_commentary
from kpi_rules.table import OUTPUT_COLUMNS, evaluate_columns
from tests.test_status_properties import PROFILE, tables
from tests.test_status_spec import BASE, LETTERS, OFF


@PROFILE
@given(rows=tables(), references=st.lists(st.sampled_from(["A1", "a 1", "B2", None, 7]),
                                          min_size=25, max_size=25))
def test_columns_core_equals_the_dataframe_api(rows, references):
    for number, (row, reference) in enumerate(zip(rows, references), start=2):
        row["reference"], row["sheet"], row["row"] = reference, "KPIs", number
    frame = pd.DataFrame(rows, dtype=object)
    before = frame.copy()
    columns = {name: np.array(frame[name].tolist() + [None], dtype=object)[:-1] for name in frame}
    from_frame, from_columns = evaluate(frame), evaluate_columns(columns)
    pd.testing.assert_frame_equal(frame, before)  # the input is never changed
    for name in OUTPUT_COLUMNS:
        left, right = from_frame[name].tolist(), from_columns[name].tolist()
        assert [_comparable(v) for v in left] == [_comparable(v) for v in right], name
    letters = {"actual": "D", "target": "E", "reference": "A"}
    as_records = find_findings(from_frame, None, letters).to_dict("records")
    assert [{k: _missing_as_none(v) for k, v in f.items()} for f in as_records] == \
        [f.to_json() for f in table_findings(from_columns, None, letters)]


def test_findings_with_a_repeated_index():
    frame = pd.concat([pd.DataFrame([{**BASE, **OFF, "row": 10}], dtype=object),
                       pd.DataFrame([{**BASE, **OFF, "row": 11, "reference": "HR 02"}],
                                    dtype=object)])  # fmt: skip
    assert list(frame.index) == [0, 0]
    found = find_findings(evaluate(frame), None, LETTERS)
    assert list(found["cell"]) == ["G10", "G11"]


def test_attach_notes_equals_the_core():
    frame = pd.DataFrame([{**BASE, "commentary": "Own words"}, {**BASE, "reference": "HR 02"},
                          {**BASE, "reference": "HR 03"}], dtype=object)  # fmt: skip
    notes = [("HR 01", "From the notes"), ("hr-02", "Explained")]
    attached = attach_notes(frame, pd.DataFrame(notes, columns=["key", "text"]))
    table = Columns({name: frame[name].to_numpy(dtype=object) for name in frame}, len(frame))
    assert attached["commentary"].tolist() == notes_commentary(table, notes).tolist() == \
        ["Own words", "Explained", None]


def test_to_frame_keeps_object_columns_object():
    frame = Columns({"trend": np.array([None, "improving"], dtype=object),
                     "variance": np.array([0.5, math.nan])}).to_frame()  # fmt: skip
    assert frame["trend"].tolist() == [None, "improving"]
    assert frame["variance"].dtype == np.float64


def test_pandas_missing_values_are_missing():
    assert is_missing(pd.NA) and is_missing(pd.NaT)


def _missing_as_none(value):  # a DataFrame shows a missing text as NaN
    return None if isinstance(value, float) and math.isnan(value) else value


def _comparable(value):
    return "NaN" if isinstance(value, float) and math.isnan(value) else value
