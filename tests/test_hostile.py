"""Hostile and damaged files (issue 10): every kind made here (tests/hostile_books.py) goes through
`kpi validate`, `validate --json`, `summary --json` and `refresh`, each command in a child process
with an address-space limit and a time limit (tests/forked_cli.py). For each: exit 0, 1 or 2
only; at most one line on stderr; no traceback; done in time; memory under the cap; every file
that was there before unchanged (but the one an in-place refresh was asked to replace); nothing
written on exit 2; what a refresh writes is a sound zip whose XML parts are well-formed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.forked_cli import ForkedCli
from tests.hostile_books import CASES, case_id

SECONDS = 30  # generous on a loaded 2-core machine; a hang is what this catches
MEMORY_MB = 600  # address space each command may add to the server's
RSS_CAP_MB = 400  # peak resident memory a command may add
COMMANDS = {
    "validate": ["validate"],
    "validate --json": ["validate", "--json"],
    "summary --json": ["summary", "--json"],
}


@pytest.fixture(scope="module")
def cli():
    client = ForkedCli()
    yield client
    client.close()


@pytest.fixture
def case_dir():
    """A folder nobody may read (the read-only cases run as nobody when the tests run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="kpi-hostile-"))
    os.chmod(folder, 0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o755)
    shutil.rmtree(folder)


def test_there_are_at_least_sixty_kinds():
    names = [case_id(build) for build in CASES]
    assert len(set(names)) == len(names) >= 60


@pytest.mark.parametrize("build", CASES, ids=case_id)
def test_hostile_file(build, case_dir, cli):
    case = build(case_dir)
    before = _files(case_dir)
    for name, words in COMMANDS.items():
        result = cli.run([*words, case.book], SECONDS, MEMORY_MB, **_options(case))
        _assert_contained(name, result)
        assert _files(case_dir) == before, f"{name} changed or added files"
        if "--json" in words and result["status"] in (0, 1):
            json.loads(result["stdout"])
    _refresh(case, case_dir, before, cli)


def _refresh(case, case_dir: Path, before: dict, cli) -> None:
    out = case_dir / "out" / "refreshed.xlsx"
    arguments = case.refresh if case.refresh is not None else ["-o", out]
    if case.refresh is None:
        out.parent.mkdir()
        before = _files(case_dir)
    book = Path(os.path.realpath(case.book))
    original = book.read_bytes() if book.is_file() else None
    if case.setup.get("writes"):
        original = Path(case.setup["writes"]).read_bytes()
    result = cli.run(["refresh", case.book, *arguments], SECONDS, MEMORY_MB, **_options(case))
    _assert_contained("refresh", result)
    after = _files(case_dir)
    allowed = {case.setup.get("writes")} if result["status"] in (0, 1) else set()
    changed = {path for path in before if after.get(path) != before[path]}
    assert changed <= allowed, f"refresh changed {sorted(changed - allowed)}"
    added = set(after) - set(before)
    if result["status"] == 2:
        assert not added, f"refresh wrote {sorted(added)} and exited 2"
        return
    assert added <= {str(out)}, f"refresh left {sorted(added - {str(out)})}"
    for written in added | (allowed & changed):
        _assert_sound(Path(written), original)


def _options(case) -> dict:
    return {key: case.setup[key] for key in ("fsize", "nobody") if key in case.setup}


def _assert_contained(name: str, result: dict) -> None:
    where = f"{name}: {result['stderr'][-600:]!r}"
    assert not result["timed_out"], f"{name} took over {SECONDS} s"
    assert result["status"] in (0, 1, 2), where
    assert "Traceback" not in result["stderr"] + result["stdout"], where
    assert len(result["stderr"].splitlines()) <= 1, where
    if result["status"] == 2:  # "kpi: <path>: <reason>", the reason at most 200 characters
        assert result["stderr"].startswith("kpi: "), where
        assert len(result["stderr"].strip().rsplit(".xlsx: ", 1)[-1]) <= 200, where
    grown_mb = (result["max_rss_kb"] - result["base_rss_kb"]) / 1024
    assert grown_mb < RSS_CAP_MB, f"{name} used {grown_mb:.0f} MB over the base"


def _assert_sound(path: Path, source: bytes | None) -> None:
    """A zip that passes its own integrity check, whose XML parts are well-formed without a
    DTD wherever the source's were (a part the source already had broken is the source's)."""
    before = _xml_parts(source)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None, f"{path.name}: a damaged member"
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")) and _well_formed(before.get(name)):
                assert _well_formed(archive.read(name)), f"{name} is no longer well-formed"


def _xml_parts(book: bytes | None) -> dict[str, bytes | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(book)) as archive:
            return {name: _read_or_none(archive, name) for name in archive.namelist()
                    if name.endswith((".xml", ".rels"))}  # fmt: skip
    except Exception:  # noqa: BLE001 - no zip at all: nothing to compare
        return {}


def _read_or_none(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except Exception:  # noqa: BLE001 - damaged in the source
        return b"<"  # not well-formed: the output's copy is not held to it


PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _well_formed(data: bytes | None) -> bool:
    if data is None:
        return True  # a part the refresh added must be well-formed
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError:
        return False
    return root.getroottree().docinfo.doctype == ""


def _files(folder: Path) -> dict[str, str]:
    """Every file under the folder (not following links) with a hash of its bytes."""
    found = {}
    for path in folder.rglob("*"):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif not stat.S_ISDIR(mode):
            found[str(path)] = f"{stat.S_IFMT(mode)}:{os.readlink(path) if path.is_symlink() else ''}"
    return found
