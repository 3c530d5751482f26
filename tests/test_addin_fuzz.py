"""Fuzz both endpoints the Office.js client calls, over real HTTP: 1,000 generated cell-function
calls and 1,000 generated button requests, none of which may get a 5xx or drop the connection.

Bodies are mostly well formed with odd values (so that they reach the cell functions and the
scripts), the rest broken in one or two fields. Some carry numbers no JSON encoder of ours would
write: an integer of 5,000 digits, 10**400, 1e400, NaN (the known 500s of issue 12). A button's
answer, when it is an alert, must not quote Python ("object of type 'bool' has no len()").

The server runs the buttons in its web process (`--workers 0`): the same checks and the same
script code as in a worker, without the pool's hand-over, which tests/test_addin_http.py and
tests/test_addin_service.py exercise.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.addin_support import ServerFailed, book_json, function_call, running_server

CALL = "/xlwings/custom-functions-call"
FUNCTIONS = ["kpi_status", "kpi_rag", "kpi_variance", "kpi_variance_pct", "kpi_trend"]
SCRIPTS = ["refresh_statuses", "validate_commentary", "summary"]
ARITY = {"kpi_status": 5, "kpi_rag": 5, "kpi_variance": 2, "kpi_variance_pct": 2, "kpi_trend": 3}
JSON_HEADERS = {"Content-Type": "application/json"}
# Numbers spliced into the JSON text in place of a value.
RAW_NUMBERS = ["1" * 5000, "-" + "9" * 4301, "1" + "0" * 400, "1e400", "-1e400", "NaN",
               "Infinity", "1e308", "4.9e-324", "12345678901234567890123"]
PLACEHOLDER = "\u0000raw\u0000"
PYTHON_WORDS = re.compile(r"object of type|has no len|has no attribute|not subscriptable|"
                          r"unsupported operand|NoneType|Traceback|index out of range|"
                          r"KeyError|TypeError|ValueError|AttributeError")

json_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.just(PLACEHOLDER)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
cells = json_scalars | st.fixed_dictionaries(
    {"type": st.sampled_from(["Error", "Double", "FormattedNumber", "x"]), "basicValue": json_scalars})
matrices = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=5))
words = st.sampled_from(["Bigger", "Smaller", "relative", "points", "percentage points", "", "10%",
                         "TBC", "N/A", "#N/A", "35%", "1e400", "-", "Lower is better"])


def encode(body, draw) -> bytes:
    """The body as JSON text, each placeholder replaced by one of RAW_NUMBERS."""
    text = json.dumps(body)
    quoted = json.dumps(PLACEHOLDER)
    while quoted in text:
        text = text.replace(quoted, draw(st.sampled_from(RAW_NUMBERS)), 1)
    return text.encode()


@st.composite
def function_bodies(draw) -> bytes:
    name = draw(st.sampled_from([*FUNCTIONS, "nope", "", "cf", "_guard"]))
    kind = draw(st.sampled_from(["cells", "columns", "words", "anything"]))
    count = draw(st.integers(2, ARITY.get(name, 3)))
    if kind == "cells":
        args = [[[draw(cells)]] for _ in range(count)]
    elif kind == "words":
        args = [[[draw(json_scalars)]], [[draw(json_scalars)]]] + \
            [[[draw(words | json_scalars)]] for _ in range(count - 2)]
    elif kind == "columns":
        height = draw(st.integers(1, 6))
        args = [draw(st.lists(st.lists(cells, min_size=1, max_size=1), min_size=height,
                              max_size=height) | st.builds(lambda c: [[c]], cells))
                for _ in range(count)]
    else:
        args = draw(st.lists(matrices | json_values, max_size=6))
    body = function_call(name, *args)
    if kind == "anything" or draw(st.integers(0, 9)) == 0:
        for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=3, unique=True)):
            if draw(st.booleans()):
                del body[key]
            else:
                body[key] = draw(json_values)
    return encode(body, draw)


@st.composite
def script_bodies(draw) -> tuple[str, bytes]:
    sheets = {draw(st.text(min_size=1, max_size=6)): draw(matrices)
              for _ in range(draw(st.integers(1, 3)))}
    if draw(st.booleans()):  # a KPI table, so that the scripts have something to do
        sheets["KPIs"] = [["Ref", "Actual", "Target", "Polarity", "Commentary"]] + [
            [f"A{i}", draw(json_scalars), draw(json_scalars), draw(words), draw(json_scalars)]
            for i in range(draw(st.integers(1, 5)))]
    body = book_json(sheets)
    broken = draw(st.integers(0, 3))
    if broken == 1:
        for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True)):
            if draw(st.booleans()):
                del body[key]
            else:
                body[key] = draw(json_values)
    elif broken == 2:
        sheet = draw(st.sampled_from(body["sheets"]))
        key = draw(st.sampled_from(sorted(sheet)))
        sheet[key] = draw(json_values)
    elif broken == 3:
        key = draw(st.sampled_from(sorted(body["book"])))
        body["book"][key] = draw(json_values)
    script = draw(st.sampled_from([*SCRIPTS, "unknown", "__init__", "book_actions"]))
    return script, encode(body, draw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("fuzz") / "serve.log"
    try:
        with running_server(log_path, args=("--workers", "0")) as base, \
                httpx.Client(base_url=base, timeout=60) as client:
            yield client
    except ServerFailed as exc:
        pytest.fail(str(exc))


FUZZ = settings(max_examples=1000, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


@FUZZ
@given(body=function_bodies())
def test_fuzz_function_calls_never_5xx(server, body):
    response = server.post(CALL, content=body, headers=JSON_HEADERS)
    assert response.status_code < 500, (body[:300], response.text)
    if response.status_code >= 400:
        assert response.text.strip() and "\n" not in response.text.strip()


@FUZZ
@given(call=script_bodies())
def test_fuzz_script_calls_never_5xx_nor_python_words(server, call):
    script, body = call
    response = server.post(f"/xlwings/custom-scripts-call/{script}", content=body,
                           headers=JSON_HEADERS)
    assert response.status_code < 500, (script, body[:300], response.text)
    if response.status_code >= 400:
        assert response.text.strip() and "\n" not in response.text.strip()
        return
    alerts = [a["args"][0] for a in response.json()["actions"] if a["func"] == "alert"]
    assert len(alerts) == 1
    assert not PYTHON_WORDS.search(alerts[0]), alerts[0]


@pytest.mark.parametrize("raw", RAW_NUMBERS[:6])
def test_the_known_500s_are_400s(server, raw):
    """Issue 12's cases: a tolerance of 10**400 and any integer of over 4,300 digits."""
    body = json.dumps(function_call("kpi_status", [[72]], [[80]], [[None]], PLACEHOLDER))
    response = server.post(CALL, content=body.replace(json.dumps(PLACEHOLDER), raw),
                           headers=JSON_HEADERS)
    assert response.status_code == 400, response.text
    assert "Argument 4" in response.text or "not valid JSON" in response.text
    script = json.dumps(book_json({"KPIs": [["Ref", "Actual", "Target"], ["A1", 5, PLACEHOLDER]]}))
    response = server.post("/xlwings/custom-scripts-call/refresh_statuses",
                           content=script.replace(json.dumps(PLACEHOLDER), raw),
                           headers=JSON_HEADERS)
    assert response.status_code == 400, response.text
