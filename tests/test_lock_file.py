"""`kpi refresh --in-place` leaves alone a book that is open in Excel or LibreOffice."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from kpi_cli.main import main
from tests.test_folder_output import small_book
from workbook.lock_file import excel_owner, libreoffice_owner


def excel_lock(name: str) -> bytes:
    """An owner file as Excel writes it: length, 8-bit name padded to 54 bytes, length again,
    the name in UTF-16LE padded with spaces (165 bytes in all)."""
    data = bytes([len(name)]) + name.encode("cp1252", "replace").ljust(53, b" ")
    data += struct.pack("<H", len(name)) + name.encode("utf-16-le")
    return data.ljust(165, b" ")


def test_in_place_refuses_a_book_open_in_excel(tmp_path, capsys):
    book = small_book(tmp_path / "q2.xlsx")
    (tmp_path / "~$q2.xlsx").write_bytes(excel_lock("Jane Smith"))
    before = book.read_bytes()
    files = sorted(tmp_path.iterdir())
    assert main(["refresh", str(book), "--in-place"]) == 2
    err = capsys.readouterr().err
    assert err == (f"kpi: {book}: open in Excel by Jane Smith: close it, or write a copy with -o "
                   "(or --force if it is not open)\n")  # fmt: skip
    assert book.read_bytes() == before and sorted(tmp_path.iterdir()) == files


def test_force_writes_in_place_all_the_same(tmp_path, capsys):
    book = small_book(tmp_path / "q2.xlsx")
    (tmp_path / "~$q2.xlsx").write_bytes(excel_lock("Jane Smith"))
    before = book.read_bytes()
    assert main(["refresh", str(book), "--in-place", "--force"]) == 1
    assert book.read_bytes() != before


def test_a_copy_with_o_is_still_written(tmp_path, capsys):
    book = small_book(tmp_path / "q2.xlsx")
    (tmp_path / "~$q2.xlsx").write_bytes(excel_lock("Jane Smith"))
    assert main(["refresh", str(book), "-o", str(tmp_path / "copy.xlsx")]) == 1
    assert (tmp_path / "copy.xlsx").exists()


def test_libreoffice_lock_names_the_user(tmp_path, capsys):
    book = small_book(tmp_path / "q2.xlsx")
    lock = "Jane Smith,council-pc-17,jsmith,02.12.2026 10:15,file:///home/jsmith/.config;"
    (tmp_path / ".~lock.q2.xlsx#").write_text(lock)
    assert main(["refresh", str(book), "--in-place"]) == 2
    assert "open in LibreOffice by Jane Smith: close it" in capsys.readouterr().err


def test_folder_in_place_refuses_only_the_open_book(tmp_path, capsys):
    open_book, closed_book = small_book(tmp_path / "a.xlsx"), small_book(tmp_path / "b.xlsx")
    (tmp_path / "~$a.xlsx").write_bytes(excel_lock("Jane Smith"))
    before_open, before_closed = open_book.read_bytes(), closed_book.read_bytes()
    assert main(["refresh", str(tmp_path), "--in-place"]) == 2
    out = capsys.readouterr().out
    assert f"{open_book}: FAILED: open in Excel by Jane Smith" in out
    assert open_book.read_bytes() == before_open and closed_book.read_bytes() != before_closed


@pytest.mark.parametrize(("data", "name"), [
    (excel_lock("Jane Smith"), "Jane Smith"),
    (excel_lock("Zoë Ó Briain"), "Zoë Ó Briain"),
    (excel_lock("Łukasz Wróbel"), "Łukasz Wróbel"),  # not in cp1252: the UTF-16 copy has it
    (b"\x0aJane Smith", "Jane Smith"),  # cut short: the 8-bit name is enough
    (b"", None), (b"\xff", None), (b"\x05ab", None), (b"\x00" * 165, None),
])  # fmt: skip
def test_excel_owner_is_read_defensively(data, name):
    assert excel_owner(data) == name


@pytest.mark.parametrize(("data", "name"), [
    (b"Jane Smith,pc,jsmith,date,url;", "Jane Smith"),
    (b",pc,jsmith,date,url;", "jsmith"),  # no name given in LibreOffice: the login
    (b'"Smith, Jane",pc,jsmith,date,url;', "Smith, Jane"),
    (b"", None), (b"\x00\x01", None),
])  # fmt: skip
def test_libreoffice_owner_is_read_defensively(data, name):
    assert libreoffice_owner(data) == name


def test_an_unreadable_lock_still_refuses(tmp_path, capsys):
    book = small_book(tmp_path / "q2.xlsx")
    (tmp_path / "~$q2.xlsx").write_bytes(b"\x00garbage")
    assert main(["refresh", str(book), "--in-place"]) == 2
    assert "open in Excel (~$q2.xlsx): close it" in capsys.readouterr().err
    assert Path(book).exists()
