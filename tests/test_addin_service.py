"""What the add-in backend refuses and how long it waits (issue 12): Excel's limits and ours,
the JSON-only rule, slow clients, the script timeout, the manifest's host and the warning
for a non-loopback address."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from types import SimpleNamespace

import httpx
import pytest

from addin.service import script_pool
from addin.service.guard import Guard, read_body, script_params
from addin.service.limits import Limits, LimitsError
from addin.service.requests import BadRequest, ScriptParams, check_function_call, check_script_call
from kpi_cli import main as cli
from kpi_cli.serve import exposure_warnings, is_loopback
from tests.addin_support import ServerFailed, book_json, function_call, running_server

FUNCTIONS = {"kpi_status": {"args": [{}, {}, {"optional": 1}, {"optional": 1}, {"optional": 1}]}}
SCRIPTS = {"refresh_statuses": ScriptParams(0, ())}
JSON_HEADERS = {"Content-Type": "application/json"}


def refused(check, *args) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        check(*args)
    message = caught.value.message
    assert message and "\n" not in message and len(message) <= 200
    return caught.value


def body(data) -> bytes:
    return json.dumps(data).encode()


# --- caps ----------------------------------------------------------------------------------------


def test_a_range_wider_than_excel_is_413():
    wide = body(function_call("kpi_status", [[1] * 16_385], [[80]]))
    error = refused(check_function_call, wide, FUNCTIONS, Limits())
    assert error.status == 413 and "16,385 columns" in error.message


def test_a_sheet_taller_than_excel_is_413():
    tall = body(book_json({"KPIs": [[1]] * 1_048_577}))
    error = refused(check_script_call, tall, "refresh_statuses", SCRIPTS, Limits())
    assert error.status == 413 and "1,048,577 rows" in error.message


def test_cells_over_the_function_limit_are_413_naming_the_setting():
    call = body(function_call("kpi_status", [[1]] * 30, [[80]] * 30))
    assert check_function_call(call, FUNCTIONS, Limits(function_cells=60)).func_name == "kpi_status"
    error = refused(check_function_call, call, FUNCTIONS, Limits(function_cells=59))
    assert error.status == 413 and "KPI_MAX_FUNCTION_CELLS" in error.message


def test_a_sheet_over_the_cell_limit_is_413_naming_the_sheet():
    book = body(book_json({"Small": [[1, 2]], "Big KPIs": [[1] * 10] * 11}))
    error = refused(check_script_call, book, "refresh_statuses", SCRIPTS, Limits(sheet_cells=100))
    assert error.status == 413 and "Big KPIs" in error.message and "KPI_MAX_SHEET_CELLS" in error.message
    assert check_script_call(book, "refresh_statuses", SCRIPTS, Limits(sheet_cells=110))


@pytest.mark.parametrize(("raw", "words"), [
    ("1" + "0" * 400, "Argument 4"),  # a tolerance of 10**400
    ("7" * 4301, "not valid JSON"),  # Python's own json would stop at 4,300 digits
    ("1e400", "Argument 4"), ("NaN", "Argument 4"),
])
def test_numbers_excel_cannot_hold_are_400(raw, words):
    text = json.dumps(function_call("kpi_status", [[72]], [[80]], [[None]], "X"))
    error = refused(check_function_call, text.replace('"X"', raw).encode(), FUNCTIONS, Limits())
    assert error.status == 400 and words in error.message


@pytest.mark.parametrize("args", [[[[], None]], [[None, []]], [[[1], 2]], [[[]]], [[]]])
def test_ragged_or_empty_ranges_are_400(args):
    """Found by the fuzz test: `[[], null]` as an argument was a 500 (len of None)."""
    call = body({**function_call("kpi_status", [[1]], [[2]]), "args": args})
    assert refused(check_function_call, call, FUNCTIONS, Limits()).status == 400


@pytest.mark.parametrize(("change", "words"), [
    ({"used_range_address": True}, "'sheets.0.used_range_address' is not valid"),
    ({"used_range_address": "A1:Z99"}, "outside its values"),
    ({"used_range_address": "not a cell"}, "not a cell address"),
    ({"values": [[1, 2], [3]]}, "rows of equal length"),
    ({"values": [[{"x": 1}]]}, "is not a cell value"),
    ({"name": ""}, "sheets.0.name"),
])
def test_a_malformed_sheet_is_400_naming_the_field(change, words):
    book = book_json({"KPIs": [["Ref", "Actual"], ["A", 1]]})
    book["sheets"][0].update(change)
    error = refused(check_script_call, body(book), "refresh_statuses", SCRIPTS, Limits())
    assert error.status == 400 and words in error.message, error.message


def test_limits_come_from_the_environment_and_bad_ones_are_one_line():
    limits = Limits.from_environment({"KPI_MAX_SHEET_CELLS": "5000", "KPI_SCRIPT_TIMEOUT_S": "9"})
    assert (limits.sheet_cells, limits.script_seconds) == (5000, 9.0)
    for value in ("lots", "-1", "0"):
        with pytest.raises(LimitsError, match="KPI_BODY_TIMEOUT_S"):
            Limits.from_environment({"KPI_BODY_TIMEOUT_S": value})


def a_script(book, formats: dict | None = None, *, user=None):
    """A script as custom_scripts declares one: the book, then what the client sends."""


def test_a_script_argument_must_match_its_type_hint():
    scripts = {"refresh_statuses": script_params(a_script)}
    assert scripts["refresh_statuses"] == ScriptParams(0, (dict | None,))
    book = book_json({"KPIs": [["Ref", "Actual"], ["A", 1]]})
    for args in (None, [], [None], [{"KPIs": {"B": "0%"}}]):
        assert check_script_call(body({**book, "args": args}), "refresh_statuses", scripts, Limits())
    for args, words in (([1], "argument 1 is not valid"), ([{}, {}], "takes 0 to 1 arguments"),
                        (["x"], "argument 1 is not valid")):
        error = refused(check_script_call, body({**book, "args": args}), "refresh_statuses",
                        scripts, Limits())
        assert error.status == 400 and words in error.message


# --- the guard: JSON only, slow bodies, the manifest's host -------------------------------------


class Recorder:
    """An inner app that records the scope it was called with and answers 200."""

    def __init__(self):
        self.scopes = []

    async def __call__(self, scope, receive, send):
        self.scopes.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def through_guard(guard, method="GET", path="/", headers=(), chunks=(b"",)):
    sent = []
    pending = list(chunks)

    async def receive():
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "server": ("127.0.0.1", 8000),
             "headers": [(k.encode(), v.encode()) for k, v in headers]}
    asyncio.run(guard(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:]).decode()


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_post_that_is_not_json_is_415(content_type):
    guard = Guard(Recorder(), limits=Limits())
    headers = [("content-type", content_type)] if content_type else []
    status, text = through_guard(guard, "POST", "/xlwings/custom-scripts-call/summary", headers)
    assert status == 415 and "application/json" in text
    assert guard.app.scopes == []


def test_the_manifest_does_not_follow_the_host_header():
    guard = Guard(Recorder(), limits=Limits())
    through_guard(guard, path="/manifest.xml", headers=[("host", "evil.example")])
    through_guard(guard, path="/taskpane.html", headers=[("host", "kpi.example")])
    manifest, page = guard.app.scopes
    assert (b"host", b"evil.example") not in manifest["headers"] and manifest["server"]
    assert (b"host", b"kpi.example") in page["headers"]


def test_a_body_that_does_not_arrive_in_time_is_408():
    async def never():
        await asyncio.sleep(3600)

    with pytest.raises(BadRequest) as caught:
        asyncio.run(read_body(never, 1000, 0.2))
    assert caught.value.status == 408 and "KPI_BODY_TIMEOUT_S" in caught.value.message


def test_a_body_over_the_size_limit_is_413():
    guard = Guard(Recorder(), limits=Limits(script_body=1000))
    status, text = through_guard(guard, "POST", "/xlwings/custom-scripts-call/summary",
                                 [("content-type", "application/json")], [b"x" * 600] * 2)
    assert status == 413 and "MB" in text


# --- the script pool ---------------------------------------------------------------------------------


def sleepy(script, body, user):
    time.sleep(600)


def dies(script, body, user):
    os._exit(3)


def echo(script, body, user):
    return 200, "application/json", body


def alert_of(answer) -> str:
    status, content_type, payload = answer
    actions = json.loads(payload)["actions"]
    assert content_type == "application/json" and status == 200 and [a["func"] for a in actions] == ["alert"]
    assert actions[0]["args"][1] == "KPI"
    return actions[0]["args"][0]


def test_a_script_past_its_timeout_is_stopped_with_an_alert_and_the_pool_recovers():
    pool = script_pool.ScriptPool(workers=1, timeout=1.0)
    try:
        assert "took longer than 1 seconds" in alert_of(asyncio.run(pool.answer("s", b"", task=sleepy)))
        assert "stopped unexpectedly" in alert_of(asyncio.run(pool.answer("s", b"", task=dies)))
        # a fresh worker took the place of each one that was stopped
        assert asyncio.run(pool.answer("s", b'{"a": 1}', task=echo))[2] == b'{"a": 1}'
    finally:
        pool.stop()


def test_inline_scripts_get_the_same_alerts():
    inline = script_pool.ScriptPool(workers=0, timeout=10)
    assert "stopped unexpectedly" in alert_of(asyncio.run(inline.answer("s", b"", task=len)))
    assert asyncio.run(inline.answer("s", b"{}", task=echo))[2] == b"{}"


def test_workers_setting():
    assert script_pool.workers_from_environment({"KPI_SCRIPT_WORKERS": "0"}) == 0
    assert script_pool.workers_from_environment({}) == script_pool.default_workers() >= 1
    with pytest.raises(LimitsError, match="KPI_SCRIPT_WORKERS"):
        script_pool.workers_from_environment({"KPI_SCRIPT_WORKERS": "two"})


@pytest.mark.parametrize("workers", ["two", "-1", "1000"])
def test_bad_workers_option_is_exit_2(capsys, workers):
    assert cli.main(["serve", "--workers", workers]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kpi serve: --workers") and err.count("\n") == 1


# --- the warning for a non-loopback address --------------------------------------------------------


def settings(auth=(), hostname=None):
    return SimpleNamespace(auth_providers=list(auth), hostname=hostname)


def test_a_non_loopback_host_without_sign_in_warns():
    lines = exposure_warnings("0.0.0.0", 8000, settings(hostname="kpi.example.gov.uk"))
    assert len(lines) == 1 and "sign-in is off" in lines[0] and "XLWINGS_AUTH_PROVIDERS" in lines[0]
    assert all(len(line) <= 200 for line in lines)
    assert exposure_warnings("0.0.0.0", 8000, settings(["entraid"], "kpi.example.gov.uk")) == []
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"):
        assert is_loopback(host) and exposure_warnings(host, 8000, settings(hostname="k")) == []
    assert not is_loopback("10.1.2.3") and not is_loopback("kpi.example.gov.uk")


def test_a_missing_hostname_is_said_with_the_address_the_manifest_names():
    lines = exposure_warnings("127.0.0.1", 8123, settings())
    assert len(lines) == 1 and "XLWINGS_HOSTNAME" in lines[0] and "http://127.0.0.1:8123" in lines[0]


# --- over real HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("service") / "serve.log"
    try:
        with running_server(log_path, env={"KPI_BODY_TIMEOUT_S": "2", "KPI_HEADER_TIMEOUT_S": "2"},
                            args=("--workers", "1")) as base:
            yield base
    except ServerFailed as exc:
        pytest.fail(str(exc))


def test_slow_bodies_get_408_and_their_connections_are_closed(server):
    host, port = server.removeprefix("http://").split(":")
    connections = []
    for _ in range(5):
        conn = socket.create_connection((host, int(port)), timeout=30)
        conn.sendall(b"POST /xlwings/custom-functions-call HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
        connections.append(conn)
    for conn in connections:
        answer = b""
        while chunk := conn.recv(4096):  # ends when the server closes; a 30 s socket timeout fails
            answer += chunk
        conn.close()
        assert answer.startswith(b"HTTP/1.1 408") and b"KPI_BODY_TIMEOUT_S" in answer


def test_slow_headers_and_silent_connections_are_closed(server):
    host, port = server.removeprefix("http://").split(":")
    connections = [socket.create_connection((host, int(port)), timeout=30) for _ in range(6)]
    for conn in connections[:3]:
        conn.sendall(b"POST /xlwings/custom-functions-call HTTP/1.1\r\nHost: x\r\nContent-")
    for conn in connections:  # recv ends when the server closes; a 30 s socket timeout fails
        assert conn.recv(4096) == b""
        conn.close()
    with httpx.Client(base_url=server, timeout=60) as client:  # a prompt client is still served
        assert client.get("/health").status_code == 200


def test_real_server_refuses_form_posts_and_pins_the_manifest(server):
    with httpx.Client(base_url=server, timeout=60) as client:
        form = client.post("/xlwings/custom-scripts-call/summary", data={"bookData": "{}"})
        assert form.status_code == 415
        manifest = client.get("/manifest.xml", headers={"Host": "evil.example"}).text
        assert "evil.example" not in manifest and server in manifest
        ok = client.post("/xlwings/custom-functions-call", headers=JSON_HEADERS,
                         content=body(function_call("kpi_rag", [[85]], [[80]])))
        assert ok.status_code == 200 and ok.json()["result"] == [["G"]]
