"""The README and docs/ stand alone: every link points at a file in the repo, nothing points
outside it (the old ../shared/spec links), and the rules page lists every key the rules accept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpi_rules.rules import COMMENTARY_KEYS, INDICATOR_KEYS, TOP_KEYS
from kpi_rules.status import STATUSES
from workbook.read.tables import ROLES

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#+\s+(.*)$", re.MULTILINE)


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return LINK.findall(text)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors: headings lower-cased, punctuation dropped, spaces as hyphens."""
    return {re.sub(r"[^\w\- ]", "", title).strip().lower().replace(" ", "-")
            for title in HEADING.findall(page.read_text(encoding="utf-8"))}  # fmt: skip


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_is_a_file_in_the_repo(page):
    checked = 0
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.is_relative_to(REPO), f"{page.name}: {target} is outside the repo"
        assert resolved.is_file(), f"{page.name}: {target} is not a file in the repo"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: no heading for #{anchor}"
        checked += 1
    assert checked or page.name not in ("README.md", "domain.md", "interfaces.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_page_names_a_file_outside_the_repo(page):
    assert "../shared" not in page.read_text(encoding="utf-8")


def test_readme_starts_with_make_run_and_make_test():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("```", 2)[1].strip().splitlines()
    assert [line.split()[:2] for line in block] == [["make", "run"], ["make", "test"]]


def test_rules_page_lists_every_key():
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    keys = list(TOP_KEYS)
    keys += [f"labels.{code}" for code in STATUSES] + [f"colors.{code}" for code in STATUSES]
    keys += [f"columns.{role}" for role in (*ROLES, "sheet")]
    keys += [f"commentary.{key}" for key in COMMENTARY_KEYS]
    keys += [f'indicators."…".{key}' for key in INDICATOR_KEYS]
    missing = [key for key in keys if f"`{key}`" not in page]
    assert missing == []
