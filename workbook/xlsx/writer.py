"""The file writer behind `kpi refresh`: apply a WorkbookPlan to a copy of an .xlsx/.xlsm.

Why not openpyxl or wolfxl: openpyxl rebuilds the whole package from its object model and
drops what it does not model (sparklines, x14 data bars, chart styles, cached formula values,
dynamic-array metadata, VBA unless asked, app properties; see the project's measured.md).
wolfxl's modify mode keeps far more (checked on the test fixture: a one-cell edit changed only
that sheet's part), but which parts it rewrites depends on the call path (`keep_vba=True`
rewrote shared strings and other sheets), and the plan also needs recognisable, replaceable
colour rules, a chart in a new sheet and 100k-row sheets without a tree in memory. The bar here
is stricter and easy to check: every zip member the plan does not need is copied as its
original compressed bytes.

What changes, and only when needed:
- each worksheet the plan writes into (cells streamed row by row, the rest of the sheet
  re-serialized by lxml with the same elements, attributes and order);
- xl/styles.xml when a new cell format or conditional-format fill is needed;
- the owned sheets ("KPI Validation", "KPI Summary"), their rels, drawing and chart parts;
- when an owned sheet is new: workbook.xml, its rels, [Content_Types].xml, docProps/app.xml;
- workbook.xml's defined names when a print title or filter is new or moved: the owned sheets'
  header rows, and a KPI table's header row and reference/indicator columns when its sheet has
  no print titles of its own;
- when a formula cell is overwritten: xl/calcChain.xml is dropped (Excel rebuilds it; a chain
  naming a cell that no longer holds a formula makes Excel repair the file).
Strings are written as inline strings, so xl/sharedStrings.xml is never touched.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from lxml import etree

from workbook.addresses import column_letter, quote_sheet, sheet_key
from workbook.plan.blocks import PrintTitles, SheetContent, WorkbookPlan
from workbook.read.package import WorkbookReadError
from workbook.read.snapshot import Snapshot, take_snapshot
from workbook.xlsx.atomic import WorkbookWriteError, write_temporary
from workbook.xlsx.chart import chart_xml, drawing_xml
from workbook.xlsx.ooxml import (
    CT_CHART,
    CT_DRAWING,
    CT_STYLES,
    CT_WORKSHEET,
    NS_DOC_REL,
    NS_EXTENDED_PROPS,
    NS_VT,
    REL_CALC_CHAIN,
    REL_CHART,
    REL_DRAWING,
    REL_EXTENDED_PROPS,
    REL_STYLES,
    REL_WORKSHEET,
    WORKBOOK_ORDER,
    Relationship,
    free_relationship_id,
    insert_in_order,
    main,
    parse_part,
    rels_part_for,
    serialize_part,
)
from workbook.xlsx.owned_sheet import filter_range, worksheet_xml
from workbook.xlsx.package import Package
from workbook.xlsx.styles import StyleBook
from workbook.xlsx.worksheet import SheetEdits, rewrite_worksheet

__all__ = ["WorkbookWriteError", "apply_plan"]

PRINT_TITLES, FILTER_DATABASE = "_xlnm.Print_Titles", "_xlnm._FilterDatabase"
BAD_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def apply_plan(source: Path | Snapshot, target: Path, plan: WorkbookPlan) -> None:
    """Write `target`: a copy of `source` with `plan` applied. `target` may be `source`
    (in place): either way the file at `target` is replaced atomically, and on any error
    nothing is written and WorkbookWriteError names the reason in one line.

    `source` is read once (pass the Snapshot the plan was made from); in place, the file is
    replaced only if it still holds those bytes, and through a symbolic link its target is."""
    snapshot = source if isinstance(source, Snapshot) else _snapshot(Path(source))
    target = Path(target)
    in_place = _same_file(snapshot, target)
    if in_place:
        target = snapshot.real_path
    package = Package.open(snapshot)
    try:
        try:
            _PlanWriter(package).apply(plan)
            written = write_temporary(target, package.write_to)
        finally:
            package.close()  # before the rename: Windows cannot replace a file still open
    except WorkbookWriteError:
        raise
    except (ValueError, KeyError, IndexError, etree.LxmlError) as error:
        raise WorkbookWriteError(f"cannot write {snapshot.name}: {error!r}") from error
    written.commit(_unchanged_since_read(snapshot) if in_place else None)


def _snapshot(path: Path) -> Snapshot:
    try:
        return take_snapshot(path)
    except WorkbookReadError as error:
        raise WorkbookWriteError(str(error)) from error


def _same_file(snapshot: Snapshot, target: Path) -> bool:
    try:
        return os.path.samefile(snapshot.real_path, target)
    except OSError:
        return False


def _unchanged_since_read(snapshot: Snapshot):
    def check() -> None:
        if not snapshot.unchanged():
            raise WorkbookWriteError(f"{snapshot.name} changed on disk while it was being "
                                     f"refreshed: nothing written, run the refresh again")
    return check


class _PlanWriter:
    def __init__(self, package: Package):
        self.package = package
        self.workbook_root = parse_part(package.read(package.workbook_part), package.workbook_part)
        if self.workbook_root.tag != main("workbook"):
            raise WorkbookWriteError(f"{package.path.name}: the workbook part is not SpreadsheetML")
        self.workbook_rels = package.relationships(package.workbook_part)
        self.workbook_changed = False
        self.styles = self._load_styles()

    # -- the plan ------------------------------------------------------------------------
    def apply(self, plan: WorkbookPlan) -> None:
        owned = {sheet_key(content.name) for content in plan.sheets}
        formulas_replaced = False
        for name, edits in _edits_by_sheet(plan, self.styles).items():
            if sheet_key(name) in owned:
                continue
            part = self._sheet_part(name)
            if part is None:
                raise WorkbookWriteError(f"the workbook has no sheet named {name!r}")
            chunks, rewriter = rewrite_worksheet(self.package.read_chunks(part), part, edits,
                                                 self.styles)
            self.package.replace_streamed(part, chunks)
            formulas_replaced = formulas_replaced or bool(rewriter.formulas_replaced)
        for content in plan.sheets:
            self._write_owned_sheet(content)
        for titles in plan.print_titles:
            self._set_defined_name(PRINT_TITLES, titles.sheet, print_titles_formula(titles),
                                   replace=False)
        if formulas_replaced:
            self._drop_calc_chain()
        self._store_changed_parts()

    def _store_changed_parts(self) -> None:
        if self.styles.changed and self.styles.new:
            self._add_styles_part()
        elif self.styles.changed:
            self.package.replace(self.styles.part_name, self.styles.to_bytes())
        if self.workbook_changed:
            self.package.replace(self.package.workbook_part, serialize_part(self.workbook_root))
            self.package.write_relationships(self.package.workbook_part, self.workbook_rels)

    # -- lookups -------------------------------------------------------------------------
    def _load_styles(self) -> StyleBook:
        for rel in self.workbook_rels:
            if rel.type == REL_STYLES and not rel.external and self.package.exists(rel.target):
                return StyleBook(rel.target, self.package.read(rel.target))
        folder = posixpath.dirname(self.package.workbook_part)
        part = posixpath.join(folder, "styles.xml")
        if self.package.exists(part):
            part = self.package.free_name(posixpath.join(folder, "styles{}.xml"))
        return StyleBook.empty(part)

    def _add_styles_part(self) -> None:
        """A workbook saved without a styles part gets one, with its relationship (an old
        one naming a missing part is replaced) and its content type."""
        self.package.add(self.styles.part_name, self.styles.to_bytes(), CT_STYLES)
        self.workbook_rels = [rel for rel in self.workbook_rels if rel.type != REL_STYLES]
        self.workbook_rels.append(Relationship(free_relationship_id(self.workbook_rels), REL_STYLES,
                                               self.styles.part_name))
        self.package.write_relationships(self.package.workbook_part, self.workbook_rels)

    def _sheet_elements(self) -> list[etree._Element]:
        sheets = self.workbook_root.find(main("sheets"))
        return list(sheets.iter(main("sheet"))) if sheets is not None else []

    def _sheet_part(self, name: str) -> str | None:
        targets = {rel.id: rel.target for rel in self.workbook_rels if rel.type == REL_WORKSHEET}
        for sheet in self._sheet_elements():
            if sheet_key(sheet.get("name", "")) == sheet_key(name):
                part = targets.get(sheet.get(f"{{{NS_DOC_REL}}}id"))
                if part is None:
                    raise WorkbookWriteError(f"sheet {name!r} is not a worksheet (a chart sheet?)")
                return part
        return None

    # -- owned sheets --------------------------------------------------------------------
    def _write_owned_sheet(self, content: SheetContent) -> None:
        part = self._sheet_part(content.name)
        if part is None:
            part = self._add_sheet(content.name)
        else:
            self._drop_related_parts(part)
        sheet_rels: list[Relationship] = []
        if content.chart is not None:
            sheet_rels.append(Relationship("rId1", REL_DRAWING, self._add_chart(content)))
        data = worksheet_xml(content, self.styles, "rId1" if sheet_rels else None)
        if self.package.exists(part):
            self.package.replace(part, data)
        else:
            self.package.add(part, data, CT_WORKSHEET)
        if sheet_rels:
            self.package.write_relationships(part, sheet_rels)
        header = PrintTitles(content.name, (content.header_row, content.header_row), None)
        self._set_defined_name(PRINT_TITLES, content.name, print_titles_formula(header))
        if content.auto_filter and len(content.rows) > content.header_row:
            self._set_defined_name(FILTER_DATABASE, content.name,
                                   f"{quote_sheet(content.name)}!{_absolute(filter_range(content))}",
                                   hidden=True)

    # -- defined names -------------------------------------------------------------------
    def _set_defined_name(self, name: str, sheet: str, formula: str, replace: bool = True,
                          hidden: bool = False) -> None:
        """A name local to `sheet`; an existing one is kept unless `replace`."""
        index = next(i for i, element in enumerate(self._sheet_elements())
                     if sheet_key(element.get("name", "")) == sheet_key(sheet))
        names = self.workbook_root.find(main("definedNames"))
        if names is None:
            names = etree.Element(main("definedNames"))
            insert_in_order(self.workbook_root, names, WORKBOOK_ORDER)
        existing = next((element for element in names.iter(main("definedName"))
                         if element.get("name", "").casefold() == name.casefold()
                         and element.get("localSheetId") == str(index)), None)
        if existing is not None and (not replace or existing.text == formula):
            return
        if existing is None:
            existing = etree.SubElement(names, main("definedName"), name=name,
                                        localSheetId=str(index))
            if hidden:
                existing.set("hidden", "1")
        existing.text = formula
        self.workbook_changed = True

    def _add_chart(self, content: SheetContent) -> str:
        chart_part = self.package.free_name("xl/charts/chart{}.xml")
        self.package.add(chart_part, chart_xml(content), CT_CHART)
        drawing_part = self.package.free_name("xl/drawings/drawing{}.xml")
        self.package.add(drawing_part, drawing_xml(content.chart, "rId1"), CT_DRAWING)
        self.package.write_relationships(drawing_part, [Relationship("rId1", REL_CHART, chart_part)])
        return drawing_part

    def _drop_related_parts(self, part: str) -> None:
        """Remove what hung off the previous version of an owned sheet (drawing, chart, ...),
        keeping any part that something else in the package still refers to."""
        referenced_elsewhere = self._targets_outside(part)
        pending = [part]
        while pending:
            current = pending.pop()
            for rel in self.package.relationships(current):
                if rel.external or rel.target in referenced_elsewhere:
                    continue
                if self.package.exists(rel.target) and rel.target != part:
                    pending.append(rel.target)
            rels_part = rels_part_for(current)
            if self.package.exists(rels_part):
                self.package.delete(rels_part)
            if current != part:
                self.package.delete(current)

    def _targets_outside(self, part: str) -> set[str]:
        """Parts referred to by relationship files other than `part`'s own subtree."""
        own = {rels_part_for(part)}
        for rel in self.package.relationships(part):
            if not rel.external:
                own.add(rels_part_for(rel.target))
        targets: set[str] = set()
        for name in self.package.names():
            if name.endswith(".rels") and name not in own:
                source = _source_of_rels(name)
                targets.update(r.target for r in self.package.relationships(source) if not r.external)
        return targets

    def _add_sheet(self, name: str) -> str:
        if not name or len(name) > MAX_SHEET_NAME or BAD_SHEET_NAME.search(name):
            raise WorkbookWriteError(f"cannot add a sheet named {name!r}: not a valid sheet name")
        part = self.package.free_name("xl/worksheets/sheet{}.xml")
        rel_id = free_relationship_id(self.workbook_rels)
        self.workbook_rels.append(Relationship(rel_id, REL_WORKSHEET, part))
        sheets = self.workbook_root.find(main("sheets"))
        ids = [int(sheet.get("sheetId", "0")) for sheet in self._sheet_elements()]
        element = etree.SubElement(sheets, main("sheet"), name=name, sheetId=str(max(ids, default=0) + 1))
        element.set(f"{{{NS_DOC_REL}}}id", rel_id)
        self.workbook_changed = True
        self._add_title_to_app_properties(name)
        return part

    def _add_title_to_app_properties(self, name: str) -> None:
        root_rels = self.package.relationships("")
        parts = [rel.target for rel in root_rels if rel.type == REL_EXTENDED_PROPS]
        if not parts or not self.package.exists(parts[0]):
            return
        root = parse_part(self.package.read(parts[0]), parts[0])
        if add_worksheet_title(root, name):
            self.package.replace(parts[0], serialize_part(root))

    def _drop_calc_chain(self) -> None:
        chains = [rel for rel in self.workbook_rels if rel.type == REL_CALC_CHAIN]
        for rel in chains:
            self.workbook_rels.remove(rel)
            if self.package.exists(rel.target):
                self.package.delete(rel.target)
        if chains:
            self.workbook_changed = True


def print_titles_formula(titles: PrintTitles) -> str:
    """"'Corporate KPIs'!$A:$B,'Corporate KPIs'!$6:$6": the columns first, as Excel writes it."""
    sheet = quote_sheet(titles.sheet)
    parts = []
    if titles.columns:
        left, right = (column_letter(column) for column in titles.columns)
        parts.append(f"{sheet}!${left}:${right}")
    parts.append(f"{sheet}!${titles.rows[0]}:${titles.rows[1]}")
    return ",".join(parts)


def _absolute(ref: str) -> str:
    """"A5:G16" -> "$A$5:$G$16"."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", corner) for corner in ref.split(":"))


def _source_of_rels(rels_part: str) -> str:
    folder, name = posixpath.split(rels_part)
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])


def _edits_by_sheet(plan: WorkbookPlan, styles: StyleBook) -> dict[str, SheetEdits]:
    edits: dict[str, SheetEdits] = {}
    for block in plan.blocks:
        style = _StyleResolver(block, styles) if (block.number_format or block.bold) else None
        edits.setdefault(block.sheet, SheetEdits()).blocks.append((block, style))
    for rule in plan.colour_rules:
        edits.setdefault(rule.sheet, SheetEdits()).rules.append(rule)
    for titles in plan.print_titles:  # a KPI table's sheet prints its columns on one page width
        if titles.sheet in edits:
            edits[titles.sheet].fit_to_width = True
    return edits


class _StyleResolver:
    """A written cell's style depends on its current one, known only when its row is read."""

    def __init__(self, block, styles: StyleBook):
        self.number_format, self.bold = block.number_format, block.bold
        self.styles = styles
        self.resolved: dict[int, int] = {}

    def __call__(self, base: int) -> int:
        if base not in self.resolved:
            self.resolved[base] = self.styles.cell_format(base, self.number_format, self.bold)
        return self.resolved[base]

    def peek(self, base: int) -> int | None:
        """The style for `base` if the file has it already; adds nothing to the styles part."""
        if base in self.resolved:
            return self.resolved[base]
        return self.styles.existing_cell_format(base, self.number_format, self.bold)


def add_worksheet_title(root: etree._Element, name: str) -> bool:
    """Add a sheet name to docProps/app.xml's TitlesOfParts; False if its layout is unexpected."""
    ep = f"{{{NS_EXTENDED_PROPS}}}"
    vt = f"{{{NS_VT}}}"
    pairs = root.find(f"{ep}HeadingPairs/{vt}vector")
    titles = root.find(f"{ep}TitlesOfParts/{vt}vector")
    if pairs is None or titles is None:
        return False
    variants = [variant[0] for variant in pairs.findall(f"{vt}variant") if len(variant)]
    offset = 0
    for label, count in zip(variants[::2], variants[1::2]):
        if label.text == "Worksheets" and (count.text or "").isdigit():
            position = offset + int(count.text)
            count.text = str(int(count.text) + 1)
            title = etree.Element(f"{vt}lpstr")
            title.text = name
            titles.insert(position, title)
            titles.set("size", str(len(titles)))
            return True
        offset += int(count.text) if (count.text or "").isdigit() else 0
    return False

