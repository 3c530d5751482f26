"""What a folder run shows: the bar only on a terminal, failures on lines of their own above it,
the same reason from refresh as from validate, a total line, and every finding in one CSV."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import xlsxwriter

from kpi_cli.main import main

REPO = Path(__file__).resolve().parents[1]
HEADER = ["Ref", "Indicator", "Polarity", "Actual", "Target", "Commentary"]


def small_book(path: Path, indicator: str = "% Calls answered in 20 secs") -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Service KPIs")
    sheet.write_row(0, 0, HEADER)
    rows = [["CS 01", indicator, "Bigger", 50, 80, ""], ["CS 02", "Complaints", "Smaller", 4, 5, ""],
            ["CS 03", "Missed bins", "Smaller", 90, 100, ""]]  # fmt: skip
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            (sheet.write_number if isinstance(value, int) else sheet.write_string)(number, column, value)
    book.close()
    return path


def folder_with_a_bad_book(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    small_book(folder / "a.xlsx")
    (folder / "b_broken.xlsx").write_bytes(b"PK\x03\x04 cut short")
    small_book(folder / "c.xlsx", indicator="=HYPERLINK(\"http://x\")")
    return folder


def test_refresh_gives_the_reason_validate_gives(tmp_path, capsys):
    folder = folder_with_a_bad_book(tmp_path)
    assert main(["validate", str(folder)]) == 2
    validated = capsys.readouterr()
    assert main(["refresh", str(folder), "-o", str(tmp_path / "out")]) == 2
    refreshed = capsys.readouterr()
    line = next(line for line in validated.out.splitlines() if "b_broken" in line)
    assert line.startswith(f"{folder / 'b_broken.xlsx'}: FAILED: ") and len(line) > 40
    assert line in refreshed.out.splitlines()
    broken_err = [e for e in validated.err.splitlines() if "b_broken" in e]
    assert broken_err == [e for e in refreshed.err.splitlines() if "b_broken" in e]


def test_total_line_counts_findings_books_and_failures(tmp_path, capsys):
    main(["validate", str(folder_with_a_bad_book(tmp_path))])
    assert capsys.readouterr().out.splitlines()[-1] == "2 findings in 3 books, 1 could not be read"


def test_no_bar_text_when_stderr_is_not_a_terminal(tmp_path):
    folder = folder_with_a_bad_book(tmp_path)
    result = subprocess.run([sys.executable, "-m", "kpi_cli.main", "validate", str(folder)],
                            check=False, capture_output=True, text=True, cwd=REPO)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [line for line in result.stderr.splitlines()
                                          if line.startswith(f"kpi: {folder / 'b_broken.xlsx'}: ")]
    assert "\r" not in result.stderr and "checking" not in result.stderr


@pytest.mark.parametrize("command", [["validate", "{folder}"], ["refresh", "{folder}", "-o", "{out}"]])
def test_on_a_terminal_the_bar_moves_and_errors_get_lines_of_their_own(tmp_path, command):
    folder = folder_with_a_bad_book(tmp_path)
    command = [part.format(folder=folder, out=tmp_path / "out") for part in command]
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column screen
    process = subprocess.Popen([sys.executable, "-m", "kpi_cli.main", *command],
                               stdout=subprocess.DEVNULL, stderr=child, cwd=REPO)  # fmt: skip
    os.close(child)
    screen = _read_all(parent)
    assert process.wait(timeout=60) == 2
    assert "3/3" in screen and ("checking" in screen or "refreshing" in screen)
    # Each line on the screen is what is left after the last carriage return: the error line
    # must be whole, not glued to the bar.
    shown = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in screen.split("\n")]
    error = [line for line in shown if "kpi:" in line]
    assert len(error) == 1 and error[0].startswith(f"kpi: {folder / 'b_broken.xlsx'}: ")
    assert error[0].endswith("(the zip package is incomplete)")


def _read_all(descriptor: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(descriptor)
    return b"".join(chunks).decode("utf-8", "replace")


def _csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


def test_findings_csv_holds_every_book_in_one_table(tmp_path, capsys):
    folder = folder_with_a_bad_book(tmp_path)
    table = tmp_path / "findings.csv"
    assert main(["validate", str(folder), "--findings-csv", str(table)]) == 2
    rows = _csv_rows(table)
    assert list(rows[0]) == ["book", "sheet", "cell", "reference", "indicator", "code", "severity",
                             "message"]  # fmt: skip
    assert [(Path(r["book"]).name, r["code"]) for r in rows] == [
        ("a.xlsx", "missing_commentary"), ("b_broken.xlsx", "could_not_read"),
        ("c.xlsx", "missing_commentary")]  # fmt: skip
    first = rows[0]
    assert (first["sheet"], first["cell"], first["reference"]) == ("Service KPIs", "F2", "CS 01")
    assert first["indicator"] == "% Calls answered in 20 secs" and first["severity"] == "error"
    assert rows[1]["message"] and rows[1]["severity"] == "error"
    assert rows[2]["indicator"] == "'=HYPERLINK(\"http://x\")"  # text, never a formula


def test_refresh_writes_the_same_findings_csv(tmp_path, capsys):
    folder = folder_with_a_bad_book(tmp_path)
    validated, refreshed = tmp_path / "validated.csv", tmp_path / "refreshed.csv"
    main(["validate", str(folder), "--findings-csv", str(validated)])
    main(["refresh", str(folder), "-o", str(tmp_path / "out"), "--findings-csv", str(refreshed)])
    assert _csv_rows(refreshed) == _csv_rows(validated)


def test_one_unreadable_book_writes_no_csv(tmp_path, capsys):
    (tmp_path / "broken.xlsx").write_bytes(b"")
    table = tmp_path / "findings.csv"
    assert main(["validate", str(tmp_path / "broken.xlsx"), "--findings-csv", str(table)]) == 2
    assert not table.exists()


def test_findings_csv_refuses_a_workbook_name(tmp_path, capsys):
    book = small_book(tmp_path / "a.xlsx")
    before = book.read_bytes()
    assert main(["validate", str(book), "--findings-csv", str(book)]) == 2
    assert "needs a .csv file" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_an_unexpected_error_in_one_book_is_one_line_and_the_rest_go_on(tmp_path, capsys, monkeypatch):
    import kpi_cli.refresh as refresh_command

    folder = tmp_path / "books"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        small_book(folder / name)
    real = refresh_command.refresh_book

    def bug_on_b(book, target, rules):  # a bug in the writer, met by one book only
        if book.name == "b.xlsx":
            raise KeyError("xl/worksheets/sheet9.xml")
        return real(book, target, rules)

    monkeypatch.setattr(refresh_command, "refresh_book", bug_on_b)
    out_dir = tmp_path / "out"
    assert main(["refresh", str(folder), "-o", str(out_dir)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert f"{folder / 'b.xlsx'}: FAILED: internal error (KeyError: 'xl/worksheets/sheet9.xml')" in out.splitlines()
    assert err.splitlines() == [f"kpi: {folder / 'b.xlsx'}: internal error (KeyError: 'xl/worksheets/sheet9.xml')"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["a.xlsx", "c.xlsx"]
    per_book = len(json.loads(_validate_json(folder / "a.xlsx", capsys))["findings"])
    assert out.splitlines()[-1] == f"{2 * per_book} findings in 3 books, 1 could not be refreshed"


def _validate_json(book: Path, capsys) -> str:
    main(["validate", str(book), "--json"])
    return capsys.readouterr().out
