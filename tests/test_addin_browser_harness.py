"""The browser harness itself (tests/browser_support.py, tests/browser/addin): the page the
manifest names loads with xlwings Server's JS and ours, and the simulated Excel is strict in the
ways the end-to-end tests rely on. Skips, saying why, without chromium or node."""

from __future__ import annotations

import httpx
import pytest

from tests.browser_support import addin_server, needs_browser, run_addin

pytestmark = needs_browser

BOOK = {"name": "harness.xlsx", "sheets": [
    {"name": "KPIs", "values": [["Ref", "Actual"], ["A1", 3]], "numberFormats": [[], ["General", "0%"]]},
]}

STRICT = """
const sim = globalThis.__sim;
const seen = {};
await Excel.run(async (context) => {
  const range = context.workbook.worksheets.getItem("KPIs").getRange("B2");
  try { range.values; seen.unloaded = "read"; } catch (e) { seen.unloaded = e.code; }
  range.load("values, numberFormat");
  try { range.values; seen.beforeSync = "read"; } catch (e) { seen.beforeSync = e.code; }
  range.values = [[7]];
  seen.valueBeforeSync = sim.book.sheets[0].cells[1][1];
  await context.sync();
  seen.loaded = [range.values, range.numberFormat];
  seen.valueAfterSync = sim.book.sheets[0].cells[1][1];
  try { range.notAMember; } catch (e) { seen.unknown = e.code; }
  const column = context.workbook.worksheets.getItem("KPIs").getRange("A1:A2");
  const cf = column.conditionalFormats.add(Excel.ConditionalFormatType.cellValue);
  cf.cellValue.format.fill.color = "#FF0000";
  cf.cellValue.rule = { formula1: '="a1"', operator: "EqualTo" };
  column.format.fill.color = "#00FF00";
  await context.sync();
  const missing = context.workbook.worksheets.getItem("Nowhere").getRange("A1");
  missing.load("values");
  try { await context.sync(); seen.missing = "synced"; } catch (e) { seen.missing = e.code; }
});
seen.syncs = sim.syncs;
return seen;
"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with addin_server(tmp_path_factory.mktemp("serve")) as base:
        yield base


def test_page_binds_every_ribbon_button_and_custom_function(base_url, tmp_path):
    listed = "return {actions: Object.keys(__sim.actions), functions: Object.keys(__sim.functions)};"
    [result] = run_addin(base_url, [{"book": BOOK, "steps": [{"eval": listed}]}], tmp_path)
    bound = result["steps"][0]
    assert sorted(bound["actions"]) == ["kpi-refresh-statuses", "kpi-summary", "kpi-validate-commentary"]
    meta = httpx.get(base_url + "/xlwings/custom-functions-meta.json", timeout=30).json()
    assert sorted(bound["functions"]) == sorted(f["id"] for f in meta["functions"])
    assert "KPI_STATUS" in bound["functions"]
    assert result["violations"] == [] and result["errors"] == []


def test_simulated_excel_is_strict(base_url, tmp_path):
    [result] = run_addin(base_url, [{"book": BOOK, "steps": [{"eval": STRICT}, {"dump": True}]}],
                         tmp_path)
    seen, book = result["steps"]
    assert seen["unloaded"] == "PropertyNotLoaded" and seen["beforeSync"] == "PropertyNotLoaded"
    assert seen["valueBeforeSync"] == 3 and seen["valueAfterSync"] == 7  # writes apply at sync
    assert seen["loaded"] == [[[3]], [["0%"]]]  # queued before the write: run in order
    assert seen["unknown"] == "SimulationViolation"
    assert seen["missing"] == "ItemNotFound"
    assert seen["syncs"] == 3
    # the unknown member is recorded even though the page caught the error
    assert result["violations"] == ["unknown member Range.notAMember"]
    sheet = book["sheets"][0]
    # The conditional format decides A2's colour ("A1" equals "a1", as Excel compares text);
    # A1 keeps its fill.
    assert sheet["colours"][1][0] == "#FF0000" and sheet["colours"][0][0] == "#00FF00"
