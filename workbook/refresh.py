"""`kpi refresh` on files: read a book once, check it, plan the writes, apply them to a copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbook.check import BookCheck, check_grids, gc_paused
from workbook.lock_file import refuse_if_open
from workbook.plan import plan_from_check
from workbook.plan.blocks import WorkbookPlan
from workbook.read.grid import read_grids
from workbook.read.rules_source import find_rules
from workbook.read.snapshot import take_snapshot
from workbook.xlsx.writer import WorkbookWriteError, apply_plan

REFRESHED_SUFFIX = "-refreshed"


@dataclass
class Refreshed:
    source: Path
    target: Path
    check: BookCheck
    plan: WorkbookPlan


def default_target(source: Path) -> Path:
    """BOOK.xlsx -> BOOK-refreshed.xlsx beside it (.xlsm keeps .xlsm: it holds macros)."""
    return source.with_name(f"{source.stem}{REFRESHED_SUFFIX}{source.suffix}")


def choose_target(source: Path, output: str | None, in_place: bool, force: bool = False) -> Path:
    """Where the refreshed copy goes; a mistake is a WorkbookWriteError (one line). In place, a
    book open in Excel or LibreOffice is refused (BookOpenError) unless `force`."""
    if in_place:
        if output:
            raise WorkbookWriteError("use either -o or --in-place, not both")
        if not force:
            refuse_if_open(source)
        return source
    target = Path(output) if output else default_target(source)
    if target.suffix.lower() != source.suffix.lower():
        raise WorkbookWriteError(
            f"the output must end in {source.suffix} like the source, not {target.suffix or 'nothing'}"
        )
    if target.exists() and target.resolve() == source.resolve():
        raise WorkbookWriteError("the output is the source: add --in-place to overwrite it")
    if target.exists() and not target.is_file() and not target.is_dir():
        raise WorkbookWriteError(f"{target.name}: the output exists and is not a regular file (a pipe or device)")
    return target


def refresh_book(source: Path, target: Path, rules_path: str | Path | None = None) -> Refreshed:
    """Read the source once (a snapshot the reader and the writer share), check, plan, write."""
    source = Path(source)
    snapshot = take_snapshot(source)
    with gc_paused():
        grids = read_grids(snapshot)
        rules = find_rules(source, rules_path, grids)
        check = check_grids(grids, rules, source.name)
        plan = plan_from_check(check, grids)
        del grids  # the sheets' values are the largest thing held; the writer streams the file again
        apply_plan(snapshot, target, plan)
    return Refreshed(source, target, check, plan)
