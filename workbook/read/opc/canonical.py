"""A canonical copy of a valid package that the native reader (python-calamine) cannot open as
it is, made in memory and given to the reader only; the source file is never changed.

calamine expects the workbook part at xl/workbook.xml (its styles and shared strings beside it),
every <sheet> to have a relationship of a type it knows, each sheet part inside a folder, and a
worksheet's <dimension> to be a cell range; it refuses or panics otherwise. The package
relationships say where everything really is, so the copy puts each part where calamine looks:

- _rels/.rels, xl/workbook.xml and its relationships written anew, naming only the worksheets,
  chart sheets and dialog sheets (a macro sheet or a sheet without a part holds no KPI table);
- each of those sheets at xl/<kind>s/kpi<n>.xml, its relationships rewritten with absolute
  targets (so its tables are found), a <dimension> that is not a cell range dropped;
- the styles and shared strings at xl/styles.xml and xl/sharedStrings.xml;
- every other part copied under its own name.

Members are stored, not deflated: the copy lives only as long as the read, and storing is the
cheapest way to hand calamine the inflated parts.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from workbook.read.opc.relationships import (
    DEFAULT_WORKBOOK_PART,
    SHEET_RE,
    TRANSITIONAL_RELATIONSHIPS,
    PackageMap,
    SheetEntry,
    part_relationships,
    rels_part_of,
    unescape,
)
from workbook.read.package import read_part, tag_attributes

NATIVE_KINDS = ("worksheet", "chartsheet", "dialogsheet")  # the sheet types calamine reads
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?/>")
CELL_RANGE_RE = re.compile(rb'ref\s*=\s*["\'][A-Za-z]{1,3}[0-9]+(?::[A-Za-z]{1,3}[0-9]+)?["\']')
HEAD_LIMIT = 1 << 16  # the dimension comes before the cell data, near the top of the part


def needs_canonical_copy(path: Path, archive: zipfile.ZipFile, package: PackageMap) -> bool:
    """Whether calamine would fail on the package as it is (checked from the map and the first
    bytes of each sheet, without reading any sheet in full)."""
    if package.workbook_part != DEFAULT_WORKBOOK_PART:
        return True
    if any(info.filename != info.orig_filename for info in archive.filelist):
        return True  # names written with backslashes
    for sheet in package.sheets:
        if sheet.kind not in NATIVE_KINDS or "/" not in (sheet.part or ""):
            return True
        if sheet.kind == "worksheet" and _bad_dimension(_head(path, archive, sheet.part)):
            return True
    return False


def canonical_copy(path: Path, archive: zipfile.ZipFile, package: PackageMap) -> bytes:
    """The package rewritten so that calamine opens it (see the module's docstring)."""
    kept = [sheet for sheet in package.sheets if sheet.kind in NATIVE_KINDS]
    places = {sheet.part: f"xl/{sheet.kind}s/kpi{number}.xml"
              for number, sheet in enumerate(kept, start=1)}
    written: dict[str, bytes] = {
        "_rels/.rels": _relationships_xml([("rId1", _type("officeDocument"), "/" + DEFAULT_WORKBOOK_PART)]),
        DEFAULT_WORKBOOK_PART: _workbook_xml(read_part(path, archive, package.workbook_part) or b"", kept),
        rels_part_of(DEFAULT_WORKBOOK_PART): _relationships_xml(
            [(f"rIdK{number}", _type(sheet.kind), "/" + places[sheet.part])
             for number, sheet in enumerate(kept, start=1)]),
    }
    for sheet in kept:
        written[places[sheet.part]] = _sheet_copy(path, archive, sheet)
        written[rels_part_of(places[sheet.part])] = _absolute_relationships(path, archive, sheet.part)
    for source, target in ((package.styles_part, "xl/styles.xml"),
                           (package.shared_strings_part, "xl/sharedStrings.xml")):
        if source:
            written[target] = read_part(path, archive, source) or b""
    skipped = {package.workbook_part, rels_part_of(package.workbook_part), "_rels/.rels", *places}
    skipped.update(rels_part_of(part) for part in places)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, data in written.items():
            out.writestr(name, data)
        for info in archive.filelist:
            if info.filename not in skipped and info.filename not in written and not info.is_dir():
                out.writestr(info.filename, read_part(path, archive, info.filename) or b"")
    return buffer.getvalue()


def _head(path: Path, archive: zipfile.ZipFile, part: str) -> bytes:
    with archive.open(part) as stream:
        return stream.read(HEAD_LIMIT)


def _bad_dimension(head: bytes) -> bool:
    before_cells = head.split(b"sheetData", 1)[0]
    return any(not CELL_RANGE_RE.search(tag) for tag in DIMENSION_RE.findall(before_cells))


def _type(kind: str) -> str:
    return f"{TRANSITIONAL_RELATIONSHIPS}/{kind}"


def _relationships_xml(rels: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{_escape(target)}"/>'
                    for rid, kind, target in rels)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PACKAGE_NS}">{items}</Relationships>').encode()


def _workbook_xml(data: bytes, kept: list[SheetEntry]) -> bytes:
    """The workbook part with only the kept sheets, each pointing at its new relationship."""
    ids = {sheet.name: f"rIdK{number}" for number, sheet in enumerate(kept, start=1)}

    def entry(match: re.Match) -> bytes:
        attrs = tag_attributes(match.group(0))
        name = unescape(attrs.get("name", ""))
        if name not in ids:
            return b""
        prefix = match.group(0)[1:match.group(0).index(b"sheet")]
        state = f' state="{attrs["state"]}"' if attrs.get("state") in ("hidden", "veryHidden") else ""
        return (f'<{prefix.decode()}sheet name="{_escape(name)}" sheetId="{ids[name][4:]}"{state}'
                f' xmlns:kpi="{TRANSITIONAL_RELATIONSHIPS}" kpi:id="{ids[name]}"/>').encode()

    return SHEET_RE.sub(entry, data)


def _sheet_copy(path: Path, archive: zipfile.ZipFile, sheet: SheetEntry) -> bytes:
    data = read_part(path, archive, sheet.part) or b""
    if sheet.kind != "worksheet":
        return data
    cut = data.find(b"sheetData")
    cut = len(data) if cut < 0 else cut
    head = DIMENSION_RE.sub(lambda m: m.group(0) if CELL_RANGE_RE.search(m.group(0)) else b"",
                            data[:cut])
    return head + data[cut:]


def _absolute_relationships(path: Path, archive: zipfile.ZipFile, part: str) -> bytes:
    rels = part_relationships(path, archive, part)
    return _relationships_xml([
        (rel.id, rel.type_uri, "/" + rel.target) for rel in rels if not rel.external
    ])


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))
