"""`kpi report` as a user meets it: bad input is one line, exit 2 and nothing written; a pack is
written whole or not at all; the PDF when LibreOffice is there; figures as the sheet shows them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from kpi_cli.main import main
from kpi_rules.findings import POINTS_FORMAT
from tests.pack_books import directorate_folder
from workbook.pack.content import clean_text, shown_figure, shown_variance

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "workbook" / "samples" / "council_kpis_q2.xlsx"


def one_line_failure(capsys, books: int = 0) -> str:
    """The one line of the failure (after one line per unreadable book in a folder run); the
    progress bar's carriage-return frames are not lines."""
    err = capsys.readouterr().err
    lines = [line.rsplit("\r", 1)[-1].strip() for line in err.strip().split("\n")]
    lines = [line for line in lines if line]
    assert len(lines) == 1 + books, err
    assert all(line.startswith("kpi: ") and len(line) <= 200 for line in lines), err
    assert "Traceback" not in err
    return lines[-1]


@pytest.fixture
def books(tmp_path):
    return directorate_folder(tmp_path / "books")


BAD = {
    "no output": (["report", "{sample}"], "required"),
    "unknown format": (["report", "{sample}", "-o", "{out}/pack.txt"], ".docx, .html or .pdf"),
    "no such folder": (["report", "{sample}", "-o", "{out}/missing/pack.docx"], "does not exist"),
    "output is a folder": (["report", "{sample}", "-o", "{out}"], "is a folder"),
    "no such book": (["report", "{out}/nothing.xlsx", "-o", "{out}/pack.docx"], "nothing.xlsx"),
    "not a workbook": (["report", "{out}/fake.xlsx", "-o", "{out}/pack.html"], "fake.xlsx"),
    "empty folder": (["report", "{out}/empty", "-o", "{out}/pack.docx"], "no .xlsx or .xlsm"),
    "no book readable": (["report", "{out}/broken", "-o", "{out}/pack.docx"], "no workbook could"),
    "bad rules": (["report", "{sample}", "-o", "{out}/pack.docx", "--rules", "{out}/bad.toml"],
                  "tolerence"),
    "empty title": (["report", "{sample}", "-o", "{out}/pack.docx", "--title", "  "], "--title"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, case):
    out = tmp_path / "out"
    out.mkdir()
    (out / "fake.xlsx").write_text("not a workbook")
    (out / "empty").mkdir()
    (out / "broken").mkdir()
    (out / "broken" / "a.xlsx").write_bytes(b"")
    (out / "bad.toml").write_text("tolerence = 0.1\n")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    args, reason = BAD[case]
    code = main([a.format(sample=SAMPLE, out=out) for a in args])
    assert code == 2
    assert reason in one_line_failure(capsys, books=1 if case == "no book readable" else 0)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # nothing new, no temp


def test_a_failed_render_leaves_the_previous_pack_as_it_was(tmp_path, capsys, monkeypatch):
    target = tmp_path / "pack.docx"
    target.write_bytes(b"last quarter's pack")

    def broken(pack):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("workbook.pack.to_docx.pack_docx", broken)
    assert main(["report", str(SAMPLE), "-o", str(target)]) == 2
    assert "internal error" in one_line_failure(capsys)
    assert target.read_bytes() == b"last quarter's pack"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.docx"]


def _run_in_fresh_python(script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=cwd, check=False)  # fmt: skip


@pytest.mark.parametrize(("suffix", "not_loaded"), [(".html", "docx"), (".docx", "jinja2")])
def test_each_format_loads_only_the_library_it_needs(tmp_path, suffix, not_loaded):
    """An .html pack needs jinja2, not python-docx; a .docx pack python-docx, not jinja2."""
    target = tmp_path / f"pack{suffix}"
    script = ("import sys\nfrom kpi_cli.main import main\n"
              f"code = main(['report', {str(SAMPLE)!r}, '-o', {str(target)!r}])\n"
              f"print(code, {not_loaded!r} in sys.modules)")  # fmt: skip
    done = _run_in_fresh_python(script, REPO)
    assert done.stdout.split()[-2:] == ["1", "False"], done.stderr
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("missing", ["docx", "jinja2", "matplotlib"])
def test_without_the_report_extra_one_line_exit_2_and_nothing_written(tmp_path, missing):
    """`pip install kpi-addin` without [report]: `kpi report` says what to install."""
    suffix = ".html" if missing == "jinja2" else ".docx"
    target = tmp_path / "out" / f"pack{suffix}"
    target.parent.mkdir()
    script = (f"import sys\nsys.modules[{missing!r}] = None  # as if not installed\n"
              "from kpi_cli.main import main\n"
              f"sys.exit(main(['report', {str(SAMPLE)!r}, '-o', {str(target)!r}]))")  # fmt: skip
    done = _run_in_fresh_python(script, REPO)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 200 and "Traceback" not in done.stderr
    assert 'pip install "kpi-addin[report]"' in lines[0]
    assert list(target.parent.iterdir()) == []


def test_the_source_workbooks_are_not_touched(books, tmp_path):
    before = {p: p.read_bytes() for p in books.iterdir()}
    assert main(["report", str(books), "-o", str(tmp_path / "pack.docx")]) == 1
    assert {p: p.read_bytes() for p in books.iterdir()} == before


def test_control_characters_and_markup_in_workbook_text_are_safe(tmp_path):
    """Word refuses XML-illegal characters (a vertical tab from a pasted cell); the pack drops
    them rather than crash, and HTML markup in a commentary stays text."""
    import xlsxwriter

    path = tmp_path / "odd.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("KPIs\u00e9")
    sheet.write_row(0, 0, ["Reference", "Indicator", "Polarity", "Actual", "Target", "Commentary"])
    sheet.write_row(1, 0, ["A\x0b1", "Bins\x01 emptied", "Bigger", 50, 90])
    sheet.write_string(1, 5, "=SUM(1) <script>alert(1)</script>\x0b late")
    sheet.write_row(2, 0, ["A 2", "Calls", "Bigger", 95, 90, None])
    book.close()
    assert main(["report", str(path), "-o", str(tmp_path / "odd.docx"), "--title", "Q\x072"]) == 0
    document = docx.Document(str(tmp_path / "odd.docx"))
    texts = [p.text for p in document.paragraphs]
    assert "Q2" in texts and "=SUM(1) <script>alert(1)</script> late" in texts
    assert main(["report", str(path), "-o", str(tmp_path / "odd.html")]) == 0
    page = (tmp_path / "odd.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(("raw", "value", "percent", "shown"), [
    (0.43, 0.43, True, "43%"),
    (0.9991, 0.9991, True, "99.91%"),
    ("79%", 0.79, True, "79%"),  # typed text as typed
    (31243.0, 31243.0, False, "31,243"),
    ("1,342", 1342.0, False, "1,342"),
    (7.5, 7.5, False, "7.5"),
    ("New", float("nan"), False, "New"),
    (None, float("nan"), False, ""),
    (101, 101.0, False, "101"),
])  # fmt: skip
def test_figures_are_shown_as_the_sheet_shows_them(raw, value, percent, shown):
    assert shown_figure(raw, value, percent) == shown


@pytest.mark.parametrize(("variance", "percent", "shown"), [
    (-0.06000000000000005, True, "-6.0 pp"), (0.0041, True, "+0.4 pp"), (242.0, False, "+242"),
    (-0.5, False, "-0.5"), (0.0, False, "0"), (0.0, True, "0.0 pp"), (float("nan"), False, ""),
])  # fmt: skip
def test_variance_has_a_sign_and_percentages_are_in_points(variance, percent, shown):
    assert shown_variance(variance, percent) == shown


def test_the_pack_writes_a_points_variance_as_the_refreshed_sheet_shows_it(tmp_path):
    """The sheet's cell holds the points with its number format; the pack's text is the same."""
    import openpyxl

    from workbook.check import check_book
    from workbook.pack.content import build_pack
    from workbook.refresh import refresh_book

    refreshed = refresh_book(SAMPLE, tmp_path / "out.xlsx", None)
    book = openpyxl.load_workbook(refreshed.target)
    in_sheet = {(sheet.title, cell.row): _as_excel_shows(cell.value)
                for sheet in book.worksheets for line in sheet.iter_rows() for cell in line
                if cell.number_format == POINTS_FORMAT and isinstance(cell.value, (int, float))}
    assert len(in_sheet) >= 5, "the sample has percentage indicators"
    pack = build_pack("Q2", [check_book(SAMPLE, None)], [], from_folder=False)
    in_pack = {(row.sheet, row.row): row.variance
               for part in pack.books for section in part.sections for row in section.rows}
    assert {place: in_pack[place] for place in in_sheet} == in_sheet
    assert any(text.startswith("-") for text in in_sheet.values())


def _as_excel_shows(points: float) -> str:
    """POINTS_FORMAT by hand: '+0.0" pp"' for a positive, '-0.0" pp"' for a negative, else 0.0."""
    if points == 0:
        return "0.0 pp"
    return ("+" if points > 0 else "-") + f"{abs(points):.1f} pp"


def test_clean_text_keeps_tabs_and_new_lines_inside():
    assert clean_text(" a\tb\nc\x0b\x00 ") == "a\tb\nc"


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_without_libreoffice_is_one_line_and_nothing_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    assert main(["report", str(SAMPLE), "-o", str(tmp_path / "pack.pdf")]) == 2
    assert "LibreOffice" in one_line_failure(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="needs LibreOffice and poppler-utils "
                           "(apt-get install libreoffice-writer-nogui poppler-utils)")
def test_pdf_pack_from_a_folder_has_its_pages(books, tmp_path):
    """Page 1 is the corporate summary; each directorate starts a page, in folder order, and
    the annex is the last page. The Children's Services part runs to a second page (its notes
    do not fit), and its last note keeps its commentary with it: 6 pages."""
    target = tmp_path / "pack.pdf"
    assert main(["report", str(books), "-o", str(target)]) == 1
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))  # fmt: skip
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    tops = [page.strip().split("\n")[0] for page in text.split("\f") if page.strip()]
    assert len(tops) == pages == 6
    assert tops[0] == "Performance report: books"
    starts = [tops.index(title) for title in ("1 Adults and Health", "2 Children's Services",
                                              "3 Place", "Annex: findings")]  # fmt: skip
    assert starts == [1, 2, 4, 5]
    assert tops[3] == "CS 05: Children in care"  # the note's heading, figures and commentary
    assert "No commentary given." in text.split("\f")[3]
    for reference in ("AH 01", "CS 05", "HO 02"):
        assert reference in text



@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfimages") is None,
                    reason="needs LibreOffice and poppler-utils "
                           "(apt-get install libreoffice-writer-nogui poppler-utils)")
def test_pdf_of_the_sample_has_key_summary_and_chart_on_page_1(tmp_path):
    """The page README shows: the key, the summary table and its chart together on page 1 (a
    chart pushed to page 2 alone once left page 1 half empty); the tables start page 2."""
    target = tmp_path / "pack.pdf"
    assert main(["report", str(SAMPLE), "-o", str(target)]) == 1
    images = subprocess.run(["pdfimages", "-list", str(target)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]  # fmt: skip
    pictures = [line.split() for line in images if line.split()[2] == "image"]  # not its smask
    assert [picture[0] for picture in pictures] == ["1"]  # one picture, on page 1
    pages = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")  # fmt: skip
    assert "Status key" in pages[0] and "All indicators" in pages[0]
    assert pages[1].strip().startswith("Corporate KPIs")
