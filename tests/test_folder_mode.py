"""`kpi validate DIR` / `kpi summary DIR`: every book under the folder, one line per book."""

from __future__ import annotations

import json

from kpi_cli.main import main
from tests.layout_books import layout1_book, layout3_book


def _folder(tmp_path, broken=True):
    layout1_book(tmp_path / "a_partnerships.xlsx")
    (tmp_path / "directorates").mkdir()
    layout3_book(tmp_path / "directorates" / "b_directorates.xlsm")
    (tmp_path / "~$a_partnerships.xlsx").write_bytes(b"lock file")
    (tmp_path / "readme.txt").write_text("not a book")
    if broken:
        (tmp_path / "c_broken.xlsx").write_bytes(b"")
    return tmp_path


def test_folder_one_line_per_book_and_worst_exit(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["validate", str(folder)]) == 2
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 4
    assert lines[3] == "12 findings in 3 books, 1 could not be read"
    assert lines[0] == (f"{folder / 'a_partnerships.xlsx'}: 9 indicators in 1 table: 1 on, 1 within, "
                        "2 off, 5 none; 3 errors, 3 warnings, 1 info")  # fmt: skip
    assert lines[1] == f"{folder / 'c_broken.xlsx'}: FAILED: empty file (0 bytes)"
    book3 = folder / "directorates" / "b_directorates.xlsm"
    assert lines[2].startswith(f"{book3}: 11 indicators in 3 tables")
    assert f"kpi: {folder / 'c_broken.xlsx'}: empty file (0 bytes)" in err
    assert "Traceback" not in err and "~$" not in out


def test_folder_without_failures_exits_1_for_error_findings(tmp_path, capsys):
    assert main(["validate", str(_folder(tmp_path, broken=False))]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[2] == "12 findings in 2 books"


def test_folder_json_is_a_list(tmp_path, capsys):
    main(["validate", str(_folder(tmp_path)), "--json"])
    documents = json.loads(capsys.readouterr().out)
    assert [d["book"] for d in documents] == ["a_partnerships.xlsx", "c_broken.xlsx",
                                              "b_directorates.xlsm"]  # fmt: skip
    assert documents[1]["error"] == "empty file (0 bytes)"
    assert len(documents[2]["tables"]) == 3


def test_summary_folder_exits_0_when_it_could_count(tmp_path, capsys):
    # the books hold error findings (validate exits 1) but summary's job is counting, done
    folder = _folder(tmp_path, broken=False)
    assert main(["validate", str(folder)]) == 1
    capsys.readouterr()
    assert main(["summary", str(folder)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_summary_of_one_book_with_error_findings_exits_0(tmp_path, capsys):
    book = layout1_book(tmp_path / "a_partnerships.xlsx")
    assert main(["validate", str(book)]) == 1
    capsys.readouterr()
    assert main(["summary", str(book)]) == 0
    assert main(["summary", str(book), "--json"]) == 0


def test_summary_folder_with_a_broken_book_exits_2(tmp_path, capsys):
    assert main(["summary", str(_folder(tmp_path))]) == 2
    assert "c_broken.xlsx: FAILED: empty file (0 bytes)" in capsys.readouterr().out
