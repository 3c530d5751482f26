"""A whole table of indicators in, the same table with statuses, variances and trends out.

`evaluate_columns` is the engine: named numpy columns in (what the workbook reader and the cell
functions make), the same plus results out. `evaluate` is a thin adapter for a pandas DataFrame
(the optional extra kpi-addin[pandas]).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .columns import Columns, as_array, by_unique, factorize, pandas
from .rules import RAG_LETTERS, Rules, default_rules
from .settings import MODES, PERCENTAGE_POINTS, RELATIVE, read_mode, read_tolerance
from .status import (
    STATUSES,
    TRENDS,
    figure_tolerance,
    looks_like_percent_indicator,
    status_codes,
    trend_codes,
    unit_mismatches,
    variances,
    yes_no_codes,
)
from .units import YES_NO, align, parse_unit_cell
from .values import (
    KIND_BLANK,
    KIND_ERROR,
    KIND_MARKER,
    ParsedColumn,
    parse_cells,
    parse_polarity,
    parse_value,
    says_no_target,
)

OUTPUT_COLUMNS = (
    "actual_value", "target_value", "previous_value", "polarity_code", "tolerance",
    "tolerance_mode", "unit_mismatch", "status", "label", "rag", "colour", "variance",
    "variance_pct", "favourable", "trend", "typed_status", "actual_percent",
    "target_percent", "unit", "units_differ", "yes_no", "actual_note", "target_note",
    "actual_suppressed", "target_suppressed",
)  # fmt: skip


def _row_polarity(value) -> str | None:
    """'bigger' / 'smaller'; '' for a blank or marker cell (take the rules'); None when unreadable."""
    code = parse_polarity(value)
    if code is not None:
        return code
    if value is None or parse_value(value).kind in (KIND_BLANK, KIND_MARKER, KIND_ERROR):
        return ""
    return None


def _overrides(columns: Columns, rules: Rules) -> np.ndarray:
    """The rules' per-indicator override for each row (or None), one look-up per distinct pair."""
    ref_codes, refs = factorize(columns.column("reference"))
    name_codes, names = factorize(columns.column("indicator"))
    pair_codes, pairs = factorize((ref_codes + 1).astype(np.int64) * (len(names) + 1)
                                  + (name_codes + 1))  # fmt: skip
    refs, names = [None, *refs], [None, *names]
    mapped = np.empty(len(pairs), dtype=object)
    mapped[:] = [rules.override_for(refs[p // (len(names))], names[p % len(names)]) for p in pairs]
    return mapped[pair_codes]


def _settings(columns: Columns, rules: Rules):
    """Polarity, tolerance and mode (an index into MODES) per row: the row's own, else an
    override, else the rules. The row's tolerance and mode are read by kpi_rules.settings, as the
    rules file's are: a bad one raises SettingError.

    A polarity cell that is filled in but unreadable ("Sideways") is not replaced by the rules'
    default: the indicator is not assessed (never guess a polarity silently). The last array says
    which rows took the rules' default polarity.
    """
    n = columns.height
    polarity = by_unique(columns.column("polarity"), _row_polarity, "")
    blank = polarity == ""
    tolerance = np.full(n, rules.tolerance)
    modes = np.full(n, MODES.index(rules.tolerance_mode), dtype=np.int8)
    if rules.indicators:
        overrides = _overrides(columns, rules)
        for i in np.flatnonzero(overrides != None):  # element-wise
            override = overrides[i]
            if blank[i] and override.polarity:
                polarity[i], blank[i] = override.polarity, False
            if override.tolerance is not None:
                tolerance[i] = override.tolerance
            if override.tolerance_mode is not None:
                modes[i] = MODES.index(override.tolerance_mode)
    if "tolerance_mode" in columns:
        own = by_unique(columns["tolerance_mode"], _mode_index, -1, dtype=np.int8)
        modes = np.where(own >= 0, own, modes).astype(np.int8)
    if "tolerance" in columns:
        tolerance = _row_tolerances(columns["tolerance"], modes, tolerance)
    polarity[blank] = rules.polarity
    return polarity, tolerance, modes, blank


def _mode_index(value) -> int:
    mode = read_mode(value)
    return -1 if mode is None else MODES.index(mode)


def _row_tolerances(values, modes: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Each row's own tolerance, read once per distinct (value, mode); blank rows keep fallback."""
    value_codes, distinct = factorize(values)
    rows = np.flatnonzero(value_codes >= 0)
    pair_codes, pairs = factorize(value_codes[rows].astype(np.int64) * len(MODES) + modes[rows])
    read = np.array([_tolerance_or_nan(distinct[p // len(MODES)], MODES[p % len(MODES)])
                     for p in pairs], dtype=np.float64)  # fmt: skip
    own = read[pair_codes] if len(pairs) else np.empty(0)
    given = ~np.isnan(own)
    out = fallback.copy()
    out[rows[given]] = own[given]
    return out


def _tolerance_or_nan(value, mode: str) -> float:
    tolerance = read_tolerance(value, mode)
    return np.nan if tolerance is None else tolerance


INPUT_COLUMNS = (
    "reference", "indicator", "polarity", "actual", "target", "previous", "commentary",
    "status_typed", "actual_is_percent", "target_is_percent", "previous_is_percent", "tolerance",
    "tolerance_mode", "unit",
)  # fmt: skip


def evaluate_columns(columns: Mapping, rules: Rules | None = None) -> Columns:
    """The engine on named columns: the input columns plus OUTPUT_COLUMNS (new arrays; the input
    arrays are not changed). Input columns are those of `evaluate`; any may be missing."""
    table = columns if isinstance(columns, Columns) else Columns(
        {name: as_array(values) for name, values in columns.items()})  # fmt: skip
    out = Columns(table, table.height)
    out.update(_results(table, rules or default_rules()))
    return out


def _side(table: Columns, role: str, row_units) -> ParsedColumn:
    """One figure column read, with the percent format flags and the row's "Unit" cell applied
    to plain numbers ("£k" makes 450 into £450,000)."""
    parsed = parse_cells(table.column(role))
    percent = parsed.percent | table.flags(f"{role}_is_percent")
    if row_units is None:
        return parsed._replace(percent=percent)
    keys, multipliers, _ = row_units
    plain = (parsed.units == None) & ~percent & (keys != None)
    numbers = np.where(plain, parsed.numbers * multipliers, parsed.numbers)
    units = np.where(plain, keys, parsed.units)
    return parsed._replace(numbers=numbers, percent=percent, units=units)


def _row_units(table: Columns):
    """(unit key, multiplier, percent indicator) per row from a "Unit" column, or None."""
    if "unit" not in table:
        return None
    read = by_unique(table["unit"], parse_unit_cell, (None, 1.0, False))
    keys = np.empty(table.height, dtype=object)
    keys[:] = [unit for unit, _, _ in read]
    multipliers = np.array([m for _, m, _ in read], dtype=np.float64)
    percent = np.array([p for _, _, p in read], dtype=bool)
    return keys, multipliers, percent


def _results(table: Columns, rules: Rules) -> dict[str, np.ndarray]:
    row_units = _row_units(table)
    read_actual = _side(table, "actual", row_units)
    read_target = _side(table, "target", row_units)
    read_previous = _side(table, "previous", row_units)
    target, target_pct = read_target.numbers, read_target.percent
    actual_pct, previous_pct = read_actual.percent, read_previous.percent
    # Actual and previous in the target's unit ("2 hrs" against "90 mins" is 120 minutes).
    actual, unit, units_differ = align(target, read_target.units, target_pct,
                                       read_actual.numbers, read_actual.units, actual_pct)
    previous, _, previous_differs = align(actual, unit, actual_pct, read_previous.numbers,
                                          read_previous.units, previous_pct)  # fmt: skip
    polarity, tolerance, modes, defaulted = _settings(table, rules)
    points = modes != MODES.index(RELATIVE)
    yes_no = (unit == YES_NO) & ~units_differ
    known = polarity != None  # element-wise
    bigger = polarity == "bigger"
    names = table.get("indicator")
    unit_percent = row_units[2] if row_units is not None else None

    def percent_indicator(rows: np.ndarray) -> np.ndarray:
        if names is None or not len(rows):
            named = np.zeros(len(rows), dtype=bool)
        else:
            named = by_unique(names[rows], looks_like_percent_indicator, False, dtype=bool)
        return named if unit_percent is None else named | unit_percent[rows]

    mismatch = units_differ | unit_mismatches(actual, target, actual_pct, target_pct,
                                              percent_indicator)  # fmt: skip
    scales_differ = previous_differs | unit_mismatches(actual, previous, actual_pct, previous_pct,
                                                       percent_indicator)  # fmt: skip
    percent_scale = actual_pct | target_pct | (modes == MODES.index(PERCENTAGE_POINTS))
    band = figure_tolerance(tolerance, points, percent_scale)
    codes = status_codes(actual, target, (known | yes_no) & ~mismatch, bigger, band, points)
    codes = yes_no_codes(codes, actual, target, yes_no & ~mismatch)
    # A data-only indicator ("N/A" as its target) judged by the default polarity would get a
    # value judgement nobody made ("Number of children looked after: Improving"): no trend then.
    data_only = by_unique(table.column("target"), says_no_target, False, dtype=bool)
    judged = known & ~(defaulted & data_only)
    trends = trend_codes(actual, previous, judged & ~scales_differ, bigger)
    raw, pct = variances(np.where(mismatch | yes_no, np.nan, actual), target)
    typed = (by_unique(table["status_typed"], rules.status_from_label, None)
             if "status_typed" in table else np.full(table.height, None, dtype=object))  # fmt: skip
    return {
        "actual_value": actual, "target_value": target, "previous_value": previous,
        "polarity_code": polarity.astype(object),
        "tolerance": tolerance,
        "tolerance_mode": _pick(MODES, modes),
        "unit_mismatch": mismatch,
        "status": _pick(STATUSES, codes),
        "label": _pick([rules.label(s) for s in STATUSES], codes),
        "rag": _pick([RAG_LETTERS[s] for s in STATUSES], codes),
        "colour": _pick([rules.colour(s) for s in STATUSES], codes),
        "variance": raw, "variance_pct": pct,
        "favourable": _pick([True, False, False, None], codes),
        "trend": _pick(TRENDS, trends),
        "typed_status": typed,
        # shown as percentages (a percent format or "35%" typed): findings and number formats
        "actual_percent": actual_pct, "target_percent": target_pct,
        "unit": unit, "units_differ": units_differ, "yes_no": yes_no,
        "actual_note": read_actual.notes, "target_note": read_target.notes,
        "actual_suppressed": read_actual.suppressed, "target_suppressed": read_target.suppressed,
    }  # fmt: skip


def _pick(choices, codes: np.ndarray) -> np.ndarray:
    options = np.empty(len(choices), dtype=object)
    options[:] = list(choices)
    return options[codes]


def evaluate(frame, rules: Rules | None = None):
    """evaluate_columns for a pandas DataFrame (a thin adapter: needs kpi-addin[pandas]): status,
    label, RAG, colour, variance, variance %, trend and checks on every row, as a new frame (the
    input is not changed).

    Input columns (any may be missing): reference, indicator, polarity, actual, target, previous,
    commentary, status_typed, actual_is_percent, target_is_percent, previous_is_percent,
    tolerance, tolerance_mode.
    """
    pd = pandas()

    table = Columns({name: as_array(frame[name]) for name in INPUT_COLUMNS if name in frame},
                    len(frame))  # fmt: skip
    results = _results(table, rules or default_rules())
    # A shallow copy: the input is never changed (pandas copy-on-write), and no data is copied.
    out = frame.copy(deep=False)
    for name in OUTPUT_COLUMNS:  # object columns stay object, so a missing value stays None
        values = results[name]
        out[name] = pd.Series(values, index=out.index, dtype=values.dtype, copy=False)
    return out


__all__ = ["INPUT_COLUMNS", "OUTPUT_COLUMNS", "evaluate", "evaluate_columns", "parse_polarity"]


# --- a typed status column's style ------------------------------------------------------------

# How a typed status column is written back when it holds RAG letters or colour words rather than
# the rules' labels: a column of letters gets letters. "N/A" is read back as none.
STATUS_STYLES = {
    "letters": {"on": "G", "within": "A", "off": "R", "none": "N/A"},
    "words": {"on": "Green", "within": "Amber", "off": "Red", "none": "N/A"},
}
_STYLE_OF = {fold_text: style for style, texts in (
    ("letters", ("g", "a", "r", "b")), ("words", ("green", "amber", "red", "blue")))
    for fold_text in texts}  # fmt: skip


def typed_status_style(typed_texts) -> str | None:
    """'letters' or 'words' when most typed statuses are RAG letters or colour words (what
    refresh writes back), else None: the rules' labels."""
    seen = {"letters": 0, "words": 0, None: 0}
    for text in typed_texts:
        if isinstance(text, str) and text.strip() and parse_value(text).kind != KIND_MARKER:
            seen[_STYLE_OF.get(" ".join(text.split()).casefold())] += 1
    style = max(("letters", "words"), key=seen.__getitem__)
    return style if seen[style] and seen[style] * 2 > sum(seen.values()) else None


def status_texts(rules: Rules, style: str | None) -> dict[str, str]:
    """The text written for each status in a column of this style."""
    return STATUS_STYLES[style] if style else {code: rules.label(code) for code in STATUSES}
