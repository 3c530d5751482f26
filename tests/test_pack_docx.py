"""`kpi report ... -o pack.docx` read back with python-docx, as a committee clerk's Word would:
headings, tables, one row per indicator, exception notes for exactly the off-target indicators,
the status cells' colours and labels, header rows that repeat, the language."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from kpi_cli.main import main
from tests.pack_books import (
    BOOKS,
    COLOURS,
    LABELS,
    directorate_folder,
    expected_rows,
    write_book,
)

SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "samples" / "council_kpis_q2.xlsx"
INDICATOR_HEADER = ["Ref", "Indicator", "Previous", "Actual", "Target", "Status", "Variance",
                    "Trend"]  # fmt: skip
# The bundled sample, as `kpi summary` and its KPI Rules sheet describe it.
SAMPLE_SECTIONS = {"Corporate KPIs": 21, "Adults & Health": 4, "Children's Services": 4,
                   "Finance": 3, "Revenues": 2, "Housing": 3, "Public Health": 3}  # fmt: skip
SAMPLE_OFF = ["CS 02", "RB 03", "HS 01", "PL 02", "EN 01", "HR 01", "ASC 01", "ASC 04", "CSC 03",
              "02", "HOU 01", "PH 03"]  # fmt: skip
SAMPLE_COMMENTED_OFF = {"RB 03", "PL 02", "HR 01", "ASC 01", "CSC 03", "02"}
SAMPLE_LABELS = {"On target": "00B050", "Within target": "FFC000", "Off target": "FF0000",
                 "Not assessed": "BFBFBF"}  # fmt: skip


def headings(document) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in document.paragraphs
            if p.style.name.startswith("Heading ")]


def body_order(document) -> list:
    """Paragraphs and tables in reading order."""
    items = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            items.append(docx.text.paragraph.Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            items.append(docx.table.Table(child, document))
    return items


def indicator_tables(document) -> list:
    return [t for t in document.tables if [c.text for c in t.rows[0].cells] == INDICATOR_HEADER]


def fill_of(cell) -> str | None:
    shading = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
    return None if shading is None else shading.get(qn("w:fill"))


def text_colour_of(cell) -> str:
    return str(cell.paragraphs[0].runs[0].font.color.rgb)


def exception_notes(document) -> dict[str, str]:
    """Reference -> the note's commentary paragraph, from the Exception notes part(s)."""
    notes, inside, current, paragraphs = {}, False, None, 0
    for p in document.paragraphs:
        if p.style.name.startswith("Heading "):
            level = int(p.style.name.split()[-1])
            if p.text == "Exception notes":
                inside, note_level = True, level + 1
                continue
            if inside and level == note_level:
                current, paragraphs = p.text.split(": ")[0], 0
                continue
            inside, current = False, None
            continue
        if current is not None:
            paragraphs += 1
            if paragraphs == 2:  # the figures line, then the commentary
                notes[current] = p.text
    return notes


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "pack.docx"
    code = main(["report", str(SAMPLE), "-o", str(out), "--title", "Quarter 2 performance"])
    assert code == 1  # the sample has error findings (missing commentary), as `kpi validate`
    return docx.Document(str(out))


@pytest.fixture(scope="module")
def folder_pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder")
    books = directorate_folder(root / "books")
    out = root / "corporate.docx"
    code = main(["report", str(books), "-o", str(out), "--rules", str(root / "council.toml"),
                 "--title", "Corporate performance Q2"])  # fmt: skip
    assert code == 1
    return docx.Document(str(out))


def test_sample_pack_has_the_committee_appendix_outline(sample_pack):
    found = headings(sample_pack)
    assert found[:3] == [(1, "Quarter 2 performance"), (2, "Status key"), (2, "Summary")]
    assert (2, "Corporate KPIs") in found and (2, "Service Scorecard") in found
    sections = [text for level, text in found if level == 3][: len(SAMPLE_SECTIONS) - 1]
    assert sections == list(SAMPLE_SECTIONS)[1:]
    tail = [text for level, text in found if level == 2][-2:]
    assert tail == ["Exception notes", "Annex: findings"]


def test_sample_pack_has_one_row_per_indicator_in_each_section(sample_pack):
    rows = [len(table.rows) - 1 for table in indicator_tables(sample_pack)]
    assert rows == list(SAMPLE_SECTIONS.values())


def test_sample_exception_notes_are_exactly_the_off_target_indicators(sample_pack):
    notes = exception_notes(sample_pack)
    assert list(notes) == SAMPLE_OFF
    for reference, text in notes.items():
        if reference in SAMPLE_COMMENTED_OFF:
            assert text and text != "No commentary given.", reference
        else:  # blank, "  " and "TBC" are no commentary
            assert text == "No commentary given.", reference
    assert notes["RB 03"] == "Backlog after the system upgrade; overtime agreed until December."


def test_sample_status_cells_carry_the_label_and_the_councils_colour(sample_pack):
    statuses = [row.cells[5] for table in indicator_tables(sample_pack) for row in table.rows[1:]]
    assert len(statuses) == 40
    assert {cell.text for cell in statuses} == set(SAMPLE_LABELS)
    for cell in statuses:
        assert fill_of(cell) == SAMPLE_LABELS[cell.text], cell.text
    by_reference = {row.cells[0].text: row for t in indicator_tables(sample_pack) for row in t.rows[1:]}
    assert [c.text for c in by_reference["HS 01"].cells][2:] == [
        "1,210", "1,342", "1,100", "Off target", "+242", "▼ Worsening"]
    assert [c.text for c in by_reference["CS 01"].cells][2:] == [
        "78%", "74%", "80%", "Within target", "-6.0 pp", "▼ Worsening"]


def test_every_table_has_a_repeating_header_row_and_the_document_is_en_gb(sample_pack):
    for table in sample_pack.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None
                   for row in table.rows[1:])
    assert sample_pack.core_properties.language == "en-GB"
    language = sample_pack.styles.element.find(".//" + qn("w:rPrDefault") + "//" + qn("w:lang"))
    assert language.get(qn("w:val")) == "en-GB"


def test_the_chart_has_a_text_alternative_with_its_figures(sample_pack):
    pictures = sample_pack.inline_shapes
    assert len(pictures) == 1
    description = pictures[0]._inline.docPr.get("descr")
    assert "Corporate KPIs: 8 On target, 5 Within target, 6 Off target, 2 Not assessed" in description


def test_reading_order_key_then_summary_then_tables(sample_pack):
    order = body_order(sample_pack)
    kinds = [("heading", i.text) if isinstance(i, docx.text.paragraph.Paragraph)
             and i.style.name.startswith("Heading") else type(i).__name__ for i in order]
    key = kinds.index(("heading", "Status key"))
    summary = kinds.index(("heading", "Summary"))
    first_table = kinds.index(("heading", "Corporate KPIs"))
    assert key < summary < first_table < kinds.index(("heading", "Exception notes"))
    assert kinds[key + 1] == "Table" and kinds[summary + 1] == "Table"


# --- a folder of three directorates ------------------------------------------------------------


def test_folder_pack_has_a_corporate_summary_then_a_part_per_book_in_folder_order(folder_pack):
    found = headings(folder_pack)
    assert found[:3] == [(1, "Corporate performance Q2"), (2, "Status key"),
                         (2, "Corporate summary")]  # fmt: skip
    books = [text for level, text in found if level == 2][2:]
    assert books == ["1 Adults and Health", "2 Children's Services", "3 Place", "Annex: findings"]
    summary = folder_pack.tables[1]
    assert [c.text for c in summary.rows[0].cells] == ["Directorate", *LABELS.values(), "Total"]
    assert [[c.text for c in row.cells] for row in summary.rows[1:]] == [
        ["1 Adults and Health", "1", "1", "2", "1", "5"],
        ["2 Children's Services", "1", "2", "2", "0", "5"],
        ["3 Place", "2", "1", "1", "0", "4"],
        ["All indicators", "4", "4", "5", "1", "14"],
    ]


def test_folder_pack_rows_per_section_and_statuses_as_worked_out_by_hand(folder_pack):
    expected = expected_rows()
    tables = indicator_tables(folder_pack)
    assert [len(t.rows) - 1 for t in tables] == [5, 2, 3, 2, 2]
    rows = [row for table in tables for row in table.rows[1:]]
    assert [r.cells[0].text for r in rows] == [e["reference"] for e in expected]
    for row, want in zip(rows, expected):
        status = row.cells[5]
        assert status.text == LABELS[want["status"]], want["reference"]
        assert fill_of(status) == COLOURS[want["status"]], want["reference"]
    dark = {cell.text: text_colour_of(cell) for cell in (r.cells[5] for r in rows)}
    assert dark["Green: on target"] == "FFFFFF" and dark["Amber: close to target"] == "000000"


def test_folder_exception_notes_are_exactly_the_off_target_indicators(folder_pack):
    off = [e for e in expected_rows() if e["status"] == "off"]
    notes = exception_notes(folder_pack)
    assert list(notes) == [e["reference"] for e in off]
    for want in off:
        commentary = (want["commentary"] or "").strip()
        real = commentary and commentary != "TBC"
        assert notes[want["reference"]] == (commentary if real else "No commentary given.")


def test_folder_pack_lists_the_books_it_could_not_read(tmp_path, capsys):
    books = directorate_folder(tmp_path / "books")
    (books / "4 Resources.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "pack.docx"
    assert main(["report", str(books), "-o", str(out)]) == 2  # as every folder run with a failure
    err = capsys.readouterr().err
    assert "4 Resources.xlsx" in err and "Traceback" not in err
    document = docx.Document(str(out))
    found = headings(document)
    assert (3, "Books that could not be read") in found
    listed = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert len(listed) == 1 and listed[0].startswith("4 Resources.xlsx: ")
    assert [t for lvl, t in found if lvl == 2][2:5] == [
        "1 Adults and Health", "2 Children's Services", "3 Place"]


def test_books_of_one_name_in_two_subfolders_are_two_directorates(tmp_path):
    """A folder run reads subfolders too: north/Q2.xlsx and south/Q2.xlsx are two parts, each
    named by its place in the folder."""
    root = tmp_path / "books"
    for area in ("north", "south"):
        (root / area).mkdir(parents=True)
        write_book(root / area / "Q2.xlsx", BOOKS["3 Place.xlsx"])
    out = tmp_path / "pack.docx"
    assert main(["report", str(root), "-o", str(out)]) == 0  # its one off target is explained
    document = docx.Document(str(out))
    parts = [text for level, text in headings(document) if level == 2][2:-1]
    assert parts == ["north/Q2", "south/Q2"]
    summary = document.tables[1]
    assert [row.cells[0].text for row in summary.rows[1:]] == ["north/Q2", "south/Q2",
                                                               "All indicators"]  # fmt: skip


def test_the_summary_chart_of_forty_directorates_fits_on_the_page(tmp_path):
    """A corporate pack rolls up 40 directorate books: its chart must not run off the A4 page
    (split over several pictures, each one page high at most, every directorate in one)."""
    root = tmp_path / "books"
    root.mkdir()
    small = {"KPIs": {None: BOOKS["3 Place.xlsx"]["Housing"][None]}}
    names = [f"{n:02d} Directorate {n}" for n in range(1, 41)]
    for name in names:
        write_book(root / f"{name}.xlsx", small)
    out = tmp_path / "pack.docx"
    assert main(["report", str(root), "-o", str(out)]) == 0
    document = docx.Document(str(out))
    page = document.sections[0]
    usable = page.page_height - page.top_margin - page.bottom_margin
    corporate = [shape for shape in document.inline_shapes
                 if "for each directorate" in shape._inline.docPr.get("descr")]
    assert len(corporate) > 1
    assert all(shape.height <= usable * 0.9 for shape in corporate)
    described = " ".join(shape._inline.docPr.get("descr") for shape in corporate)
    assert all(f"{name}: " in described for name in names)
