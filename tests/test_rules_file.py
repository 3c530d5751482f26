"""The rules file of interfaces.md: every key, every mistake, defaults, overrides, the sheet form."""

from __future__ import annotations

import pytest

from kpi_rules import (
    CommentarySource,
    IndicatorRule,
    RulesError,
    default_rules,
    load_rules,
    load_rules_file,
    rules_from_dict,
    rules_from_rows,
)
from kpi_rules.table import evaluate_columns
from tests.test_status_spec import _frame


def evaluate(rows: list[dict], rules):
    return {name: values.tolist() for name, values in evaluate_columns(_frame(rows), rules).items()}

# interfaces.md's example, verbatim.
EXAMPLE = '''
tolerance = 0.10              # default band
tolerance_mode = "relative"   # or "points"
polarity = "bigger"           # default polarity; leave out to require one per indicator
commentary_required = ["off"] # statuses that must carry commentary

[labels]       # first entry is written; every entry is recognised when read
on = ["On target or better"]
within = ["Within 10% of target"]
off = ["More than 10% off target"]
none = ["Not assessed"]

[colors]       # optional
on = "#00B050"
within = "#FFC000"
off = "#FF0000"
none = "#BFBFBF"

[columns]      # header text as written in the sheet (case/space-insensitive) or a column letter
reference = "Reference"
indicator = "Performance Indicator"
polarity = "Bigger is better/ Smaller is better"
actual = "Q1"
target = "Quarterly Target 2021/22"
previous = "Q4 Outturn"
commentary = "Commentary"
status = "Status"        # a typed status: checked by validate, replaced by refresh (each change reported)
sheet = "Supporting KPIs" # optional: only this sheet

[commentary]   # commentary kept in another sheet
sheet = "KPI Exception Notes"
key = "Indicator"        # header of the column holding a reference or an indicator name
text = "Note"

[indicators."HR 01"]     # key: a reference, or an indicator name (matched as in domain.md)
polarity = "smaller"
tolerance = 0.05
tolerance_mode = "points"
'''


def test_the_example_reads_as_written():
    rules = load_rules(EXAMPLE, source="kpi.toml")
    assert rules.tolerance == 0.10
    assert rules.tolerance_mode == "relative"
    assert rules.polarity == "bigger"
    assert rules.commentary_required == ("off",)
    assert rules.labels == {"on": ("On target or better",), "within": ("Within 10% of target",),
                            "off": ("More than 10% off target",), "none": ("Not assessed",)}  # fmt: skip
    assert [rules.label(s) for s in ("on", "within", "off", "none")] == [
        "On target or better", "Within 10% of target", "More than 10% off target", "Not assessed"]
    assert rules.colors == {"on": "#00B050", "within": "#FFC000", "off": "#FF0000",
                            "none": "#BFBFBF"}  # fmt: skip
    assert [rules.rag(s) for s in ("on", "within", "off", "none")] == ["G", "A", "R", ""]
    assert rules.columns == {
        "reference": "Reference", "indicator": "Performance Indicator",
        "polarity": "Bigger is better/ Smaller is better", "actual": "Q1",
        "target": "Quarterly Target 2021/22", "previous": "Q4 Outturn",
        "commentary": "Commentary", "status": "Status",
    }  # fmt: skip
    assert rules.sheet == "Supporting KPIs"
    assert rules.commentary == CommentarySource("KPI Exception Notes", "Indicator", "Note")
    assert rules.indicators == {"HR 01": IndicatorRule("smaller", 0.05, "points")}
    assert rules.source == "kpi.toml"


def test_the_example_round_trips():
    rules = load_rules(EXAMPLE)
    data = rules.to_dict()
    assert rules_from_dict(data) == rules
    assert rules_from_dict(data).to_dict() == data


# One key at a time: (TOML, attribute path checked, value expected)
ONE_KEY = [
    ("tolerance = 0.05", lambda r: r.tolerance, 0.05),
    ("tolerance = 0", lambda r: r.tolerance, 0.0),
    ('tolerance = "10%"', lambda r: r.tolerance, 0.10),
    ('tolerance_mode = "percentage points"\ntolerance = 2',
     lambda r: (r.tolerance_mode, r.tolerance), ("percentage points", 2.0)),
    ('tolerance_mode = "points"\ntolerance = 2', lambda r: (r.tolerance_mode, r.tolerance), ("points", 2.0)),
    ('tolerance_mode = "Points"', lambda r: r.tolerance_mode, "points"),
    ('polarity = "smaller"', lambda r: r.polarity, "smaller"),
    ('polarity = "Bigger is better"', lambda r: r.polarity, "bigger"),
    ('commentary_required = ["off", "within"]', lambda r: r.commentary_required, ("off", "within")),
    ('commentary_required = ["Off"]', lambda r: r.commentary_required, ("off",)),
    ('commentary_required = []', lambda r: r.commentary_required, ()),
    ('[labels]\non = ["Positive outturn", "On/Above Target"]', lambda r: r.labels["on"],
     ("Positive outturn", "On/Above Target")),
    ('[labels]\nnone = "Data only"', lambda r: r.labels["none"], ("Data only",)),
    ('[colors]\noff = "#c00000"', lambda r: r.colors["off"], "#C00000"),
    ('[columns]\nactual = "J"', lambda r: r.columns, {"actual": "J"}),
    ('[columns]\nsheet = "Supporting KPIs"', lambda r: (r.sheet, r.columns), ("Supporting KPIs", {})),
    ('[commentary]\nsheet = "Notes"', lambda r: r.commentary, CommentarySource("Notes")),
    ('[indicators."Sickness absence days"]\npolarity = "Lower"',
     lambda r: r.indicators, {"Sickness absence days": IndicatorRule("smaller")}),
    ('tolerance_mode = "points"\n[indicators."HR 01"]\ntolerance = 2',
     lambda r: r.indicators["HR 01"].tolerance, 2.0),
]  # fmt: skip


@pytest.mark.parametrize("text, get, expected", ONE_KEY, ids=[c[0] for c in ONE_KEY])
def test_one_key(text, get, expected):
    rules = load_rules(text)
    assert get(rules) == expected
    assert rules_from_dict(rules.to_dict()) == rules


# (TOML, key named in the error, words in the reason)
MISTAKES = [
    ("tolerence = 0.1", "tolerence", "did you mean 'tolerance'"),
    ("colours = 1", "colours", "did you mean 'colors'"),
    ('[labels]\nonn = ["x"]', "labels.onn", "did you mean 'on'"),
    ('[labels]\namber = ["x"]', "labels.amber", "unknown key"),
    ('[labels]\non = ["Green"]\noff = ["green"]', "labels.off", "also given for 'on'"),
    ('[labels]\non = [""]', "labels.on", "non-empty"),
    ('[labels]\non = ["   "]', "labels.on", "non-empty"),
    ("[labels]\non = []", "labels.on", "non-empty"),
    ("[labels]\non = [1]", "labels.on", "non-empty text"),
    ('[labels]\non = ["=Good"]', "labels.on", "formula"),
    ('[labels]\noff = ["+ Bad"]', "labels.off", "formula"),
    ('labels = "On target"', "labels", "table"),
    ('tolerance = "lots"', "tolerance", "must be a number"),
    ('tolerance = "150%"', "tolerance", "more than 100%"),
    ('tolerance_mode = "points"\ntolerance = "2%"', "tolerance", "write 2 for 2 points"),
    ("tolerance = true", "tolerance", "must be a number"),
    ("tolerance = -0.1", "tolerance", "0 or more"),
    ("tolerance = 1.5", "tolerance", "more than 100%"),
    ("tolerance = 10", "tolerance", "more than 100%"),
    ('tolerance_mode = "percent"', "tolerance_mode", '"relative", "points" or "percentage points"'),
    ("tolerance_mode = 1", "tolerance_mode", '"relative", "points" or "percentage points"'),
    ('polarity = "sideways"', "polarity", "bigger' or 'smaller"),
    ("polarity = 1", "polarity", "bigger' or 'smaller"),
    ('commentary_required = ["offf"]', "commentary_required", "unknown status"),
    ('commentary_required = 3', "commentary_required", "list of statuses"),
    ('[colors]\non = "green"', "colors.on", "colour like"),
    ('[colors]\non = "#00B05"', "colors.on", "colour like"),
    ('[colors]\ngreen = "#00B050"', "colors.green", "unknown key"),
    ('[columns]\nactuals = "Q1"', "columns.actuals", "did you mean 'actual'"),
    ('[columns]\nrag = "K"', "columns.rag", "unknown key"),
    ('[columns]\nactual = ""', "columns.actual", "header text"),
    ("[columns]\nactual = 3", "columns.actual", "header text"),
    ('[commentary]\nkey = "Indicator"', "commentary.sheet", "required"),
    ('[commentary]\nsheet = ""', "commentary.sheet", "required"),
    ('[commentary]\nsheet = "Notes"\nnote = "Text"', "commentary.note", "unknown key"),
    ('[commentary]\nsheet = "Notes"\ntext = ""', "commentary.text", "header text"),
    ('[indicators."HR 01"]\npolarityy = "smaller"', 'indicators."HR 01".polarityy',
     "did you mean 'polarity'"),
    ('[indicators."HR 01"]\ntarget = 5', 'indicators."HR 01".target', "unknown key"),
    ('[indicators."HR 01"]\ntolerance = -1', 'indicators."HR 01".tolerance', "0 or more"),
    ('[indicators."HR 01"]\ntolerance = 2', 'indicators."HR 01".tolerance', "more than 100%"),
    ('[indicators."HR 01"]\ntolerance_mode = "pts"', 'indicators."HR 01".tolerance_mode',
     '"relative", "points" or "percentage points"'),
    ('[indicators."HR 01"]\npolarity = "up and down"', 'indicators."HR 01".polarity',
     "bigger' or 'smaller"),
    ('indicators = 5', "indicators", "must be a table"),
    ("tolerance = ", "TOML", "not valid TOML"),
    ("[labels\non = 1", "TOML", "not valid TOML"),
    ('tolerance = 0.1\ntolerance = 0.2', "TOML", "not valid TOML"),
]  # fmt: skip


@pytest.mark.parametrize("text, key, reason", MISTAKES, ids=[c[0] for c in MISTAKES])
def test_mistake_names_the_key(text, key, reason):
    with pytest.raises(RulesError) as caught:
        load_rules(text, source="kpi.toml")
    error = caught.value
    assert error.key == key
    assert reason in error.reason
    assert str(error).startswith(f"kpi.toml: {key}: ")
    assert "\n" not in str(error)


def test_defaults_when_absent():
    rules = load_rules("")
    assert rules == default_rules() == rules_from_dict({})
    assert rules.tolerance == 0.10 and rules.tolerance_mode == "relative"
    assert rules.polarity is None  # no default polarity: one is required per indicator
    assert rules.commentary_required == ("off",)
    assert rules.columns == {} and rules.sheet is None and rules.commentary is None
    assert rules.indicators == {}
    assert rules.colors == {"on": "#00B050", "within": "#FFC000", "off": "#FF0000",
                            "none": "#BFBFBF"}  # fmt: skip
    assert [rules.label(s) for s in ("on", "within", "off", "none")] == [
        "On target", "Within tolerance", "Off target", "Not assessed"]


def test_labels_given_for_one_status_keep_the_defaults_of_the_others():
    rules = load_rules('[labels]\non = ["Positive outturn"]')
    assert rules.label("on") == "Positive outturn"
    assert rules.label("off") == "Off target"
    assert rules.status_from_label("On target") is None  # replaced, no longer a label of 'on'


def test_a_councils_label_wins_over_a_default_synonym():
    # "Below target" is a default synonym of 'off'; this council writes it for 'on'.
    rules = load_rules('[labels]\non = ["Below Target (Positive)", "Below target"]')
    assert rules.status_from_label("below target") == "on"


LABEL_READS = [
    ("On target or better", "on"), ("  on   TARGET or better ", "on"), ("ON TARGET OR BETTER", "on"),
    ("Within 10% of target", "within"), ("more than 10%  off target", "off"),
    ("not assessed", "none"), ("on", "on"), ("OFF", "off"), ("Something else", None), (None, None),
    (3, None),
]  # fmt: skip


@pytest.mark.parametrize("text, code", LABEL_READS, ids=[repr(c[0]) for c in LABEL_READS])
def test_label_synonyms_are_read_case_and_space_insensitively(text, code):
    assert load_rules(EXAMPLE).status_from_label(text) == code


def test_all_labels_of_a_status_are_recognised():
    rules = load_rules('[labels]\non = ["Positive outturn", "On/Above Target", "Green"]')
    assert rules.label("on") == "Positive outturn"
    assert {rules.status_from_label(t) for t in ("positive OUTTURN", "on/above target", "green")} \
        == {"on"}


# Overrides: (override key, row reference, row name, matched)
OVERRIDES = [
    ("HR 01", "HR 01", None, True),
    ("HR 01", "hr01", None, True),
    ("HR 01", "HR-01", None, True),
    ("HR 01", "HR 01.", "Anything", True),
    ("HR 01", "HR 02", None, False),
    ("HR 01", None, "HR 01 Sickness absence days", False),
    ("Sickness absence days", None, "Sickness absence days", True),
    ("Sickness absence days", None, "sickness  ABSENCE days.", True),
    ("Sickness absence days", "HR 07", "HR 07. Sickness absence days", True),
    ("Sickness absence days", None, "CSP 01. Sickness absence, days", True),
    ("Sickness absence days", None, "Sickness absence", False),
]


@pytest.mark.parametrize("key, reference, name, matched", OVERRIDES,
                         ids=[f"{c[0]} vs {c[1]!r}/{c[2]!r}" for c in OVERRIDES])  # fmt: skip
def test_override_by_reference_or_name(key, reference, name, matched):
    rules = rules_from_dict({"indicators": {key: {"polarity": "smaller"}}})
    found = rules.override_for(reference, name)
    assert (found == IndicatorRule("smaller")) is matched
    if not matched:
        assert found is None


def test_reference_wins_over_name():
    rules = rules_from_dict({"indicators": {"HR 01": {"tolerance": 0.2},
                                            "Sickness absence days": {"tolerance": 0.3}}})  # fmt: skip
    assert rules.override_for("HR 01", "Sickness absence days").tolerance == 0.2
    assert rules.override_for("HR 09", "Sickness absence days").tolerance == 0.3


def test_evaluate_applies_overrides():
    rules = load_rules(EXAMPLE)
    frame = [
        # HR 01: smaller is better, 0.05 points: 81 vs 80 is off (5% relative would be within)
        {"reference": "hr-01", "indicator": "Sickness", "actual": 81, "target": 80},
        {"reference": "HR 02", "indicator": "Turnover", "actual": 82, "target": 80,
         "polarity": "Smaller"},
        {"reference": "HR 03", "indicator": "Turnover", "actual": 82, "target": 80},
    ]  # fmt: skip
    out = evaluate(frame, rules)
    assert list(out["polarity_code"]) == ["smaller", "smaller", "bigger"]
    assert list(out["tolerance_mode"]) == ["points", "relative", "relative"]
    assert list(out["tolerance"]) == [0.05, 0.10, 0.10]
    assert list(out["status"]) == ["off", "within", "on"]
    assert list(out["label"]) == ["More than 10% off target", "Within 10% of target",
                                  "On target or better"]  # fmt: skip
    assert list(out["colour"]) == ["#FF0000", "#FFC000", "#00B050"]


def test_override_polarity_without_a_default():
    rules = rules_from_dict({"indicators": {"HR 01": {"polarity": "smaller"}}})
    frame = [{"reference": "HR 01", "actual": 7, "target": 8},
             {"reference": "HR 02", "actual": 7, "target": 8}]
    out = evaluate(frame, rules)
    assert list(out["status"]) == ["on", "none"]


def test_typed_statuses_read_with_the_rules_labels():
    rules = load_rules(EXAMPLE)
    frame = [{"actual": 5, "target": 5, "status_typed": typed}
             for typed in ("on target OR better", "Not assessed", "Green?")]
    assert list(evaluate(frame, rules)["typed_status"]) == ["on", "none", None]


# The "KPI Rules" sheet form -------------------------------------------------------------------

SHEET_ROWS = [
    ["Key", "Value"],
    ["tolerance", 0.1],
    ["tolerance_mode", "relative"],
    ["polarity", "Bigger is better"],
    ["commentary_required", "off"],
    ["labels.on", "On target or better"],
    ["labels.within", "Within 10% of target"],
    ["labels.off", "More than 10% off target", None],
    ["labels.none", "Not assessed"],
    ["colors.on", "#00B050"],
    ["colors.within", "#FFC000"],
    ["colors.off", "#FF0000"],
    ["colors.none", "#BFBFBF"],
    ["columns.reference", "Reference"],
    ["columns.indicator", "Performance Indicator"],
    ["columns.polarity", "Bigger is better/ Smaller is better"],
    ["columns.actual", "Q1"],
    ["columns.target", "Quarterly Target 2021/22"],
    ["columns.previous", "Q4 Outturn"],
    ["columns.commentary", "Commentary"],
    ["columns.status", "Status"],
    ["columns.sheet", "Supporting KPIs"],
    ["commentary.sheet", "KPI Exception Notes"],
    ["commentary.key", "Indicator"],
    ["commentary.text", "Note"],
    [],
    [None, None],
    ["Indicator", "polarity", "tolerance", "tolerance_mode"],
    ["HR 01", "smaller", 0.05, "points"],
]


def test_sheet_rows_equal_the_toml_example():
    assert rules_from_rows(SHEET_ROWS) == load_rules(EXAMPLE)


def test_sheet_labels_across_cells_and_lists():
    rules = rules_from_rows([
        ["labels.on", "On target", "", "Green", None],
        ["commentary_required", "Off", "within"],
    ])  # fmt: skip
    assert rules.labels["on"] == ("On target", "Green")
    assert rules.commentary_required == ("off", "within")


def test_sheet_keys_as_people_type_them():
    rules = rules_from_rows([
        ["# Rules for the Q2 report"],
        ["Tolerance", "5%"],
        ["Tolerance mode", "Relative"],
        ["Labels.On", "Positive outturn"],
        ["Columns.Actual", 2024.0],
    ])  # fmt: skip
    assert rules.tolerance == 0.05
    assert rules.label("on") == "Positive outturn"
    assert rules.columns == {"actual": "2024"}


def test_sheet_indicator_table():
    rules = rules_from_rows([
        ["polarity", "bigger"],
        ["Reference", "Polarity", "Tolerance", "Tolerance mode"],
        ["HR 01", "Smaller is better", 2, "points"],
        [101.0, "smaller", None, None],
        ["Forecast revenue outturn variance (£000s)", "smaller"],
        [None, "ignored: no key"],
    ])  # fmt: skip
    assert rules.indicators == {
        "HR 01": IndicatorRule("smaller", 2.0, "points"),
        "101": IndicatorRule("smaller"),
        "Forecast revenue outturn variance (£000s)": IndicatorRule("smaller"),
    }
    assert rules.override_for(101, None) == IndicatorRule("smaller")
    assert rules.override_for("hr-01", None).tolerance == 2.0


SHEET_MISTAKES = [
    ([["tolerence", 0.1]], "tolerence", "did you mean 'tolerance'"),
    ([["tolerance"]], "tolerance", "no value"),
    ([["tolerance", "a lot"]], "tolerance", "must be a number"),
    ([["labels.onn", "x"]], "labels.onn", "did you mean 'on'"),
    ([["Indicator", "polarity", "tolerence"], ["HR 01", "smaller", 0.1]], "tolerence",
     "did you mean 'tolerance'"),
    ([["Indicator", "polarity"], ["HR 01", "sideways"]], 'indicators."HR 01".polarity',
     "bigger' or 'smaller"),
    ([["tolerance", 0.1], ["tolerance.x", 1]], "tolerance.x", "mixes a value and a table"),
]  # fmt: skip


@pytest.mark.parametrize("rows, key, reason", SHEET_MISTAKES, ids=[c[1] for c in SHEET_MISTAKES])
def test_sheet_mistakes_name_the_key(rows, key, reason):
    with pytest.raises(RulesError) as caught:
        rules_from_rows(rows, source='"KPI Rules" sheet')
    assert caught.value.key == key
    assert reason in caught.value.reason
    assert str(caught.value).startswith('"KPI Rules" sheet: ')


def test_rules_file_from_disk(tmp_path):
    path = tmp_path / "kpi.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_rules_file(path) == load_rules(EXAMPLE)
    assert load_rules_file(path).source == "kpi.toml"
    with pytest.raises(RulesError) as caught:
        load_rules_file(tmp_path / "missing.toml")
    assert caught.value.key == "file"
    (tmp_path / "bad.toml").write_bytes(b"tolerance = \xff")
    with pytest.raises(RulesError):
        load_rules_file(tmp_path / "bad.toml")
