"""Eight layouts from real published reports (tests/real_layouts.py names each source), read end
to end through `kpi validate --json`.

The expectations are worked out by hand from each report's own figures: the default band (10% of
the target) unless the rules say otherwise, the trend by polarity from the previous column, and
the findings domain.md gives for what is missing. Each row of EXPECTED carries its working.
Rules files are used only for what the sheet does not say (polarity, an NHS standard's zero band).
"""

from __future__ import annotations

import json

import pytest

from kpi_cli.main import main
from tests import real_layouts

ON, WITHIN, OFF, NONE = "on", "within", "off", "none"
UP, DOWN, SAME = "improving", "worsening", "no_change"

# builder -> (sheet, header row, role -> column, {row: (status, trend, working)}, findings)
EXPECTED = {
    "warwickshire_fire_book": (
        "Targets and measures", 2,
        {"indicator": "B", "actual": "I", "target": "H", "previous": "G"},
        {3: (ON, UP, "88.75 against an aim of 85; 79 in 2017/18"),
         4: (OFF, DOWN, "66.37 against 75: 8.63 short, band 7.5; 68 before"),
         5: (OFF, DOWN, "74.47 against 90: 15.53 short, band 9; 76 before"),
         6: (ON, UP, "smaller: 1,409 so far against 3,494; 3,463 in 2017/18"),
         7: (ON, UP, "smaller: 59 against 150; 143 before"),
         8: (ON, UP, "smaller: 0 against 0; 2 before"),
         9: (ON, UP, "smaller: 10 against 19; 23 before"),
         10: (NONE, None, "year to date 'N/A'"),
         11: (NONE, None, "aim and year to date both 'N/A': not targeted, nothing to report"),
         12: (ON, UP, "smaller: 0 against 0; 5 before"),
         13: (OFF, UP, "smaller: 14 against an aim of 0 (no band around 0); 32 before")},
        [("missing_commentary", 4, "I4"), ("missing_commentary", 5, "I5"),
         ("missing_actual", 10, "I10"), ("missing_commentary", 13, "I13")],
    ),
    "cheshire_fire_book": (
        "Q1 2024-25", 3,
        {"indicator": "A", "actual": "C", "target": "D", "previous": "B", "commentary": "F",
         "status": "E"},
        {4: (NONE, UP, "no target; 0 deaths against 3 in Q1 2023-24"),
         5: (NONE, UP, "no target; 1 injury against 2"),
         6: (ON, None, "smaller: 82 against 85, typed G"),
         7: (ON, None, "smaller: 52 against 55, typed G"),
         8: (WITHIN, None, "bigger: 6,656 against 6,875: 219 short, band 687.5"),
         9: (ON, None, "smaller: 33 against 43, typed G")},
        [("missing_target", 4, "D4"), ("missing_target", 5, "D5")],
    ),
    "northumberland_book": (
        "Neighbourhood Services", 3,
        {"indicator": "B", "actual": "F", "target": "E", "previous": "D", "commentary": "L",
         "unit": "C"},
        {4: (ON, DOWN, "smaller: 2.75 against 8; 2.49 in 2023/24 (the page's arrow: red)"),
         5: (ON, UP, "smaller: 0 against 1; 0.25 before (green)"),
         6: (ON, DOWN, "smaller: 1.72 against 5; 1.49 before (red)"),
         7: (ON, None, "bigger: 17.04 against 5; no 2023/24 figure (N/A)"),
         8: (ON, UP, "smaller: 35 against 40; 45 before (green)"),
         9: (ON, UP, "bigger: 13 against 12; 12 before (green)")},
        [],  # every "Performance" is Green; "Status" (Up to date) is not a RAG
    ),
    "winchester_book": (
        "Service standards", 4,
        {"reference": "B", "indicator": "A", "actual": "I", "target": "H", "previous": "G"},
        {6: (WITHIN, DOWN, "smaller: 19.51 days against 18: 1.51 over, band 1.8; 18.93 before"),
         7: (ON, DOWN, "smaller: 4.86 against 5; 3.67 before"),
         8: (NONE, None, "64.74 typed without % against 70%: units differ"),
         9: (NONE, None, "32.36 typed without % against 30%: units differ"),
         11: (WITHIN, UP, "98.62% against 98.65%: 0.03 short; 98.57% before"),
         12: (WITHIN, DOWN, "98.56% against 99.44%: 0.88 short; 99.43% before")},
        [("unit_mismatch", 8, "I8"), ("unit_mismatch", 9, "I9")],
    ),
    "maidstone_book": (
        "Housing & Health Q1", 3,
        {"indicator": "A", "actual": "B", "target": "C", "status": "D"},
        {5: (NONE, None, "data only"), 6: (NONE, None, "data only"),
         7: (NONE, None, "data only"), 8: (NONE, None, "data only"),
         9: (ON, None, "67.23% against 65%"),
         10: (ON, None, "237 against 125"),
         11: (WITHIN, None, "38.98% against 40%: 1.02 short, within 10% (the report's amber)"),
         13: (OFF, None, "39 against 45: 6 short, more than 10% (red)"),
         14: (NONE, None, "data only"),
         15: (NONE, None, "'Annual Indicator': not due this quarter")},
        [("missing_target", 5, "C5"), ("missing_target", 6, "C6"), ("missing_target", 7, "C7"),
         ("missing_target", 8, "C8"), ("missing_commentary", 13, "D13"),
         ("missing_target", 14, "C14")],
    ),
    "lewisham_book": (
        "Key targets", 3,
        {"indicator": "A", "actual": "G", "target": "B", "previous": "F"},
        {4: (OFF, UP, "87.6% in Apr 18 against 95%, no band; 83.7% in Mar 18"),
         5: (OFF, UP, "90.3% against 95%; 87.1% before"),
         6: (OFF, UP, "85.5% against 95%; 81% before"),
         7: (OFF, UP, "88.2% against 92%; 88.1% before"),
         8: (NONE, None, "Apr 18 not yet published"),
         9: (NONE, None, "Apr 18 not yet published"),
         10: (ON, SAME, "smaller: 0 cases against 0; 0 before"),
         11: (NONE, DOWN, "no monthly standard; 3 cases against 1 in Mar 18")},
        [("missing_commentary", 4, "G4"), ("missing_commentary", 5, "G5"),
         ("missing_commentary", 6, "G6"), ("missing_commentary", 7, "G7"),
         ("missing_actual", 8, "G8"), ("missing_actual", 9, "G9"), ("missing_target", 11, "B11")],
    ),
    "dover_book": (
        "Q2 2020-21", 1,
        {"reference": "A", "indicator": "B", "polarity": "C", "actual": "E", "target": "D",
         "commentary": "F"},
        {2: (ON, None, "higher is better: 62% against 60%"),
         3: (ON, None, "lower is better: 113 seconds against 233 seconds")},
        [],
    ),
    "lancashire_police_book": (
        "Police PIs", 3,
        {"indicator": "A", "actual": "C", "target": "D", "previous": "B", "polarity": "E",
         "commentary": "F"},
        {4: (NONE, UP, "no aim for the share answered; 93% against 87% last year"),
         5: (WITHIN, None, "94% against an aim of 95%: 1 short, band 9.5")},
        [("missing_target", 4, "D4")],
    ),
}
WITHOUT_RULES = {"dover_book", "lancashire_police_book"}


def validate(path, capsys) -> dict:
    main(["validate", str(path), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and not err.strip(), err
    return json.loads(out)


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def layout(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    path = getattr(real_layouts, request.param)(folder / "report.xlsx")
    return request.param, path


def test_the_columns_are_read_right(layout, capsys):
    name, path = layout
    sheet, header_row, columns, _, _ = EXPECTED[name]
    document = validate(path, capsys)
    assert document["tables"] == [{"sheet": sheet, "header_row": header_row, "columns": columns}]
    assert (path.with_name("kpi.toml").exists()) == (name not in WITHOUT_RULES)


def test_every_status_and_trend(layout, capsys):
    name, path = layout
    sheet, _, _, rows, _ = EXPECTED[name]
    document = validate(path, capsys)
    read = {item["row"]: (item["status"], item["trend"]) for item in document["indicators"]}
    assert read == {row: (status, trend) for row, (status, trend, _) in rows.items()}
    assert {item["sheet"] for item in document["indicators"]} == {sheet}


def test_every_finding(layout, capsys):
    name, path = layout
    *_, expected = EXPECTED[name]
    document = validate(path, capsys)
    assert [(f["code"], f["row"], f["cell"]) for f in document["findings"]] == expected


def test_figures_as_the_reports_show_them(tmp_path, capsys):
    dover = validate(real_layouts.dover_book(tmp_path / "dover.xlsx"), capsys)
    seconds = dover["indicators"][1]
    assert (seconds["actual"], seconds["target"]) == (113, 233)
    assert dover["indicators"][0]["actual"] == pytest.approx(0.62)
    fire = validate(real_layouts.warwickshire_fire_book(tmp_path / "fire.xlsx"), capsys)
    incidents = fire["indicators"][3]
    assert (incidents["actual"], incidents["target"], incidents["previous"]) == (1409, 3494, 3463)


def test_sections_of_the_two_section_layouts(tmp_path, capsys):
    winchester = validate(real_layouts.winchester_book(tmp_path / "w.xlsx"), capsys)
    assert {item["row"]: item["section"] for item in winchester["indicators"]} == {
        6: "Benefits", 7: "Benefits", 8: "Benefits", 9: "Benefits", 11: "Taxes", 12: "Taxes"}
    assert [item["reference"] for item in winchester["indicators"]][:2] == ["LPI0538", "LPI0539"]
    maidstone = validate(real_layouts.maidstone_book(tmp_path / "m.xlsx"), capsys)
    sections = {item["section"] for item in maidstone["indicators"]}
    assert sections == {"Housing", "Private Sector Housing"}


def test_validate_says_why_for_the_choices_real_layouts_need(tmp_path, capsys):
    main(["validate", str(real_layouts.winchester_book(tmp_path / "w.xlsx"))])
    out = capsys.readouterr().out
    assert "2014/15 Target          target for the actual's year" in out
    assert "2014/15 Actual          latest period with figures" in out
    main(["validate", str(real_layouts.northumberland_book(tmp_path / "n.xlsx"))])
    out = capsys.readouterr().out
    assert "K 'Status': no status labels in its cells, so not the typed status" in out
    assert "G 'Last Available Result': text, so not a figure" in out
    main(["validate", str(real_layouts.lewisham_book(tmp_path / "l.xlsx"))])
    assert "(blank: no indicator header)" in capsys.readouterr().out
