"""How much work one request may ask of the server, and how long it may take: read once from
the environment (KPI_* settings, README "Limits"), with Excel's own sheet size as the hard cap.

A bad value stops `kpi serve` with one line naming the setting (LimitsError)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from kpi_rules.errors import KpiError
from workbook.addresses import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS

__all__ = ["EXCEL_MAX_COLUMNS", "EXCEL_MAX_ROWS", "Limits", "LimitsError", "current_limits"]


class LimitsError(KpiError):
    """A KPI_* limit setting that is not a positive number."""


@dataclass(frozen=True)
class Limits:
    function_body: int = 16 * 2**20  # bytes of one cell-function request
    script_body: int = 64 * 2**20  # bytes of one button's request
    function_cells: int = 200_000  # cells in all the arguments of one cell-function call
    sheet_cells: int = 2_000_000  # cells of one sheet sent with a button
    script_seconds: float = 120.0  # one button's work in a script process
    body_seconds: float = 30.0  # a client has this long to send its request body
    header_seconds: float = 10.0  # ... and this long for its request's headers

    @classmethod
    def from_environment(cls, environ=None) -> Limits:
        environ = os.environ if environ is None else environ
        return cls(
            function_body=int(_number(environ, "KPI_MAX_FUNCTION_BODY_MB", 16) * 2**20),
            script_body=int(_number(environ, "KPI_MAX_SCRIPT_BODY_MB", 64) * 2**20),
            function_cells=int(_number(environ, "KPI_MAX_FUNCTION_CELLS", cls.function_cells)),
            sheet_cells=int(_number(environ, "KPI_MAX_SHEET_CELLS", cls.sheet_cells)),
            script_seconds=_number(environ, "KPI_SCRIPT_TIMEOUT_S", cls.script_seconds),
            body_seconds=_number(environ, "KPI_BODY_TIMEOUT_S", cls.body_seconds),
            header_seconds=_number(environ, "KPI_HEADER_TIMEOUT_S", cls.header_seconds),
        )


def _number(environ, key: str, default: float) -> float:
    text = environ.get(key)
    if text is None or not str(text).strip():
        return float(default)
    try:
        value = float(text)
    except ValueError:
        raise LimitsError(f"{key} must be a number, not {text[:40]!r}") from None
    if not 0 < value < 1e12:
        raise LimitsError(f"{key} must be a positive number, not {text[:40]!r}")
    return value


_current: Limits | None = None


def current_limits(reload: bool = False) -> Limits:
    """The limits in force in this process (read from the environment the first time)."""
    global _current
    if _current is None or reload:
        _current = Limits.from_environment()
    return _current
