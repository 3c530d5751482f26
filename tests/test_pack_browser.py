"""The HTML pack as a reader meets it: opened in Debian's headless chromium (driven by
playwright-core from tests/browser/pack), checked by axe-core, with a screenshot kept.

Skips, saying why, when chromium or node is missing (CI installs them). Screenshots go to
$KPI_TEST_ARTEFACTS (default: out/test-artefacts in the repository, which git ignores).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from itertools import pairwise
from pathlib import Path

import pytest

from kpi_cli.main import main
from tests.browser_support import chromium as _chromium
from tests.browser_support import install_driver, needs_browser
from tests.pack_books import LABELS, directorate_folder, expected_rows

REPO = Path(__file__).resolve().parents[1]
DRIVER = REPO / "tests" / "browser" / "pack"
SAMPLE = REPO / "workbook" / "samples" / "council_kpis_q2.xlsx"
SAMPLE_COLOURS = {"on": "#00B050", "within": "#FFC000", "off": "#FF0000", "none": "#BFBFBF"}
FOLDER_COLOURS = {"on": "#1B5E20", "within": "#FFB300", "off": "#C62828", "none": "#9E9E9E"}

pytestmark = needs_browser


def rgb(colour: str) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    """What the browser saw of the sample's pack and of the three directorates' pack."""
    install_driver(DRIVER)
    work = tmp_path_factory.mktemp("html")
    sample = work / "sample.html"
    assert main(["report", str(SAMPLE), "-o", str(sample)]) == 1
    books = directorate_folder(work / "books")
    folder = work / "corporate.html"
    assert main(["report", str(books), "-o", str(folder), "--rules", str(work / "council.toml")]) == 1
    artefacts = Path(os.environ.get("KPI_TEST_ARTEFACTS", REPO / "out" / "test-artefacts"))
    artefacts.mkdir(parents=True, exist_ok=True)
    shots = [artefacts / "pack-sample.png", artefacts / "pack-folder.png"]
    done = subprocess.run(
        ["node", "check_pack.mjs", str(sample), str(shots[0]), str(folder), str(shots[1])],
        cwd=DRIVER, capture_output=True, text=True, timeout=240, check=False,
        env={**os.environ, "CHROMIUM": _chromium()},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports = json.loads(done.stdout)
    print("screenshots kept:", *shots)
    return {"sample": reports[0], "folder": reports[1], "shots": shots}


def test_screenshots_are_kept_as_artefacts(seen):
    for shot in seen["shots"]:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@pytest.mark.parametrize("pack", ["sample", "folder"])
def test_axe_finds_no_serious_or_critical_violation(seen, pack):
    report = seen[pack]
    serious = [v for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert report["passes"] > 10  # axe did run its rules
    # Nor a minor or moderate one (e.g. two regions both named "Summary"): axe is pinned.
    assert report["violations"] == []


@pytest.mark.parametrize("pack", ["sample", "folder"])
def test_page_is_en_gb_self_contained_and_every_table_has_headers(seen, pack):
    report = seen[pack]
    assert report["lang"] == "en-GB"
    assert report["tablesWithoutHeaders"] == 0
    assert report["scripts"] == 0
    assert [r for r in report["requests"] if not r.endswith(".html")] == []  # nothing fetched
    assert report["images"] and all(image["loaded"] and len(image["alt"]) > 40
                                    for image in report["images"])


def test_status_cells_show_label_and_colour_as_rendered(seen):
    cells = seen["sample"]["statusCells"]
    assert len(cells) == 40
    for cell in cells:
        assert cell["background"] == rgb(SAMPLE_COLOURS[cell["status"]])
        assert cell["text"]  # the label is always there beside the colour
    folder = seen["folder"]["statusCells"]
    assert [c["text"] for c in folder] == [LABELS[e["status"]] for e in expected_rows()]
    assert all(c["background"] == rgb(FOLDER_COLOURS[c["status"]]) for c in folder)
    on_dark_green = {c["color"] for c in folder if c["status"] == "on"}
    assert on_dark_green == {"rgb(255, 255, 255)"}


def test_folder_reading_order_and_exception_notes(seen):
    report = seen["folder"]
    level2 = [text for level, text in report["headings"] if level == 2]
    assert level2 == ["Status key", "Corporate summary", "1 Adults and Health",
                      "2 Children's Services", "3 Place", "Annex: findings"]  # fmt: skip
    levels = [level for level, _ in report["headings"]]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels))  # no skips
    notes = {re.split(": ", n["heading"])[0]: n["commentary"] for n in report["exceptions"]}
    off = [e for e in expected_rows() if e["status"] == "off"]
    assert list(notes) == [e["reference"] for e in off]
    # Workbook text is shown as text: the <b> in a commentary is not markup.
    assert notes["HO 01"] == "Sites delayed by the weather; <b>catch-up</b> plan agreed."
    assert notes["CS 05"] == "No commentary given."
