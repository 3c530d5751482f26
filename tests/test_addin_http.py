"""End to end over real HTTP: `kpi serve` on a loopback port, called the way the Office.js client
calls it (custom-functions-call, custom-scripts-call/{script}, manifest, ribbon JS)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import httpx
import pytest

from kpi_rules import default_rules
from tests.action_replay import plans, replay_file
from tests.addin_support import (
    KPI_SHEET,
    REPO,
    ServerFailed,
    book_json,
    cell,
    column,
    formats_from_xlsx,
    function_call,
    grids_from_xlsx,
    make_kpi_workbook,
    running_server,
)

RULES = default_rules()
ON, WITHIN, OFF, NONE = (RULES.label(code) for code in ("on", "within", "off", "none"))
FUNCTIONS = {"STATUS": "kpi_status", "RAG": "kpi_rag", "VARIANCE": "kpi_variance",
             "VARIANCE_PCT": "kpi_variance_pct", "TREND": "kpi_trend"}
SCRIPTS = {"kpi-refresh-statuses": "refresh_statuses",
           "kpi-validate-commentary": "validate_commentary", "kpi-summary": "summary"}
CALL = "/xlwings/custom-functions-call"
CLOSE = {"Connection": "close"}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`python -m kpi_cli.main serve` on a free loopback port; stopped at the end of the session."""
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    try:
        with running_server(log_path) as base, httpx.Client(base_url=base, timeout=60) as client:
            yield client
    except ServerFailed as exc:
        pytest.fail(str(exc))


def call(server, name, *args):
    response = server.post(CALL, json=function_call(name, *args))
    assert response.status_code == 200, response.text
    return response.json()["result"]


# --- manifest and ribbon JS --------------------------------------------------------------------------

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
XSI_TYPE = f"{{{NS['xsi']}}}type"


def _tag(prefix, name):
    return f"{{{NS[prefix]}}}{name}"


def _strings(root):
    return {s.get("id"): s.get("DefaultValue") for s in root.iter(_tag("bt", "String"))}


def test_manifest_has_kpi_tab_buttons_and_namespace(server):
    response = server.get("/manifest.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    strings = _strings(root)
    tabs = list(root.iter(_tag("v", "CustomTab")))
    assert len(tabs) == 1
    assert strings[tabs[0].find("v:Label", NS).get("resid")] == "KPI"
    buttons, panes = {}, []
    for control in tabs[0].iter(_tag("v", "Control")):
        action = control.find("v:Action", NS)
        label = strings[control.find("v:Label", NS).get("resid")]
        if action.get(XSI_TYPE) == "ShowTaskpane":  # the task pane: the page the runtime is
            location = action.find("v:SourceLocation", NS).get("resid")
            panes.append((label, location, strings[action.find("v:Title", NS).get("resid")]))
            continue
        assert action.get(XSI_TYPE) == "ExecuteFunction"
        buttons[action.find("v:FunctionName", NS).text] = label
    assert buttons == {"kpi-refresh-statuses": "Refresh statuses",
                       "kpi-validate-commentary": "Validate commentary", "kpi-summary": "Summary"}
    assert panes == [("Open pane", "Taskpane.Url", "KPI checks")]  # titled with the add-in's name
    namespace = next(root.iter(_tag("v", "Namespace")))
    assert strings[namespace.get("resid")] == "KPI"
    assert root.find("o:Id", NS).text != "4f342d85-3a49-41cb-90a5-37b1f2219040"  # not xlwings'


def test_ribbon_js_binds_each_button_to_its_script(server):
    js = server.get("/static/js/ribbon.js").text
    bound = dict(re.findall(r'Office\.actions\.associate\("([\w-]+)",\s*(\w+)\)', js))
    assert set(bound) == set(SCRIPTS)
    for action_id, function in bound.items():
        pattern = r"async function " + function + r"\(event\)\s*{(.*?)}"
        body = re.search(pattern, js, re.DOTALL).group(1)
        assert f'runKpiScript("{SCRIPTS[action_id]}", event)' in body
    assert "xlwings.runPython" in js and "event.completed()" in js
    meta = server.get("/xlwings/custom-scripts-meta").json()
    assert {m["function_name"] for m in meta} == set(SCRIPTS.values())
    assert "/static/js/ribbon.js" in server.get("/taskpane.html").text


def test_functions_meta_names_under_kpi(server):
    meta = server.get("/xlwings/custom-functions-meta").json()
    by_name = {f["name"]: f for f in meta["functions"]}
    assert set(by_name) == set(FUNCTIONS)
    for name, python_name in FUNCTIONS.items():
        assert by_name[name]["id"] == python_name.upper()
    status = [(p["name"], p.get("optional", False)) for p in by_name["STATUS"]["parameters"]]
    assert status == [("actual", False), ("target", False), ("polarity", True),
                      ("tolerance", True), ("mode", True)]
    trend = [p["name"] for p in by_name["TREND"]["parameters"]]
    assert trend == ["current", "previous", "polarity"]
    polarity = by_name["STATUS"]["parameters"][2]["description"].lower()
    assert "bigger is better" in polarity
    code = server.get("/xlwings/custom-functions-code").text
    for python_name in FUNCTIONS.values():
        assert f'CustomFunctions.associate("{python_name.upper()}", {python_name});' in code


# --- custom functions ------------------------------------------------------------------------------


def test_scalar_calls(server):
    assert call(server, "kpi_status", cell(72), cell(80)) == [[WITHIN]]
    assert call(server, "kpi_status", cell(5), cell(4), cell("Smaller is better")) == [[OFF]]
    assert call(server, "kpi_rag", cell(85), cell(80), cell(None), cell(None), cell(None)) == [["G"]]
    assert call(server, "kpi_variance", cell(72), cell(80)) == [[-8]]
    assert call(server, "kpi_variance_pct", cell(72), cell(0)) == [[""]]
    assert call(server, "kpi_trend", cell(3), cell(4), cell("Lower")) == [["Improving"]]


def test_markers_and_excel_errors_are_not_assessed(server):
    na = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    for value in ("TBC", "N/A", "-", "", None, na):
        assert call(server, "kpi_status", cell(value), cell(80)) == [[NONE]], value


def test_ten_row_columns(server):
    actual = [80, 72, 10, "TBC", None, "35%", 0.2, 5, 4, 3]
    target = [80, 80, 80, 80, 80, 0.35, 0.1, 4, 4, 4]
    polarity = ["Bigger"] * 7 + ["Smaller"] * 3
    got = call(server, "kpi_status", column(actual), column(target), column(polarity))
    assert got == [[ON], [WITHIN], [OFF], [NONE], [NONE], [ON], [ON], [OFF], [ON], [ON]]
    rag = call(server, "kpi_rag", column(actual), column(target), column(polarity))
    assert [r[0] for r in rag] == ["G", "A", "R", "", "", "G", "G", "R", "G", "G"]
    variance = call(server, "kpi_variance", column(actual), column(target))
    assert len(variance) == 10 and variance[0] == [0] and variance[3] == [""]
    trend = call(server, "kpi_trend", column(actual), column(target), column(polarity))
    assert trend[1] == ["Worsening"] and trend[7] == ["Worsening"] and trend[9] == ["Improving"]


def test_scalars_broadcast_and_rows_count_as_lines(server):
    got = call(server, "kpi_status", column([80, 72, 10]), cell(80), cell("Bigger"), cell(0.05))
    assert got == [[ON], [OFF], [OFF]]
    assert call(server, "kpi_rag", [[85, 75, 10]], cell(80)) == [["G"], ["A"], ["R"]]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((column([1, 2]), column([1, 2, 3])), "same height"),
        ((cell(1), cell(2), cell("Bigger"), cell(0.1), cell("percent")), "mode"),
        ((cell(1), cell(2), cell("Bigger"), cell("lots")), "tolerance"),
        (([[1, 2], [3, 4]], cell(2)), "single column or row"),
    ],
)
def test_bad_cell_input_is_400_with_the_message(server, args, words):
    response = server.post(CALL, json=function_call("kpi_status", *args), headers=CLOSE)
    assert response.status_code == 400
    assert words in response.text and "Traceback" not in response.text


# --- ribbon scripts ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kpi_book(tmp_path_factory):
    path = make_kpi_workbook(tmp_path_factory.mktemp("book") / "kpis.xlsx")
    return path, grids_from_xlsx(path)


def test_refresh_script_returns_one_plan_that_writes_statuses(server, kpi_book, tmp_path):
    path, grids = kpi_book
    body = {**book_json(grids), "args": [formats_from_xlsx(path)]}
    response = server.post("/xlwings/custom-scripts-call/refresh_statuses", json=body)
    assert response.status_code == 200, response.text
    actions = response.json()["actions"]
    assert [a["func"] for a in actions] == ["runMacro", "runMacro", "alert"] and len(plans(actions)) == 1
    alerts = replay_file(path, actions, tmp_path / "replayed.xlsx")
    assert alerts[0].startswith("Refreshed 6 indicators")
    replayed = grids_from_xlsx(tmp_path / "replayed.xlsx")
    header = replayed[KPI_SHEET][3]
    statuses = [row[header.index("KPI status")] for row in replayed[KPI_SHEET][4:10]]
    assert statuses == [WITHIN, WITHIN, OFF, ON, WITHIN, NONE]
    # The number formats came with the request: a percentage's variance is in points.
    variances = [row[header.index("KPI variance")] for row in replayed[KPI_SHEET][4:10]]
    assert variances[1] == -3 and variances[2] == -20


@pytest.mark.parametrize(("script", "sheet"), [("validate_commentary", "KPI Validation"),
                                               ("summary", "KPI Summary")])
def test_validate_and_summary_scripts(server, kpi_book, script, sheet):
    _, grids = kpi_book
    response = server.post(f"/xlwings/custom-scripts-call/{script}", json=book_json(grids))
    assert response.status_code == 200, response.text
    actions = response.json()["actions"]
    assert [owned["name"] for owned in plans(actions)[0]["owned"]] == [sheet]
    assert actions[-1]["func"] == "alert" and sheet in actions[-1]["args"][0]


def test_scripts_never_read_the_sheets_they_rewrite(server):
    meta = server.get("/xlwings/custom-scripts-meta.json").json()
    assert {m["function_name"]: m["exclude"] for m in meta} == {
        name: "KPI Validation,KPI Summary" for name in ("refresh_statuses", "summary", "validate_commentary")}


def test_book_without_kpi_table_gets_a_message_not_an_error(server):
    body = book_json({"Sheet1": [["hello", "world"]]})
    response = server.post("/xlwings/custom-scripts-call/refresh_statuses", json=body)
    assert response.status_code == 200, response.text
    actions = response.json()["actions"]
    assert actions[-1]["func"] == "alert"
    assert "Traceback" not in actions[-1]["args"][0]


# --- malformed requests -----------------------------------------------------------------------------------


def _valid_function_body():
    return function_call("kpi_status", cell(72), cell(80))


MALFORMED_FUNCTION_BODIES = [
    b"", b"not json", b"[1, 2, 3]", b'"text"', b"null", b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000,
    json.dumps({k: v for k, v in _valid_function_body().items() if k != "func_name"}).encode(),
    json.dumps({k: v for k, v in _valid_function_body().items() if k != "args"}).encode(),
    json.dumps({k: v for k, v in _valid_function_body().items() if k != "version"}).encode(),
    json.dumps({k: v for k, v in _valid_function_body().items() if k != "runtime"}).encode(),
    json.dumps({**_valid_function_body(), "func_name": "no_such_function"}).encode(),
    json.dumps({**_valid_function_body(), "func_name": "cf"}).encode(),
    json.dumps({**_valid_function_body(), "func_name": ["kpi_status"]}).encode(),
    json.dumps({**_valid_function_body(), "args": "72"}).encode(),
    json.dumps({**_valid_function_body(), "args": []}).encode(),
    json.dumps({**_valid_function_body(), "args": [[[1]]] * 9}).encode(),
    json.dumps({**_valid_function_body(), "args": [[[{"x": 1}]], [[80]]]}).encode(),
    json.dumps({**_valid_function_body(), "args": [[[{"type": "Error"}]], [[80]]]}).encode(),
    json.dumps({**_valid_function_body(), "args": [[], [[80]]]}).encode(),
    json.dumps({**_valid_function_body(), "args": [[[1], [2, 3]], [[80]]]}).encode(),
    json.dumps({**_valid_function_body(), "runtime": "abc"}).encode(),
    json.dumps({**_valid_function_body(), "client": "Python", "version": "0.0.1"}).encode(),
    json.dumps({**_valid_function_body(), "caller_address": 5}).encode(),
]


@pytest.mark.parametrize("body", MALFORMED_FUNCTION_BODIES, ids=range(len(MALFORMED_FUNCTION_BODIES)))
def test_malformed_function_calls_get_4xx_with_a_message(server, body):
    response = server.post(CALL, content=body,
                           headers={**CLOSE, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.text.strip() and "Traceback" not in response.text


def _valid_script_body():
    return book_json({"Sheet1": [["Ref", "Actual", "Target"], ["A", 1, 2]]})


def _without(data, *path):
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


MALFORMED_SCRIPT_CALLS = [
    ("refresh_statuses", b""),
    ("refresh_statuses", b"{not json"),
    ("refresh_statuses", b"[]"),
    ("refresh_statuses", json.dumps(_without(_valid_script_body(), "sheets")).encode()),
    ("refresh_statuses", json.dumps(_without(_valid_script_body(), "book")).encode()),
    ("refresh_statuses", json.dumps(_without(_valid_script_body(), "version")).encode()),
    ("refresh_statuses", json.dumps(_without(_valid_script_body(), "book", "active_sheet_index")).encode()),
    ("refresh_statuses", json.dumps(_without(_valid_script_body(), "sheets", 0, "values")).encode()),
    ("refresh_statuses", json.dumps({**_valid_script_body(), "sheets": []}).encode()),
    ("refresh_statuses", json.dumps({**_valid_script_body(), "sheets": [1, 2]}).encode()),
    ("refresh_statuses", json.dumps({**_valid_script_body(), "names": "x"}).encode()),
    ("refresh_statuses", json.dumps({**_valid_script_body(), "args": [{}, 1]}).encode()),
    ("refresh_statuses", json.dumps({**_valid_script_body(), "args": "x"}).encode()),
    ("refresh_statuses", json.dumps({**_valid_script_body(),
                                     "book": {"name": "b", "active_sheet_index": 7}}).encode()),
    ("no_such_script", json.dumps(_valid_script_body()).encode()),
    ("xw", json.dumps(_valid_script_body()).encode()),
    ("book_actions", json.dumps(_valid_script_body()).encode()),
    ("__init__", json.dumps(_valid_script_body()).encode()),
]


@pytest.mark.parametrize(("script", "body"), MALFORMED_SCRIPT_CALLS,
                         ids=range(len(MALFORMED_SCRIPT_CALLS)))
def test_malformed_script_calls_get_4xx_with_a_message(server, script, body):
    response = server.post(f"/xlwings/custom-scripts-call/{script}", content=body,
                           headers={**CLOSE, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.text.strip() and "Traceback" not in response.text


def test_form_posts_and_huge_payloads_are_refused(server):
    form = server.post("/xlwings/custom-scripts-call/summary", data={"bookData": "{"},
                       headers=CLOSE)
    assert form.status_code == 415
    huge = b'{"client": "Office.js", "pad": "' + b"x" * (17 * 2**20) + b'"}'
    response = server.post(CALL, content=huge, headers={**CLOSE, "Content-Type": "application/json"})
    assert response.status_code == 413 and "MB" in response.text


# --- the add-in and `kpi refresh` agree ---------------------------------------------------------


def _shown_fill_by_conditional_format(sheet, cell) -> str | None:
    """The fill a cellIs-equal conditional format gives this cell, as a spreadsheet shows it."""
    for rules in sheet.conditional_formatting:
        if cell.coordinate not in rules.sqref:
            continue
        for rule in rules.rules:
            if rule.type == "cellIs" and rule.operator == "equal" and \
                    rule.formula[0] == '"' + str(cell.value).replace('"', '""') + '"':
                return rule.dxf.fill.bgColor.rgb[-6:].upper()
    return None


def test_addin_refresh_over_http_matches_kpi_refresh_cell_by_cell(server, kpi_book, tmp_path):
    import openpyxl

    path, grids = kpi_book
    cli_out = tmp_path / "cli.xlsx"
    done = subprocess.run([sys.executable, "-m", "kpi_cli.main", "refresh", str(path), "-o", str(cli_out)],
                          check=False, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    body = {**book_json(grids), "args": [formats_from_xlsx(path)]}
    response = server.post("/xlwings/custom-scripts-call/refresh_statuses", json=body)
    assert response.status_code == 200, response.text
    replay_file(path, response.json()["actions"], tmp_path / "addin.xlsx")

    cli_book, addin_book = openpyxl.load_workbook(cli_out), openpyxl.load_workbook(tmp_path / "addin.xlsx")
    cli_sheet, addin_sheet = cli_book[KPI_SHEET], addin_book[KPI_SHEET]
    assert cli_sheet.max_row == addin_sheet.max_row and cli_sheet.max_column == addin_sheet.max_column
    status_column = [c.value for c in cli_sheet[4]].index("KPI status") + 1
    statuses_seen = set()
    for row in range(1, cli_sheet.max_row + 1):
        for col in range(1, cli_sheet.max_column + 1):
            cli_cell, addin_cell = cli_sheet.cell(row, col), addin_sheet.cell(row, col)
            assert cli_cell.value == addin_cell.value, cli_cell.coordinate
            if col == status_column and row > 4 and cli_cell.value:
                shown = _shown_fill_by_conditional_format(cli_sheet, cli_cell)
                assert shown is not None, cli_cell.coordinate
                assert shown == _shown_fill_by_conditional_format(addin_sheet, addin_cell), cli_cell.coordinate
                statuses_seen.add(cli_cell.value)
    assert statuses_seen == {ON, WITHIN, OFF, NONE}  # every colour was compared
    assert addin_book.sheetnames == cli_book.sheetnames
