"""Bad input: every case is one line on stderr (`kpi: <file>: <reason>`), exit 2, no traceback,
and the source file left byte-for-byte as it was."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from kpi_cli.main import main
from tests.layout_books import FIXED_DATE, layout1_book

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _good(folder: Path, name: str = "good.xlsx") -> Path:
    return layout1_book(folder / name)


def _xlsx(path: Path, rows_by_sheet: dict[str, list[list]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED_DATE})
    for name, rows in rows_by_sheet.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _rewrite_member(source: Path, target: Path, member: str, change) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            out.writestr(name, change(data) if name == member else data)
    return target


HEADER = ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"]


# Each case builds its input in a folder and returns (argv after "validate", the file to watch,
# a fragment of the expected one-line reason).
def case_not_a_zip(d):
    path = d / "book.xlsx"
    path.write_bytes(b"\x00\x01garbage that is not a workbook" * 20)
    return [str(path)], path, "not an Excel workbook (not a zip package)"


def case_empty_file(d):
    path = d / "empty.xlsx"
    path.write_bytes(b"")
    return [str(path)], path, "empty file (0 bytes)"


def case_truncated_zip(d):
    data = _good(d, "full.xlsx").read_bytes()
    path = d / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return [str(path)], path, "truncated or damaged file"


def case_old_xls(d):
    path = d / "old.xls"
    path.write_bytes(OLE_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 2000)
    return [str(path)], path, "old Excel 97-2003 binary format (.xls)"


def case_xlsb(d):
    path = _zip(d / "binary.xlsb", {"[Content_Types].xml": b"<Types/>",
                                    "xl/workbook.bin": b"\x83\x01\x00"})  # fmt: skip
    return [str(path)], path, "binary workbook (.xlsb) is not supported: save it as .xlsx"


def case_encrypted(d):
    path = d / "secret.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 3000)
    return [str(path)], path, "encrypted (password-protected)"


def case_no_kpi_table(d):
    path = _xlsx(d / "minutes.xlsx", {"Minutes": [["Meeting notes"], ["Attendees", "Jo, Sam"]]})
    return [str(path)], path, 'no KPI table found: no header row with an indicator and an actual'


def case_header_only(d):
    path = _xlsx(d / "blank_q.xlsx", {"KPIs": [["Q3 KPIs"], [], HEADER]})
    return [str(path)], path, 'the KPI table on sheet "KPIs" (header row 3) has no indicator rows'


def case_empty_workbook(d):
    path = _xlsx(d / "new.xlsx", {"Sheet1": []})
    return [str(path)], path, 'no KPI table found'


def case_rules_typo(d):
    book = _good(d)
    rules = d / "rules.toml"
    rules.write_text('tolerence = 0.05\n', encoding="utf-8")
    return [str(book), "--rules", str(rules)], book, "rules.toml: tolerence: unknown key (did you mean 'tolerance'?)"


def case_rules_not_toml(d):
    book = _good(d)
    rules = d / "rules.toml"
    rules.write_text('tolerance = \n[labels\n', encoding="utf-8")
    return [str(book), "--rules", str(rules)], book, "rules.toml: TOML: not valid TOML"


def case_rules_missing(d):
    book = _good(d)
    return [str(book), "--rules", str(d / "nowhere.toml")], book, "nowhere.toml: file: cannot be read"


def case_rules_bad_value_beside_book(d):
    book = _good(d)
    (d / "kpi.toml").write_text('polarity = "sideways"\n', encoding="utf-8")
    return [str(book)], book, "kpi.toml: polarity: must be 'bigger' or 'smaller'"


def case_columns_header_not_in_sheet(d):
    book = _good(d)
    (d / "kpi.toml").write_text('[columns]\nactual = "Q9 Outturn"\n', encoding="utf-8")
    return [str(book)], book, 'rules [columns] actual = "Q9 Outturn": no such header in sheet "Partnerships & Communities"'


def case_columns_sheet_missing(d):
    book = _good(d)
    (d / "kpi.toml").write_text('[columns]\nsheet = "Supporting KPIs"\n', encoding="utf-8")
    return [str(book)], book, 'rules [columns] sheet = "Supporting KPIs": no such sheet'


def case_commentary_sheet_missing(d):
    book = _good(d)
    (d / "kpi.toml").write_text('[commentary]\nsheet = "Exception Notes"\n', encoding="utf-8")
    return [str(book)], book, 'rules [commentary] sheet = "Exception Notes": no such sheet'


def case_rules_sheet_bad_tolerance(d):
    rows = [HEADER, ["HR 01", "Sickness days", "Smaller", 2.1, 2.0, "Flu"]]
    path = _xlsx(d / "with_rules.xlsx", {"KPIs": rows, "KPI Rules": [["tolerance", "ten"]]})
    return [str(path)], path, '"KPI Rules" sheet: tolerance: must be a number'


def case_csv_renamed(d):
    path = d / "export.xlsx"
    path.write_text("Reference,Indicator,Actual,Target\nHR 01,Sickness,2.1,2\n", encoding="utf-8")
    return [str(path)], path, "looks like CSV or text"


def case_html_as_xls(d):
    path = d / "report.xls"
    path.write_text("<html><body><table><tr><td>KPI</td></tr></table></body></html>")
    return [str(path)], path, "an HTML page saved with an Excel name"


def case_word_document(d):
    path = _zip(d / "report.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    return [str(path)], path, "a Word document, not an Excel workbook"


def case_ods(d):
    path = _zip(d / "calc.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                  "content.xml": b"<office/>"})  # fmt: skip
    return [str(path)], path, "OpenDocument spreadsheet (.ods) is not supported"


def case_zip_without_workbook(d):
    path = _zip(d / "photos.xlsx", {"a.jpg": b"\xff\xd8\xff"})
    return [str(path)], path, "a zip without xl/workbook.xml"


def case_damaged_sheet_xml(d):
    good = _good(d)
    path = _rewrite_member(good, d / "damaged.xlsx", "xl/worksheets/sheet1.xml",
                           lambda data: data[: len(data) // 2])  # fmt: skip
    return [str(path)], path, "sheet Partnerships & Communities: damaged sheet"


def case_only_chart_sheet(d):
    path = d / "chart.xlsx"
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("Data")
    data.hide()
    data.write_column("A1", [1, 2, 3])
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Data!$A$1:$A$3"})
    book.add_chartsheet("Chart").set_chart(chart)
    book.close()
    return [str(path)], path, "no KPI table found"


def case_no_such_file(d):
    return [str(d / "missing.xlsx")], None, "no such file"


def case_folder_without_books(d):
    (d / "notes.txt").write_text("nothing here")
    (d / "~$lock.xlsx").write_bytes(b"lock")
    return [str(d)], None, "no .xlsx or .xlsm workbooks in this folder"


def case_xml_spreadsheet_2003(d):
    path = d / "old.xlsx"
    path.write_text('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>')
    return [str(path)], path, "maybe XML Spreadsheet 2003"


CASES = [value for name, value in sorted(globals().items()) if name.startswith("case_")]


def sha(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path and path.is_file() else None


@pytest.mark.parametrize("case", CASES, ids=[case.__name__[5:] for case in CASES])
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys):
    argv, watched, reason = case(tmp_path)
    before = sha(watched)
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kpi: "), lines[0]
    assert reason in lines[0]
    if watched is not None:
        assert lines[0].startswith(f"kpi: {watched}: ") or watched.name in lines[0]
        assert sha(watched) == before


def test_there_are_at_least_twenty_kinds():
    assert len(CASES) >= 20


def test_bad_arguments_are_one_line(capsys):
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kpi: ") and len(err.strip().splitlines()) == 1


def test_summary_fails_the_same_way(tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert main(["summary", str(path)]) == 2
    assert capsys.readouterr().err == f"kpi: {path}: empty file (0 bytes)\n"


def test_bad_input_through_a_real_process_has_no_traceback(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04broken")
    result = subprocess.run(
        [sys.executable, "-m", "kpi_cli.main", "validate", str(path)],
        check=False, capture_output=True, text=True, cwd=Path(__file__).parents[1], timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"kpi: {path}: truncated or damaged file (the zip package is incomplete)\n"


def test_a_wrong_columns_header_lists_the_headers_seen_and_the_nearest(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    book = _good(tmp_path)
    (tmp_path / "kpi.toml").write_text('[columns]\ncommentary = "Comentary"\n', encoding="utf-8")
    before = sha(book)
    assert main(["validate", book.name]) == 2
    line = capsys.readouterr().err.strip()
    assert len(line.splitlines()) == 1 and len(line) <= 200, line
    assert line.startswith('kpi: good.xlsx: rules [columns] commentary = "Comentary": no such header')
    assert "did you mean 'Commentary'?" in line
    assert 'headers seen: "Reference", "Performance Indicator", ' in line
    assert line.endswith(", …")  # eleven long headers do not fit on one line
    assert sha(book) == before


def test_no_suggestion_when_nothing_is_close(tmp_path, capsys):
    book = _good(tmp_path)
    (tmp_path / "kpi.toml").write_text('[columns]\nprevious = "Last years figure"\n', encoding="utf-8")
    assert main(["validate", str(book)]) == 2
    line = capsys.readouterr().err.strip()
    assert "did you mean" not in line and 'headers seen: "Reference"' in line
