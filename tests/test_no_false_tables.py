"""No false tables (issue 11, point 4): 39 shapes (two of them real) of ordinary workbook (tests/ordinary_books.py)
are not read as KPI tables, and refresh writes nothing into them; a budget-monitoring table still
is one."""

from __future__ import annotations

import hashlib
import json

import pytest

from kpi_cli.main import main
from tests.ordinary_books import SHAPES, budget_monitoring_book, ordinary_book


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_there_are_at_least_thirty_shapes():
    assert len(SHAPES) >= 30


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_an_ordinary_book_is_no_kpi_table(name, tmp_path, capsys):
    book = ordinary_book(tmp_path / "book.xlsx", name)
    before = digest(book)
    assert main(["validate", str(book), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "no KPI table found" in err, err
    assert main(["refresh", str(book)]) == 2
    assert "no KPI table found" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # nothing written
    assert digest(book) == before


def test_a_folder_of_ordinary_books_and_one_budget_refreshes_only_the_budget(tmp_path, capsys):
    folder = tmp_path / "books"
    folder.mkdir()
    for index, name in enumerate(sorted(SHAPES)):
        ordinary_book(folder / f"{index:02d} {name}.xlsx", name)
    budget_monitoring_book(folder / "budget.xlsx")
    (folder / "kpi.toml").write_text('polarity = "smaller"\n', encoding="utf-8")
    main(["refresh", str(folder)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    written = sorted(p.name for p in folder.iterdir() if "refreshed" in p.name)
    assert written == ["budget-refreshed.xlsx"]
    assert out.count("no KPI table found") == len(SHAPES)  # each book's line gives the reason


def test_a_budget_monitoring_table_is_a_kpi_table(tmp_path, capsys):
    book = budget_monitoring_book(tmp_path / "budget.xlsx")
    (tmp_path / "kpi.toml").write_text('polarity = "smaller"\n', encoding="utf-8")
    assert main(["validate", str(book), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["tables"] == [{
        "sheet": "Budget Q2", "header_row": 3,
        "columns": {"indicator": "A", "actual": "C", "target": "B", "commentary": "E"},
    }]  # fmt: skip
    # spending: smaller is better; 1,310 against 1,250 is 60 over, inside the 125 band
    statuses = [(item["indicator"], item["status"], item["section"])
                for item in document["indicators"]]  # fmt: skip
    assert statuses == [("Adult social care", "within", None), ("Waste collection", "on", None),
                        ("Libraries", "on", None)]  # fmt: skip


def test_a_budget_template_with_no_actuals_yet_is_not_a_kpi_table(tmp_path, capsys):
    """The same words as a budget-monitoring table, but the actual column is empty."""
    book = ordinary_book(tmp_path / "template.xlsx", "budget template without actuals")
    assert main(["validate", str(book)]) == 2
    assert "no KPI table found" in capsys.readouterr().err
