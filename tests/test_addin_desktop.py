"""Desktop xlwings: the functions import and run as plain Python off Windows, and the VBA that
"Import Functions" would generate declares the documented names and arguments."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import types

import pytest

from addin import desktop_udfs
from tests.addin_support import REPO

DOCUMENTED = {
    "KPI_STATUS": ["actual", "target", "Optional polarity", "Optional tolerance", "Optional mode"],
    "KPI_RAG": ["actual", "target", "Optional polarity", "Optional tolerance", "Optional mode"],
    "KPI_VARIANCE": ["actual", "target"],
    "KPI_VARIANCE_PCT": ["actual", "target"],
    "KPI_TREND": ["current", "previous", "Optional polarity"],
}


def test_plain_calls_off_windows():
    assert desktop_udfs.KPI_RAG([[85], [75], [10]], 80) == [["G"], ["A"], ["R"]]
    assert desktop_udfs.KPI_TREND(5, 4, "Smaller") == "Worsening"
    assert desktop_udfs.KPI_VARIANCE_PCT(5, 0) == ""


def test_bad_input_is_one_line_of_error_text():
    result = desktop_udfs.KPI_STATUS([[1], [2]], [[1], [2], [3]])
    assert result.startswith("#KPI! ") and "same height" in result and "\n" not in result


@pytest.fixture
def udfs_module(monkeypatch):
    """xlwings.udfs importable on Linux: the win32 modules it imports are stubbed."""
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com = types.ModuleType("win32com")
    win32com.client = client
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    for name, module in {"pythoncom": pythoncom, "pywintypes": types.ModuleType("pywintypes"),
                         "win32com": win32com, "win32com.client": client}.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    import xlwings
    from xlwings import udfs

    # What xlwings/__init__.py binds on Windows: the real decorators instead of no-ops.
    monkeypatch.setattr(xlwings, "func", udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", udfs.xlret)
    yield udfs
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)


def _fresh_desktop_module():
    path = REPO / "addin" / "desktop_udfs.py"
    spec = importlib.util.spec_from_file_location("kpi_desktop_udfs_for_vba", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_functions_vba_declares_documented_functions(udfs_module):
    module = _fresh_desktop_module()
    out = io.StringIO()
    udfs_module.generate_vba_wrapper("addin.desktop_udfs", module, out,
                                     types.SimpleNamespace(Name="KPI add-in.xlam"))
    vba = out.getvalue()
    declared = dict(re.findall(r"^Function (\w+)\((.*)\)$", vba, flags=re.MULTILINE))
    assert set(declared) == set(DOCUMENTED)
    for name, args in DOCUMENTED.items():
        assert [a.strip() for a in declared[name].split(",")] == args
        assert f'XLPy.CallUDF("addin.desktop_udfs", "{name}"' in vba
    assert "main" not in declared  # "Run main" is not a worksheet function


def test_argument_help_is_set_for_the_function_wizard(udfs_module):
    module = _fresh_desktop_module()
    for name in DOCUMENTED:
        xlfunc = getattr(module, name).__xlfunc__
        for arg in xlfunc["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert arg["options"].get("ndim") == 2
        assert xlfunc["ret"]["doc"].strip()
    polarity = module.KPI_STATUS.__xlfunc__["argmap"]["polarity"]["doc"]
    assert "bigger is better" in polarity.lower()


def test_run_main_refreshes_the_given_book(tmp_path):
    import xlwings as xw

    from tests.addin_support import book_json, grids_from_xlsx, make_kpi_workbook

    book = xw.Book(json=book_json(grids_from_xlsx(make_kpi_workbook(tmp_path / "k.xlsx"))))
    desktop_udfs.main(book)
    actions = book.json()["actions"]
    assert actions[-1]["func"] == "alert"
    assert actions[-1]["args"][0].startswith("Refreshed 6 indicators")
