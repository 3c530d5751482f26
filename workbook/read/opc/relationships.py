"""Where a package's relationships put the workbook part, its sheets and its styles.

The package says where its parts are: _rels/.rels names the workbook part (officeDocument),
the workbook part's own relationships name each sheet (by the r:id of its <sheet> entry) and
the styles part. Nothing here assumes xl/workbook.xml or xl/styles.xml, and every reader and
writer of this project finds those parts through `package_map`.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workbook.read.package import WorkbookReadError, read_part, tag_attributes

DEFAULT_WORKBOOK_PART = "xl/workbook.xml"
TRANSITIONAL_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_RELATIONSHIPS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REASON = ("saved as Strict Open XML: save it as Excel Workbook (.xlsx) in Excel "
                 "and try again")
# The last segment of a relationship type -> the kind of sheet it holds.
SHEET_KINDS = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlMacrosheet": "macrosheet",
    "xlIntlMacrosheet": "macrosheet",
}
RELATIONSHIP_RE = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*?>")
SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?>")
ROOT_RE = re.compile(rb"<(?:\w+:)?workbook\b[^>]*>")


@dataclass(frozen=True)
class PackageRelationship:
    id: str
    type: str  # the last segment: "worksheet", "styles", "officeDocument", ...
    target: str  # a part name, resolved from the source part's folder
    external: bool = False
    strict: bool = False  # a Strict Open XML relationship type
    type_uri: str = ""  # the whole type, as written


@dataclass(frozen=True)
class SheetEntry:
    """One <sheet> of the workbook part. `part` is None when no relationship gives it one (no
    r:id, or an r:id the relationships do not hold): such a sheet has no cells to read."""

    name: str
    kind: str  # worksheet, chartsheet, dialogsheet, macrosheet, or "" (no part, unknown type)
    part: str | None
    relation: str | None


@dataclass(frozen=True)
class PackageMap:
    workbook_part: str
    workbook_rels: list[PackageRelationship]
    sheets: list[SheetEntry]
    styles_part: str | None
    shared_strings_part: str | None

    def worksheets(self) -> dict[str, str]:
        """Worksheet name -> its part, for the worksheets whose part is in the package."""
        return {sheet.name: sheet.part for sheet in self.sheets
                if sheet.kind == "worksheet" and sheet.part is not None}


def package_map(path: Path, archive: zipfile.ZipFile) -> PackageMap:
    """The package's map; WorkbookReadError (one line) when it has no workbook part or is Strict
    Open XML, which the writer cannot produce."""
    book = workbook_part(path, archive)
    if book is None:
        raise WorkbookReadError(path, "not an Excel workbook (a zip without xl/workbook.xml)")
    data = read_part(path, archive, book) or b""
    root = ROOT_RE.search(data[:65536])
    if root is not None and STRICT_MAIN.encode() in root.group(0):
        raise WorkbookReadError(path, STRICT_REASON)
    rels = part_relationships(path, archive, book)
    targets = {rel.id: rel for rel in rels if not rel.external}
    sheets = [_sheet_entry(tag_attributes(tag), targets, archive) for tag in SHEET_RE.findall(data)]
    return PackageMap(book, rels, [sheet for sheet in sheets if sheet is not None],
                      _target_of(rels, "styles", archive), _target_of(rels, "sharedStrings", archive))


def workbook_part(path: Path, archive: zipfile.ZipFile) -> str | None:
    """The part _rels/.rels names as the office document, else xl/workbook.xml if present;
    WorkbookReadError for Strict Open XML."""
    for rel in part_relationships(path, archive, ""):
        if rel.type == "officeDocument" and not rel.external:
            if rel.strict:
                raise WorkbookReadError(path, STRICT_REASON)
            if rel.target in archive.NameToInfo:
                return rel.target
    return DEFAULT_WORKBOOK_PART if DEFAULT_WORKBOOK_PART in archive.NameToInfo else None


def office_document_target(path: Path, archive: zipfile.ZipFile) -> str | None:
    """What _rels/.rels names as the office document, present or not (.xlsb names a .bin)."""
    for rel in part_relationships(path, archive, ""):
        if rel.type == "officeDocument" and not rel.external:
            return rel.target
    return None


def part_relationships(path: Path, archive: zipfile.ZipFile, part: str) -> list[PackageRelationship]:
    """The relationships of `part` ("" for the package itself), targets resolved."""
    data = read_part(path, archive, rels_part_of(part)) or b""
    base = posixpath.dirname(part)
    found = []
    for tag in RELATIONSHIP_RE.findall(data):
        attrs = tag_attributes(tag)
        external = attrs.get("TargetMode") == "External"
        target = unescape(attrs.get("Target", ""))
        kind = attrs.get("Type", "")
        found.append(PackageRelationship(
            attrs.get("Id", ""), kind.rsplit("/", 1)[-1],
            target if external else resolve_target(base, target), external,
            kind.startswith(STRICT_RELATIONSHIPS), kind,
        ))
    return found


def rels_part_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve_target(base: str, target: str) -> str:
    """A relationship's target as a part name: absolute ("/xl/a.xml") or relative to `base`."""
    pieces: list[str] = []
    for piece in (target if target.startswith("/") else f"{base}/{target}").split("/"):
        if piece == "..":
            if pieces:
                pieces.pop()
        elif piece not in ("", "."):
            pieces.append(piece)
    return "/".join(pieces)


def unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


def _sheet_entry(attrs: dict[str, str], targets: dict[str, PackageRelationship],
                 archive: zipfile.ZipFile) -> SheetEntry | None:
    name = attrs.get("name")
    if not name:
        return None
    relation = attrs.get("r:id") or next(
        (value for key, value in attrs.items() if key.endswith(":id")), None)
    rel = targets.get(relation) if relation else None
    if rel is None or rel.target not in archive.NameToInfo:
        return SheetEntry(unescape(name), "", None, relation)
    return SheetEntry(unescape(name), SHEET_KINDS.get(rel.type, ""), rel.target, relation)


def _target_of(rels: list[PackageRelationship], kind: str, archive: zipfile.ZipFile) -> str | None:
    for rel in rels:
        if rel.type == kind and not rel.external and rel.target in archive.NameToInfo:
            return rel.target
    return None
