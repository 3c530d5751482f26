"""Typed models of the two requests the Office.js client posts, checked before xlwings Server
sees them: a cell-function call (/xlwings/custom-functions-call) and a button's book
(/xlwings/custom-scripts-call/{script}).

xlwings Server indexes the JSON directly, so a body of the wrong shape would be an HTTP 500 or,
worse, an alert quoting Python's own words. Here every field our code or xlwings reads has a
type; anything else (new fields of a newer client) is ignored. A failed check is a `BadRequest`
with an HTTP status and one line naming the field; a request over a limit is a 413.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from addin.service.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, Limits
from kpi_rules.errors import one_line
from workbook.addresses import parse_cell


class BadRequest(Exception):
    """A request the server refuses: `status` (4xx) and a one-line `message` for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = one_line(message)


class TooLarge(BadRequest):
    def __init__(self, message: str):
        super().__init__(413, message)


# A number as Excel holds it: a finite double. JSON integers beyond that (10**400) are refused
# here, so no cell function ever meets an int that float() cannot take.
_DOUBLE_MAX = int(1.7976931348623157e308)
Integer = Annotated[int, Field(strict=True, ge=-_DOUBLE_MAX, le=_DOUBLE_MAX)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Cell = StrictBool | Integer | Number | StrictStr | None
Text = StrictStr | None

CELL_WORDS = "a cell value (text, a finite number, true/false or empty)"


class RichValue(BaseModel):
    """Office.js' entity form of a cell (an error such as #N/A, a formatted number)."""

    model_config = ConfigDict(extra="allow")
    type: StrictStr
    basicValue: Cell


ArgCell = Cell | RichValue


def _rectangular(rows: list[list[Any]], what: str) -> tuple[int, int]:
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(f"{what} must be rows of equal length")
    height, width = len(rows), (widths.pop() if widths else 0)
    if height > EXCEL_MAX_ROWS or width > EXCEL_MAX_COLUMNS:
        raise TooLarge(f"{what} has {height:,} rows and {width:,} columns: more than a sheet "
                       f"holds ({EXCEL_MAX_ROWS:,} x {EXCEL_MAX_COLUMNS:,})")
    return height, width


def _within_excel(value: Any, what: str) -> Any:
    """Before the cells are checked one by one: a list of rows taller or wider than a sheet is
    refused at once (a 1.5-million-row request costs no more than reading it)."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        height = len(value)
        width = max(len(row) for row in (value[0], value[-1]) if isinstance(row, list))
        if height > EXCEL_MAX_ROWS or width > EXCEL_MAX_COLUMNS:
            raise TooLarge(f"{what} has {height:,} rows and {width:,} columns: more than a "
                           f"sheet holds ({EXCEL_MAX_ROWS:,} x {EXCEL_MAX_COLUMNS:,})")
    return value


# --- the cell-function call ------------------------------------------------------------------


class FunctionCall(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client: StrictStr
    version: StrictStr
    func_name: StrictStr
    runtime: StrictStr | Number
    args: list[ArgCell | list[list[ArgCell]]]
    caller_address: Text = None
    culture_info_name: Text = None
    date_format: Text = None
    session_id: Text = None

    @field_validator("args", mode="before")
    @classmethod
    def _sizes(cls, args: Any) -> Any:
        if isinstance(args, list):
            for position, arg in enumerate(args, start=1):
                _within_excel(arg, f"Argument {position}")
        return args

    @model_validator(mode="after")
    def _shapes(self) -> FunctionCall:
        try:
            runtime = float(self.runtime)
        except ValueError:
            runtime = math.nan
        if not math.isfinite(runtime):
            raise ValueError("'runtime' must be the custom functions runtime version")
        for position, arg in enumerate(self.args, start=1):
            if isinstance(arg, list):
                height, width = _rectangular(arg, f"Argument {position}")
                if not height or not width:
                    raise ValueError(f"Argument {position} is an empty range")
        return self

    def cells(self) -> int:
        return sum(len(a) * len(a[0]) if isinstance(a, list) else 1 for a in self.args)


# --- a button's book ----------------------------------------------------------------------------

Objects = list[dict[str, JsonValue]] | None


class BookInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: StrictStr
    active_sheet_index: StrictInt = Field(ge=0)
    selection: Text = None
    calculation: Text = None


class SheetData(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: StrictStr = Field(min_length=1, max_length=255)
    values: list[list[Cell]]
    visibility: Text = None
    show_gridlines: StrictBool | None = None
    print_area: Text = None
    notes_supported: StrictBool | None = None
    used_range_address: Text = None
    used_range_row_count: StrictInt | None = Field(default=None, ge=0)
    used_range_column_count: StrictInt | None = Field(default=None, ge=0)
    notes: Objects = None
    pictures: Objects = None
    shapes: Objects = None
    charts: Objects = None
    tables: Objects = None
    pivot_tables: Objects = None

    @field_validator("values", mode="before")
    @classmethod
    def _size(cls, values: Any) -> Any:
        return _within_excel(values, "A sheet's 'values'")

    @model_validator(mode="after")
    def _shape(self) -> SheetData:
        where = f"Sheet {self.name[:40]!r}"
        height, width = _rectangular(self.values, f"{where}: 'values'")
        if height == 0:
            raise ValueError(f"{where}: 'values' must hold at least one row")
        if self.used_range_address and (height, width) != (1, 0):
            _check_used_range(self.used_range_address, height, width, where)
        return self


def _check_used_range(address: str, height: int, width: int, where: str) -> None:
    """The client sends values from A1 to the used range's last cell: the address must be a
    range inside them, or xlwings would read past the values."""
    try:
        corners = [parse_cell(part) for part in address.split(":")]
    except ValueError as exc:
        raise ValueError(f"{where}: 'used_range_address' {exc}") from None
    if len(corners) > 2 or any(row > height or col > width for row, col in corners):
        raise ValueError(f"{where}: 'used_range_address' {address[:20]!r} is outside its values")


class ScriptCall(BaseModel):
    model_config = ConfigDict(extra="ignore")
    client: StrictStr
    version: StrictStr
    book: BookInfo
    sheets: list[SheetData] = Field(min_length=1)
    names: Objects = None
    args: list[JsonValue] | None = Field(default=None, max_length=16)

    @model_validator(mode="after")
    def _sheets(self) -> ScriptCall:
        if self.book.active_sheet_index >= len(self.sheets):
            raise ValueError("'book.active_sheet_index' must be the index of a sheet")
        seen = set()
        for sheet in self.sheets:
            key = sheet.name.casefold()
            if key in seen:
                raise ValueError(f"Sheet names must be unique: {sheet.name[:40]!r}")
            seen.add(key)
        return self


# --- checking a body -------------------------------------------------------------------------


def check_function_call(body: bytes, functions: dict[str, dict], limits: Limits) -> FunctionCall:
    """The parsed call, or BadRequest: 400 for a wrong shape, 404 for an unknown function, 413
    for more cells than KPI_MAX_FUNCTION_CELLS."""
    call = _validate(FunctionCall, body)
    info = functions.get(call.func_name)
    if info is None:
        raise BadRequest(404, f"Unknown function {call.func_name[:80]!r}.")
    args = info["args"]
    required = sum(1 for a in args if "optional" not in a)
    if not required <= len(call.args) <= len(args):
        raise BadRequest(400, f"{call.func_name} takes {required} to {len(args)} arguments, "
                              f"not {len(call.args)}.")
    if call.cells() > limits.function_cells:
        raise TooLarge(f"{call.func_name} was given {call.cells():,} cells; the limit is "
                       f"{limits.function_cells:,} (KPI_MAX_FUNCTION_CELLS)")
    return call


class ScriptParams(NamedTuple):
    """What a ribbon script takes from the client besides the book."""

    required: int
    hints: tuple[Any, ...]  # each argument's type hint, None for any JSON value


@lru_cache(maxsize=64)
def _adapter(hint: Any) -> TypeAdapter:
    return TypeAdapter(JsonValue if hint is None else hint)


def check_script_call(body: bytes, script: str, scripts: dict[str, ScriptParams],
                      limits: Limits) -> ScriptCall:
    """The parsed book, or BadRequest (404 unknown script, 413 a sheet over
    KPI_MAX_SHEET_CELLS, 400 anything else, an argument that does not match the script's
    type hints included)."""
    params = scripts.get(script)
    if params is None:
        raise BadRequest(404, f"Unknown script {script[:80]!r}.")
    call = _validate(ScriptCall, body)
    given = len(call.args or [])
    if not params.required <= given <= len(params.hints):
        raise BadRequest(400, f"Script {script!r} takes {params.required} to "
                              f"{len(params.hints)} arguments, not {given}.")
    for position, (arg, hint) in enumerate(zip(call.args or [], params.hints), start=1):
        try:
            _adapter(hint).validate_python(arg, strict=True)
        except ValidationError as exc:
            raise BadRequest(400, f"Script {script!r}: argument {position} is not valid "
                                  f"({exc.errors()[0]['msg'][:80]}).") from None
    for sheet in call.sheets:
        cells = len(sheet.values) * len(sheet.values[0])
        if cells > limits.sheet_cells:
            raise TooLarge(f"Sheet {sheet.name[:40]!r} has {cells:,} cells; the limit is "
                           f"{limits.sheet_cells:,} a sheet (KPI_MAX_SHEET_CELLS)")
    return call


def _validate(model: type[BaseModel], body: bytes) -> Any:
    if not body.strip():
        raise BadRequest(400, "The request body is empty: send a JSON object.")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(400, describe(exc)) from None
    except RecursionError:
        raise BadRequest(400, "The request JSON is nested too deeply.") from None


_UNION_TAGS = ("bool", "int", "float", "str", "none", "constrained-int", "RichValue",
               "list[list[union[...]]]", "function-after[_shape(), SheetData]")


def describe(exc: ValidationError) -> str:
    """One line naming the first bad field of the request, in our words."""
    error = exc.errors(include_url=False, include_input=False)[0]
    kind, message = error["type"], error["msg"]
    if kind == "json_invalid":
        return f"The request body is not valid JSON ({error.get('ctx', {}).get('error', message)})."
    if kind == "model_type" and not error["loc"]:
        return "The request body must be a JSON object."
    path = _path(error["loc"])
    if kind == "value_error":  # our own validators' words
        return message.removeprefix("Value error, ") + "."
    plain = [p for p in error["loc"] if not _is_tag(p)]
    if len(plain) >= 2 and plain[0] == "args" and isinstance(plain[1], int):
        return f"Argument {plain[1] + 1} holds something that is not {CELL_WORDS}."
    if len(plain) >= 4 and plain[0] == "sheets" and plain[2] == "values":
        return f"Sheet {plain[1] + 1}'s 'values' hold something that is not {CELL_WORDS}."
    if kind == "missing":
        return f"'{path}' is missing."
    return f"'{path}' is not valid: {message[:80]}."


def _path(loc: tuple) -> str:
    parts = [str(p) for p in loc if not _is_tag(p)]
    return ".".join(parts) or "the body"


def _is_tag(part) -> bool:
    return isinstance(part, str) and ("[" in part or "(" in part or part in _UNION_TAGS)

