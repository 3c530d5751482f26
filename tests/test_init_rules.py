"""`kpi init-rules`: a commented kpi.toml that changes nothing until a line is uncommented, names
every key, and, given a book, shows the headers read from it."""

from __future__ import annotations

import re
from pathlib import Path

from kpi_cli.init_rules import rules_template
from kpi_cli.main import main
from kpi_rules import default_rules, load_rules
from kpi_rules.rules import COMMENTARY_KEYS, INDICATOR_KEYS, ROLES, TOP_KEYS
from workbook.check import check_book

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "workbook" / "samples" / "council_kpis_q2.xlsx"
SETTING = re.compile(r"^# (\[[^\]]+\]|[a-z_]+ = .*?)(?:\s{2,}#.*)?$")


def uncommented(text: str) -> str:
    """Every commented setting and section line made live; notes after a setting are kept
    apart (two spaces, then #) so a test can tell them."""
    return "\n".join(m.group(0)[2:] if (m := SETTING.match(line)) else line
                     for line in text.splitlines())


def test_the_file_as_written_changes_nothing():
    assert load_rules(rules_template(), "kpi.toml") == default_rules()


def test_every_key_is_there_and_each_line_is_valid_when_uncommented():
    live = uncommented(rules_template())
    rules = load_rules(live, "kpi.toml")  # every example line is itself a valid setting
    keys = set(re.findall(r"^([a-z_]+) = ", live, flags=re.MULTILINE))
    assert set(TOP_KEYS) - {"labels", "colors", "columns", "commentary", "indicators"} <= keys
    assert set(COMMENTARY_KEYS) | set(INDICATOR_KEYS) | set(ROLES) <= keys
    sections = {line.split("#")[0].strip() for line in live.splitlines()}
    assert {"[labels]", "[colors]", "[columns]", "[commentary]"} <= sections
    assert rules.polarity == "bigger" and rules.commentary.sheet == "Exception Notes"


def test_given_a_book_it_goes_beside_it_with_the_headers_read(tmp_path, capsys):
    book = tmp_path / "q2.xlsx"
    book.write_bytes(SAMPLE.read_bytes())
    assert main(["init-rules", str(book)]) == 0
    written = (tmp_path / "kpi.toml").read_text()
    check = check_book(SAMPLE)
    table = check.tables[0]
    assert f'# actual = "{table.headers["actual"]}"' in written
    assert f'# sheet = "{table.sheet}"' in written
    assert "Wrote" in capsys.readouterr().out
    # Pinning the columns it shows reads the same table as detection did.
    live = uncommented(written)
    section = live[live.index("[columns]"):live.index("[commentary]")]
    pinned = "\n".join(line for line in section.splitlines() if "not found" not in line
                       and not line.startswith("sheet ="))
    columns = load_rules(pinned, "kpi.toml").columns
    assert {role: columns[role] for role in table.headers} == {
        role: " ".join(text.split()) for role, text in table.headers.items()}


def test_an_existing_file_is_left_alone(tmp_path, capsys):
    target = tmp_path / "kpi.toml"
    target.write_text("tolerance = 0.05\n")
    assert main(["init-rules", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err and "--force" in err
    assert target.read_text() == "tolerance = 0.05\n"
    assert main(["init-rules", "-o", str(target), "--force"]) == 0
    assert load_rules(target.read_text()) == default_rules()


def test_a_book_that_cannot_be_read_writes_nothing(tmp_path, capsys):
    book = tmp_path / "broken.xlsx"
    book.write_bytes(b"not a zip")
    assert main(["init-rules", str(book)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "kpi.toml").exists()


def test_the_rules_page_describes_every_key():
    page = (REPO / "docs" / "rules.md").read_text()
    keys = [*TOP_KEYS, *(f"commentary.{k}" for k in COMMENTARY_KEYS),
            *(f"columns.{r}" for r in ROLES), "columns.sheet",
            *(f"indicators.\"…\".{k}" for k in INDICATOR_KEYS),
            *(f"labels.{c}" for c in ("on", "within", "off", "none")),
            *(f"colors.{c}" for c in ("on", "within", "off", "none"))]
    assert [key for key in keys if f"`{key}`" not in page] == []
