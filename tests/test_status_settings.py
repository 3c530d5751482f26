"""One reader for tolerance, mode and polarity (kpi_rules.settings): the rules file, the "KPI
Rules" sheet, the cell functions and the engine's per-row columns accept the same values and
refuse the same ones with the same words. And points on a percentage indicator are percentage
points, wherever the tolerance is written."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xlsxwriter

from addin.cell_functions import CellInputError, kpi_rag, kpi_status
from kpi_rules import RulesError, load_rules, rules_from_dict, rules_from_rows, status
from kpi_rules.settings import SettingError
from kpi_rules.table import evaluate_columns
from tests.layout_books import FIXED_DATE
from workbook.check import check_book

HUGE = 10**5000 - 1  # 5,000 nines, made without int() of a 5,000-digit text (Python refuses that)

# (value as Python sees it, the same value written in TOML, words in the one reason, why)
REFUSED = [
    (5, "5", 'write 0.05 or "5%" for 5%', "5 meaning 5% is refused, never read as 500%"),
    (1.5, "1.5", "more than 100% in relative mode", "150% in relative mode"),
    ("150%", '"150%"', "more than 100% in relative mode", "150% as text"),
    (-0.1, "-0.1", "must be 0 or more", "a negative tolerance"),
    ("lots", '"lots"', "must be a number", "text that is no number"),
    (True, "true", "must be a number", "a TRUE cell"),
    (10**400, "1" + "0" * 400, "a number of 401 digits is too large", "10**400"),
    (HUGE, "9" * 5000, "a number of 5,000 digits is too large", "an int of 5,000 digits"),
    (math.inf, "inf", "is too large", "infinity"),
]


def _reason(call) -> str:
    with pytest.raises((RulesError, SettingError, CellInputError)) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 200
    return caught.value.reason if hasattr(caught.value, "reason") else message.split(": ", 1)[1]


def _one_row(**columns):
    return evaluate_columns({name: np.array([value], dtype=object)
                             for name, value in columns.items()})  # fmt: skip


@pytest.mark.parametrize("value, toml, words, why", REFUSED, ids=[c[-1] for c in REFUSED])
def test_a_refused_tolerance_gets_the_same_words_everywhere(value, toml, words, why):
    reasons = {
        "toml": _reason(lambda: load_rules(f"tolerance = {toml}", "kpi.toml")),
        "dict": _reason(lambda: rules_from_dict({"tolerance": value})),
        "sheet": _reason(lambda: rules_from_rows([["Tolerance", value]])),
        "sheet indicator": _reason(lambda: rules_from_rows(
            [["Indicator", "tolerance"], ["HR 01", value]])),
        "cell function": _reason(lambda: kpi_status(50, 80, "Bigger", value)),
        "cell column": _reason(lambda: kpi_status([[50], [60]], 80, "Bigger", [[0.1], [value]])),
        "engine row": _reason(lambda: _one_row(actual=50, target=80, polarity="bigger",
                                               tolerance=value)),
        "one indicator": _reason(lambda: status(50, 80, "bigger", value)),
    }
    assert len(set(reasons.values())) == 1, reasons
    assert words in reasons["toml"]


def test_kpi_status_with_5_meaning_5_percent_is_refused_not_within():
    with pytest.raises(CellInputError) as caught:
        kpi_status(50, 80, "Bigger", 5)
    assert str(caught.value) == 'tolerance: 5 is more than 100% in relative mode: write 0.05 or "5%" for 5%'


def test_the_message_names_the_key_it_was_given():
    with pytest.raises(RulesError) as caught:
        load_rules('[indicators."HR 01"]\ntolerance = ' + "9" * 5000, "kpi.toml")
    assert str(caught.value) == 'kpi.toml: indicators."HR 01".tolerance: a number of 5,000 digits is too large'
    with pytest.raises(CellInputError) as caught:
        kpi_status(50, 80, "Bigger", 0.1, "percent")
    assert str(caught.value) == 'mode: must be "relative", "points" or "percentage points", not \'percent\''


# (value, mode, number read, why)
ACCEPTED = [
    (0.05, "relative", 0.05, "a fraction"),
    ("5%", "relative", 0.05, "a percentage as text"),
    ("0.05", "relative", 0.05, "a number as text"),
    (1, "relative", 1.0, "100% is the most"),
    (0, "relative", 0.0, "zero"),
    (2, "points", 2.0, "points"),
    (250, "points", 250.0, "points have no upper bound"),
]


@pytest.mark.parametrize("value, mode, number, why", ACCEPTED, ids=[c[-1] for c in ACCEPTED])
def test_an_accepted_tolerance_is_the_same_number_everywhere(value, mode, number, why):
    toml = f'"{value}"' if isinstance(value, str) else str(value)
    assert load_rules(f'tolerance_mode = "{mode}"\ntolerance = {toml}').tolerance == number
    assert rules_from_rows([["tolerance_mode", mode], ["tolerance", value]]).tolerance == number
    out = _one_row(actual=1, target=1, polarity="bigger", tolerance=value, tolerance_mode=mode)
    assert out["tolerance"][0] == number


def test_a_percentage_is_refused_in_points_mode_everywhere():
    words = "'2%' is a percentage, but in points mode the tolerance is a number of points: write 2"
    assert words in _reason(lambda: load_rules('tolerance_mode = "points"\ntolerance = "2%"'))
    assert words in _reason(lambda: kpi_status("87%", "90%", "Bigger", "2%", "points"))


def test_blank_tolerance_and_mode_in_a_cell_function_are_the_defaults():
    assert kpi_status(72, 80, "Bigger", "", " ") == kpi_status(72, 80) == "Within tolerance"


# Points on a percentage indicator are percentage points ----------------------------------------

# 87% against 90% with 2 points: 3 points short, off; 88.5%: 1.5 points short, within.
POINTS_TOML = 'tolerance = 2\ntolerance_mode = "points"\npolarity = "bigger"\n'


def test_points_on_text_percentages_are_percentage_points():
    assert status("87%", "90%", "bigger", 2, "points") == "off"
    assert status("88.5%", "90%", "bigger", 2, "points") == "within"
    assert status("88%", "90%", "bigger", 2, "points") == "within"  # the edge belongs to within


def test_points_on_percent_formatted_cells_are_percentage_points():
    out = evaluate_columns({
        "actual": np.array([0.87, 0.885, 87.0], dtype=object),
        "target": np.array([0.9, 0.9, 90.0], dtype=object),
        "actual_is_percent": np.array([True, True, False]),
        "target_is_percent": np.array([True, True, False]),
        "polarity": np.array(["bigger"] * 3, dtype=object),
    }, load_rules(POINTS_TOML))  # fmt: skip
    # The third is a plain 87 against 90: its units are the sheet's numbers, 2 of them.
    assert out["status"].tolist() == ["off", "within", "off"]


def _percent_book(path, rules_rows=None):
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED_DATE})
    percent = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Reference", "Indicator", "Actual", "Target", "Commentary"])
    for row, (ref, actual, target) in enumerate([("CS 01", 0.87, 0.9), ("CS 02", 0.885, 0.9),
                                                 ("CS 03", "87%", "90%")], start=1):  # fmt: skip
        sheet.write(row, 0, ref)
        sheet.write(row, 1, f"% calls answered ({ref})")
        for column, value in ((2, actual), (3, target)):
            if isinstance(value, float):
                sheet.write_number(row, column, value, percent)
            else:
                sheet.write_string(row, column, value)
    if rules_rows:
        rules = book.add_worksheet("KPI Rules")
        for row, values in enumerate(rules_rows):
            rules.write_row(row, 0, values)
    book.close()
    return path


def test_points_in_the_rules_file_are_percentage_points(tmp_path):
    book = _percent_book(tmp_path / "book.xlsx")
    (tmp_path / "kpi.toml").write_text(POINTS_TOML)
    assert check_book(book).indicators["status"].tolist() == ["off", "within", "off"]


def test_points_per_indicator_in_the_rules_file_are_percentage_points(tmp_path):
    book = _percent_book(tmp_path / "book.xlsx")
    (tmp_path / "kpi.toml").write_text('polarity = "bigger"\n[indicators."CS 02"]\n'
                                       'tolerance = 2\ntolerance_mode = "points"\n')  # fmt: skip
    # CS 01, CS 03 keep the 10% relative band (87% against 90% is within it).
    assert check_book(book).indicators["status"].tolist() == ["within", "within", "within"]
    (tmp_path / "kpi.toml").write_text('polarity = "bigger"\n[indicators."CS 01"]\n'
                                       'tolerance = 2\ntolerance_mode = "points"\n')  # fmt: skip
    assert check_book(book).indicators["status"].tolist() == ["off", "within", "within"]


def test_points_in_the_rules_sheet_are_percentage_points(tmp_path):
    book = _percent_book(tmp_path / "book.xlsx", [["Key", "Value"], ["tolerance", 2],
                                                  ["tolerance mode", "points"],
                                                  ["polarity", "bigger"]])  # fmt: skip
    assert check_book(book).indicators["status"].tolist() == ["off", "within", "off"]


def test_points_per_indicator_in_the_rules_sheet_are_percentage_points(tmp_path):
    book = _percent_book(tmp_path / "book.xlsx", [
        ["polarity", "bigger"],
        ["Reference", "tolerance", "tolerance_mode"],
        ["CS 01", 2, "points"], ["CS 02", "2", "points"], ["CS 03", 2, "points"]])  # fmt: skip
    assert check_book(book).indicators["status"].tolist() == ["off", "within", "off"]


def test_points_in_cell_functions_know_a_percentage_by_its_text_or_the_mode():
    assert kpi_status("87%", "90%", "Bigger", 2, "points") == "Off target"
    assert kpi_status("88.5%", "90%", "Bigger", 2, "points") == "Within tolerance"
    # A cell formatted as % reaches a cell function as its value only (0.87): say so in the mode.
    assert kpi_status(0.87, 0.9, "Bigger", 2, "percentage points") == "Off target"
    assert kpi_status(0.885, 0.9, "Bigger", 2, "percentage points") == "Within tolerance"
    assert kpi_rag([[0.87], [0.885]], [[0.9], [0.9]], "Bigger", 2, "pp") == [["R"], ["A"]]
    # Plain figures in points mode: points of the figures themselves.
    assert kpi_status(87, 90, "Bigger", 2, "points") == "Off target"
    assert kpi_status(88.5, 90, "Bigger", 2, "points") == "Within tolerance"
