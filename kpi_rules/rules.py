"""The rules file (TOML, or the rows of a "KPI Rules" sheet): load, check, defaults, overrides.

Every mistake is a RulesError whose message names the key, e.g.
`kpi.toml: labels.onn: unknown key (did you mean 'on'?)`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .errors import KpiError
from .matching import name_key, reference_key
from .settings import (
    DEFAULT_MODE,
    DEFAULT_TOLERANCE,
    SettingError,
    read_mode,
    read_polarity,
    read_tolerance,
    too_large,
)
from .status import STATUSES
from .values import fold

ROLES = ("reference", "indicator", "polarity", "actual", "target", "previous", "commentary",
         "status")  # fmt: skip
TOP_KEYS = ("tolerance", "tolerance_mode", "polarity", "commentary_required", "labels", "colors",
            "columns", "commentary", "indicators")  # fmt: skip
COMMENTARY_KEYS = ("sheet", "key", "text")
INDICATOR_KEYS = ("polarity", "tolerance", "tolerance_mode")

# The RAG letters and words: recognised whatever the rules' labels say (domain.md). Blue is
# "exceeded" where councils use BRAG; Info and Data only mean no assessment.
RAG_WORDS = {
    "on": ("Green", "G", "Blue", "B", "Exceeded"),
    "within": ("Amber", "A"),
    "off": ("Red", "R"),
    "none": ("Grey", "Gray", "Info", "Data only"),
}
DEFAULT_LABELS = {
    "on": ("On target", "On target or better", "On/Above target", "Above target", "Positive outturn",
           "Below target (positive)", "Achieved", "Met", *RAG_WORDS["on"]),
    "within": ("Within tolerance", "Within 10% of target", "Within target", "Near target",
               *RAG_WORDS["within"]),
    "off": ("Off target", "More than 10% off target", "Below target", "Negative outturn",
            "Not achieved", "Not met", *RAG_WORDS["off"]),
    "none": ("Not assessed", "N/A", *RAG_WORDS["none"]),
}  # fmt: skip
DEFAULT_COLORS = {"on": "#00B050", "within": "#FFC000", "off": "#FF0000", "none": "#BFBFBF"}
RAG_LETTERS = {"on": "G", "within": "A", "off": "R", "none": ""}
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_COLUMN_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


class RulesError(KpiError):
    """A mistake in the rules: one line naming the source and the key."""

    def __init__(self, source: str, key: str, reason: str):
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}")


@dataclass(frozen=True)
class CommentarySource:
    """A notes sheet named in the rules. A header left out (None) is found by synonyms, as in a
    notes sheet the rules do not name: key = a reference or indicator column, text = a note or
    commentary column."""

    sheet: str
    key: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class IndicatorRule:
    polarity: str | None = None
    tolerance: float | None = None
    tolerance_mode: str | None = None


@dataclass(frozen=True)
class Rules:
    tolerance: float = DEFAULT_TOLERANCE
    tolerance_mode: str = DEFAULT_MODE
    polarity: str | None = None
    commentary_required: tuple[str, ...] = ("off",)
    labels: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    colors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLORS))
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    commentary: CommentarySource | None = None
    indicators: dict[str, IndicatorRule] = field(default_factory=dict)
    source: str = field(default="defaults", compare=False)  # where they came from, not what

    def label(self, status: str) -> str:
        """The label written for a status code."""
        return self.labels[status][0]

    def colour(self, status: str) -> str:
        return self.colors[status]

    def rag(self, status: str) -> str:
        return RAG_LETTERS[status]

    def status_from_label(self, text) -> str | None:
        """The status code a person's typed text means, or None if it is not a known label."""
        if not isinstance(text, str):
            return None
        return self._label_index.get(fold(text))

    def override_for(self, reference, indicator) -> IndicatorRule | None:
        by_reference, by_name = self._override_index
        ref = reference_key(reference)
        if ref and ref in by_reference:
            return by_reference[ref]
        name = name_key(indicator)
        return by_name.get(name) if name else None

    @cached_property
    def _label_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for code, texts in self.labels.items():
            for text in texts:
                index.setdefault(fold(text), code)
        for code in STATUSES:
            index.setdefault(code, code)
        for code, words in RAG_WORDS.items():
            for word in words:
                index.setdefault(fold(word), code)
        return index

    @cached_property
    def _override_index(self) -> tuple[dict[str, IndicatorRule], dict[str, IndicatorRule]]:
        items = self.indicators.items()
        by_reference = {reference_key(k): v for k, v in items if reference_key(k)}
        by_name = {name_key(k): v for k, v in items if name_key(k)}
        return by_reference, by_name

    def to_dict(self) -> dict[str, Any]:
        """The rules as TOML-shaped data: rules_from_dict(r.to_dict()) == r."""
        data: dict[str, Any] = {
            "tolerance": self.tolerance,
            "tolerance_mode": self.tolerance_mode,
            "commentary_required": list(self.commentary_required),
            "labels": {code: list(texts) for code, texts in self.labels.items()},
            "colors": dict(self.colors),
        }
        if self.polarity:
            data["polarity"] = self.polarity
        columns = dict(self.columns)
        if self.sheet:
            columns["sheet"] = self.sheet
        if columns:
            data["columns"] = columns
        if self.commentary:
            data["commentary"] = {key: getattr(self.commentary, key) for key in COMMENTARY_KEYS
                                  if getattr(self.commentary, key) is not None}  # fmt: skip
        if self.indicators:
            data["indicators"] = {
                key: {k: v for k, v in vars(rule).items() if v is not None}
                for key, rule in self.indicators.items()
            }
        return data


def default_rules() -> Rules:
    return _DEFAULTS


# Loading and checking --------------------------------------------------------------------------


def load_rules(text: str, source: str = "rules") -> Rules:
    """Rules from TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(source, "TOML", f"not valid TOML ({exc})") from None
    except ValueError:  # an integer beyond Python's limit on digits (tomllib calls int())
        raise _too_long_integer(text, source) from None
    return rules_from_dict(data, source)


_LONG_INTEGER = re.compile(r"^\s*([^=\s][^=]*?)\s*=\s*[-+]?(\d[\d_]{999,})\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$")


def _too_long_integer(text: str, source: str) -> RulesError:
    """The key holding an integer too long to read, refused as any too-large setting is."""
    table = ""
    for line in text.splitlines():
        header = _TABLE_HEADER.match(line)
        if header:
            table = header.group(1) + "."
        long_integer = _LONG_INTEGER.match(line)
        if long_integer:
            digits = len(long_integer.group(2).replace("_", "").lstrip("0")) or 1
            error = too_large(table + long_integer.group(1), digits)
            return RulesError(source, error.key, error.reason)
    return RulesError(source, "TOML", "not valid TOML (a number too long to read)")


def rules_from_dict(data: dict[str, Any], source: str = "rules") -> Rules:
    _no_unknown_keys(data, TOP_KEYS, "", source)
    checks = _Checker(source)
    tolerance_mode = checks.mode(data.get("tolerance_mode", "relative"), "tolerance_mode")
    columns = checks.columns(data.get("columns", {}))
    labels = checks.labels(data.get("labels", {}))
    rules = Rules(
        tolerance=checks.tolerance(data.get("tolerance", 0.10), "tolerance", tolerance_mode),
        tolerance_mode=tolerance_mode,
        polarity=checks.polarity(data["polarity"], "polarity") if "polarity" in data else None,
        commentary_required=checks.statuses(data.get("commentary_required", ["off"])),
        labels=labels,
        colors=checks.colors(data.get("colors", {})),
        columns={k: v for k, v in columns.items() if k != "sheet"},
        sheet=columns.get("sheet"),
        commentary=checks.commentary(data.get("commentary")),
        indicators=checks.indicators(data.get("indicators", {}), tolerance_mode),
        source=source,
    )
    return rules


def _no_unknown_keys(data, allowed, prefix: str, source: str) -> None:
    if not isinstance(data, dict):
        raise RulesError(source, prefix.rstrip(".") or "rules", "must be a table of keys")
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else f" (expected one of: {', '.join(allowed)})"
            raise RulesError(source, f"{prefix}{key}", f"unknown key{suggestion}")


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, reason: str):
        raise RulesError(self.source, key, reason)

    # Tolerance, mode and polarity: kpi_rules.settings reads them, as for every other caller.
    def tolerance(self, value, key: str, mode: str) -> float:
        return self._setting(read_tolerance, value, mode, key, True)

    def mode(self, value, key: str) -> str:
        return self._setting(read_mode, value, key, True)

    def polarity(self, value, key: str) -> str:
        return self._setting(read_polarity, value, key)

    def _setting(self, reader, *args):
        try:
            return reader(*args)
        except SettingError as exc:
            raise RulesError(self.source, exc.key, exc.reason) from None

    def statuses(self, value) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail("commentary_required", "must be a list of statuses, e.g. [\"off\"]")
        codes = []
        for item in value:
            code = fold(item) if isinstance(item, str) else None
            if code not in STATUSES:
                self.fail("commentary_required", f"unknown status {item!r} (use on, within, off, none)")
            codes.append(code)
        return tuple(dict.fromkeys(codes))

    def labels(self, value) -> dict[str, tuple[str, ...]]:
        _no_unknown_keys(value, STATUSES, "labels.", self.source)
        labels = dict(DEFAULT_LABELS)
        seen: dict[str, str] = {}
        for code, texts in value.items():
            key = f"labels.{code}"
            texts = [texts] if isinstance(texts, str) else texts
            if not isinstance(texts, list) or not texts:
                self.fail(key, "must be a label or a non-empty list of labels")
            for text in texts:
                if not isinstance(text, str) or not text.strip():
                    self.fail(key, f"labels must be non-empty text, not {text!r}")
                if text.strip()[0] in "=+-@":
                    self.fail(key, f"label {text!r} would be read as a formula; start it with a letter")
                other = seen.setdefault(fold(text), code)
                if other != code:
                    self.fail(key, f"label {text!r} is also given for '{other}'")
            labels[code] = tuple(t.strip() for t in texts)
        # A council's own label wins over a default synonym of another status.
        for code in STATUSES:
            if code not in value:
                labels[code] = tuple(t for t in labels[code] if seen.get(fold(t), code) == code)
        return labels

    def colors(self, value) -> dict[str, str]:
        _no_unknown_keys(value, STATUSES, "colors.", self.source)
        colors = dict(DEFAULT_COLORS)
        for code, colour in value.items():
            if not isinstance(colour, str) or not _COLOUR.match(colour.strip()):
                self.fail(f"colors.{code}", f"must be a colour like \"#00B050\", not {colour!r}")
            colors[code] = colour.strip().upper()
        return colors

    def columns(self, value) -> dict[str, str]:
        _no_unknown_keys(value, ROLES + ("sheet",), "columns.", self.source)
        for role, header in value.items():
            if not isinstance(header, str) or not header.strip():
                self.fail(f"columns.{role}", f"must be a header text or a column letter, not {header!r}")
        return {role: header.strip() for role, header in value.items()}

    def commentary(self, value) -> CommentarySource | None:
        if value is None:
            return None
        _no_unknown_keys(value, COMMENTARY_KEYS, "commentary.", self.source)
        if not isinstance(value.get("sheet"), str) or not value["sheet"].strip():
            self.fail("commentary.sheet", "is required: the sheet holding the notes")
        for key in ("key", "text"):
            if key in value and (not isinstance(value[key], str) or not value[key].strip()):
                self.fail(f"commentary.{key}", f"must be a header text, not {value[key]!r}")
        return CommentarySource(**{k: v.strip() for k, v in value.items()})

    def indicators(self, value, default_mode: str = "relative") -> dict[str, IndicatorRule]:
        if not isinstance(value, dict):
            self.fail("indicators", "must be a table of [indicators.\"REF\"] sections")
        rules = {}
        for name, settings in value.items():
            prefix = f'indicators."{name}"'
            _no_unknown_keys(settings, INDICATOR_KEYS, prefix + ".", self.source)
            mode = self.mode(settings["tolerance_mode"], f"{prefix}.tolerance_mode") if "tolerance_mode" in settings else None
            tolerance = (self.tolerance(settings["tolerance"], f"{prefix}.tolerance", mode or default_mode)
                         if "tolerance" in settings else None)  # fmt: skip
            polarity = self.polarity(settings["polarity"], f"{prefix}.polarity") if "polarity" in settings else None
            rules[str(name)] = IndicatorRule(polarity, tolerance, mode)
        return rules


_DEFAULTS = Rules()


def with_overrides(rules: Rules, **changes) -> Rules:
    return replace(rules, **changes)


# The "KPI Rules" sheet ------------------------------------------------------------------------
# Key/Value rows ("tolerance | 0.05", "labels.on | On track | Green", "columns.actual | Q2"),
# then optionally an indicator table whose header starts with "Indicator" or "Reference":
# "Indicator | polarity | tolerance | tolerance_mode".

_LIST_KEYS = ("commentary_required",)
_TABLE_STARTS = ("indicator", "reference", "indicators")


def rules_from_rows(rows: list[list[Any]], source: str = "KPI Rules sheet") -> Rules:
    """Rules from the cell values of a "KPI Rules" sheet (a list of rows, each a list of cells).

    Keys are read case-insensitively with spaces as underscores ("Tolerance mode" is
    tolerance_mode); rows with a blank first cell, or a first cell starting with "#", are ignored.
    """
    data: dict[str, Any] = {}
    rows = [list(row) for row in rows]
    for index, row in enumerate(rows):
        cells = _trimmed(row)
        if not cells or cells[0] in (None, "") or str(cells[0]).lstrip().startswith("#"):
            continue
        key = _sheet_key(str(cells[0]))
        if key in _TABLE_STARTS:
            data["indicators"] = _indicator_table(cells, rows[index + 1:], source, index + 1)
            break
        if key in ("key", "setting"):  # a header row of the key/value block
            continue
        values = [v for v in cells[1:] if v not in (None, "")]
        if not values:
            raise RulesError(source, key, f"row {index + 1} has a key but no value")
        _set_dotted(data, key, _sheet_value(key, values), source)
    return rules_from_dict(data, source)


def _sheet_key(text: str) -> str:
    """'Tolerance mode' -> 'tolerance_mode', 'Labels.On' -> 'labels.on'."""
    return ".".join(_SPACES_OR_DASHES.sub("_", part.strip().casefold()) for part in text.split("."))


_SPACES_OR_DASHES = re.compile(r"[\s_-]+")


def _trimmed(row: list[Any]) -> list[Any]:
    cells = [c.strip() if isinstance(c, str) else c for c in row]
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return cells


def _cell_text(value: Any) -> Any:
    """A header or label typed as a number (2022) is text to the rules."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _sheet_value(key: str, values: list[Any]) -> Any:
    parts = key.split(".")
    if parts[0] == "labels" or key in _LIST_KEYS:
        return [str(_cell_text(v)) for v in values]
    value = values[0]
    if parts[0] in ("columns", "commentary"):
        return _cell_text(value)
    return value


def _set_dotted(data: dict, key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise RulesError(source, key, "mixes a value and a table")
    node[parts[-1]] = value


def _indicator_table(header: list[Any], rows: list[list[Any]], source: str, header_row: int):
    names = [_sheet_key(str(h)) for h in header[1:]]
    for name in names:
        if name not in INDICATOR_KEYS:
            hint = difflib.get_close_matches(name, INDICATOR_KEYS, n=1)
            reason = f"unknown column in the indicator table (row {header_row})"
            raise RulesError(source, name, reason + (f"; did you mean '{hint[0]}'?" if hint else ""))
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        cells = _trimmed(row)
        if not cells or cells[0] in (None, ""):
            continue
        settings = {n: v for n, v in zip(names, cells[1:]) if v not in (None, "")}
        table[str(_cell_text(cells[0])).strip()] = settings
    return table


def readable_text_colour(background: str) -> str:
    """Black or white text, whichever has the higher contrast on `background` (WCAG 2 formula)."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(background[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "#000000" if on_black >= on_white else "#FFFFFF"
