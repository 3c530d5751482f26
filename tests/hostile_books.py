"""Hostile and damaged files, made by the tests themselves (issue 10).

`kpi_package()` is a small, valid KPI workbook as a dict of zip members, written by hand so
that any part can be replaced, poisoned or damaged; `write_zip()` writes members, optionally
breaking a member's CRC, setting its encryption flag or forging its sizes. Each `case_*`
builder takes a folder and returns a `Case`: the book to hand to the commands and, for a few,
the refresh arguments that put the danger in the target (read-only folder, full disk, link).
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = f"{REL_NS}/officeDocument"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

HEADER = ["Reference", "Indicator", "Polarity", "Actual", "Target", "Status", "Commentary"]
ROWS = [
    ["KPI 1", "Calls answered", "High", 95, 90, "On target", "Good quarter"],
    ["KPI 2", "Days to pay", "Low", 30, 20, "On target", ""],
    ["KPI 3", "Missed bins", "Low", 12, 10, "", "Round changes"],
]

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
ROOT_RELS = "_rels/.rels"
TYPES = "[Content_Types].xml"
IMAGE = "xl/media/image1.png"


@dataclass
class Case:
    book: Path
    refresh: list[str] | None = None  # refresh arguments after the book; default -o a new file
    setup: dict = field(default_factory=dict)  # limits for the child: {"fsize": bytes}


# --- a valid package, by hand -------------------------------------------------------------------


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(rows=None, head: str = "", tail: str = "", extra_cells: str = "",
              dimension: str | None = None) -> str:
    """A worksheet of inline-string and number cells; `extra_cells` goes into a last row."""
    rows = [HEADER, *ROWS] if rows is None else rows
    body = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_letters(c)}{r}", value)
                        for c, value in enumerate(values, start=1) if value not in (None, ""))
        body.append(f'<row r="{r}">{cells}</row>')
    if extra_cells:
        body.append(extra_cells)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'{XML_HEAD}<worksheet xmlns="{NS}" xmlns:r="{REL_NS}">{dim}{head}'
            f'<sheetData>{"".join(body)}</sheetData>{tail}</worksheet>')


def _cell(ref: str, value) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def styles_xml(num_fmts: str = "", xfs: str = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
               doctype: str = "") -> str:
    formats = f'<numFmts count="1">{num_fmts}</numFmts>' if num_fmts else ""
    return (f'{XML_HEAD}{doctype}<styleSheet xmlns="{NS}">{formats}'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="1">{xfs}</cellXfs></styleSheet>')


def workbook_xml(sheets: str = '<sheet name="KPIs" sheetId="1" r:id="rId1"/>') -> str:
    return f'{XML_HEAD}<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>'


def workbook_rels(extra: str = "") -> str:
    return (f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            f'{extra}</Relationships>')


def root_rels(target: str = "xl/workbook.xml") -> str:
    return (f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{DOC_REL}" Target="{target}"/></Relationships>')


def content_types(doctype: str = "", extra: str = "") -> str:
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (f'{XML_HEAD}{doctype}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{main}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{main}.sharedStrings+xml"/>'
            f'{extra}</Types>')


def strings_xml(strings=("Unused",), count: str | None = None) -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    number = count or str(len(strings))
    return f'{XML_HEAD}<sst xmlns="{NS}" count="{number}" uniqueCount="{number}">{items}</sst>'


def kpi_package(**replace) -> dict[str, bytes]:
    """The members of a small valid KPI book; keyword arguments replace parts by short name
    (sheet, strings, styles, workbook, workbook_rels, root_rels, types) or add `extra` parts."""
    members = {
        TYPES: content_types(),
        ROOT_RELS: root_rels(),
        WORKBOOK: workbook_xml(),
        WORKBOOK_RELS: workbook_rels(),
        SHEET: sheet_xml(),
        STYLES: styles_xml(),
        STRINGS: strings_xml(),
        IMAGE: TINY_PNG,
    }
    names = {"sheet": SHEET, "strings": STRINGS, "styles": STYLES, "workbook": WORKBOOK,
             "workbook_rels": WORKBOOK_RELS, "root_rels": ROOT_RELS, "types": TYPES}
    for key, value in replace.items():
        if key == "extra":
            members.update(value)
        elif value is None:
            members.pop(names[key])
        else:
            members[names[key]] = value
    return {name: data.encode() if isinstance(data, str) else data for name, data in members.items()}


TINY_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
            b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
            b"\x00\x00\x00\x00IEND\xaeB`\x82") * 40


def write_zip(path: Path, members: dict[str, bytes], damage: dict[str, str] | None = None,
              method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write members; `damage` maps a member to "crc" (a wrong CRC-32), "encrypted" (the
    encryption flag set) or "sizes" (a central directory claiming 600 MB inflated)."""
    damage = damage or {}
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(_info(name, method), data)
    if damage:
        _damage(path, damage)
    return path


def _info(name: str, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
    info.compress_type = method
    return info


def _damage(path: Path, damage: dict[str, str]) -> None:
    """Patch local headers and the central directory in place."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    directory = struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06") + 16)[0]
    for name, how in damage.items():
        info = infos[name]
        local = info.header_offset
        entry = _central_entry(data, directory, name)
        if how == "crc":
            wrong = struct.pack("<I", (info.CRC ^ 0x5A5A5A5A) & 0xFFFFFFFF)
            data[local + 14:local + 18] = wrong
            data[entry + 16:entry + 20] = wrong
        elif how == "encrypted":
            for at in (local + 6, entry + 8):
                data[at] |= 0x1
        elif how == "sizes":
            data[entry + 24:entry + 28] = struct.pack("<I", 600 << 20)
    path.write_bytes(bytes(data))


def _central_entry(data: bytearray, start: int, name: str) -> int:
    at = start
    encoded = name.encode()
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + length]) == encoded:
            return at
        at += 4


def raw_deflate_zip(path: Path, members: dict[str, bytes], big: dict[str, tuple[int, int]]) -> Path:
    """Like write_zip, plus members of `size` repeated `byte` values deflated in pieces, so a
    bomb of hundreds of MB is written without holding it: big = {name: (size, byte)}."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            if name in big:
                continue
            archive.writestr(_info(name), data)
        for name, (size, byte) in big.items():
            head, _, tail = members.get(name, b"").partition(b"@@FILL@@")
            with archive.open(_info(name), "w", force_zip64=True) as out:
                out.write(head)
                piece = bytes([byte]) * (8 << 20)
                left = size
                while left > 0:
                    out.write(piece[:left])
                    left -= len(piece)
                out.write(tail)
    return path


def zlib_ratio(data: bytes) -> float:
    return len(data) / len(zlib.compress(data))


def good_book(path: Path) -> Path:
    return write_zip(path, kpi_package())


def make_fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# --- the cases ----------------------------------------------------------------------------------
# Each returns a Case; CASES below lists them all, in the order of the groups.

def _book(d: Path, name: str = "book.xlsx", damage=None, **replace) -> Case:
    return Case(write_zip(d / name, kpi_package(**replace), damage))


XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_REMOTE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/evil">]>'
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                    for i in range(1, 10))
          + "]>")


def _with_doctype(xml: str, doctype: str, use: str = "&xxe;") -> str:
    """Put a DOCTYPE after the XML declaration and the entity inside the first text or value."""
    body = xml.replace(XML_HEAD, "", 1)
    for marker in ("<t>", "<v>"):
        if marker in body:
            body = body.replace(marker, marker + use, 1)
            break
    return XML_HEAD + doctype + body


def _xxe_in(part_key: str, xml: str, doctype: str = XXE, use: str = "&xxe;", how: str = ""):
    def build(d: Path) -> Case:
        poisoned = _with_doctype(xml, doctype, use)
        if "<t>" not in xml and "<v>" not in xml:  # no text node: an attribute gets the entity
            poisoned = poisoned.replace('Target="', f'Target="{use}', 1).replace('name="', f'name="{use}', 1)
        return _book(d, **{part_key: poisoned})
    build.__name__ = f"case_xxe_in_{part_key}{how}"
    return build


def case_xxe_docprops(d):
    core = (f'{XML_HEAD}{XXE}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<dc:title>&xxe;</dc:title></cp:coreProperties>')
    rels = root_rels().replace("</Relationships>", '<Relationship Id="rId2" Type="http://schemas.'
                               'openxmlformats.org/package/2006/relationships/metadata/core-properties"'
                               ' Target="docProps/core.xml"/></Relationships>')
    return _book(d, root_rels=rels, extra={"docProps/core.xml": core})


def case_xxe_table_part(d):
    table = (f'{XML_HEAD}{XXE}<table xmlns="{NS}" id="1" name="T&xxe;" displayName="T1" ref="A1:G4">'
             '<tableColumns count="1"><tableColumn id="1" name="Reference"/></tableColumns></table>')
    rels = (f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/table" Target="../tables/table1.xml"/></Relationships>')
    sheet = sheet_xml(tail='<tableParts count="1"><tablePart r:id="rId1"/></tableParts>')
    return _book(d, sheet=sheet, extra={"xl/tables/table1.xml": table,
                                        "xl/worksheets/_rels/sheet1.xml.rels": rels})


def case_xxe_parameter_entity(d):
    doctype = '<!DOCTYPE x [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>'
    return _book(d, sheet=_with_doctype(sheet_xml(), doctype, ""))


def case_billion_laughs_strings(d):
    return _book(d, strings=_with_doctype(strings_xml(), LAUGHS, "&lol9;"))


def case_billion_laughs_sheet(d):
    return _book(d, sheet=_with_doctype(sheet_xml(), LAUGHS, "&lol9;"))


def case_billion_laughs_styles(d):
    styles = styles_xml(num_fmts='<numFmt numFmtId="164" formatCode="&lol9;"/>', doctype=LAUGHS)
    return _book(d, styles=styles)


def case_quadratic_blowup(d):
    doctype = f'<!DOCTYPE x [<!ENTITY a "{"x" * 50_000}">]>'
    return _book(d, sheet=_with_doctype(sheet_xml(), doctype, "&a;" * 5000))


# zip bombs ---------------------------------------------------------------------------------------

def whitespace_bomb(path: Path, inflated: int = 1500 << 20) -> Path:
    """The issue's bomb: a sheet padded with whitespace after its last cell, about 1.5 MB
    compressed for 1.5 GB inflated. Built from one deflated 8 MB block repeated (a full flush
    makes each block independent), so making it costs a CRC pass, not 1.5 GB of deflate."""
    head, tail = sheet_xml().encode().split(b"</sheetData>")
    tail = b"</sheetData>" + tail
    piece = b" " * (8 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(piece) + deflate.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(inflated, len(piece))
    end = deflate.compress(piece[:rest] + tail) + deflate.flush()
    crc, piece_crc, shift = zlib.crc32(head), zlib.crc32(piece), zero_bytes_operator(len(piece))
    for _ in range(count):
        crc = _gf2_times(shift, crc) ^ piece_crc  # crc32(earlier + piece), without reading it
    crc = zlib.crc32(piece[:rest] + tail, crc)
    size = len(head) + count * len(piece) + rest + len(tail)
    members = {name: data for name, data in kpi_package().items() if name != SHEET}
    raw = RawMember(SHEET, crc, size, [start, *[block] * count, end])
    return write_raw_zip(path, members, [raw])


def zero_bytes_operator(length: int) -> list[int]:
    """The GF(2) matrix that moves a CRC-32 register over `length` zero bytes: with it,
    crc32(a + b) = M * crc32(a) ^ crc32(b) for len(b) == length (how zlib combines CRCs)."""
    operator = [1 << bit for bit in range(32)]  # identity
    step = [0xEDB88320] + [1 << bit for bit in range(31)]  # one zero bit
    for _ in range(3):
        step = _gf2_square(step)  # 2, 4, then 8 zero bits: one zero byte
    while length:
        if length & 1:
            operator = [_gf2_times(step, column) for column in operator]
        step = _gf2_square(step)
        length >>= 1
    return operator


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, column) for column in matrix]


@dataclass
class RawMember:
    """A member given as deflated pieces with its CRC-32 and inflated size."""

    name: str
    crc: int
    size: int
    pieces: list


def write_raw_zip(path: Path, members: dict[str, bytes], raw: list[RawMember]) -> Path:
    """A zip written by hand (sizes under 4 GB): `members` deflated here, `raw` as given."""
    deflated = [RawMember(name, zlib.crc32(data), len(data), [_deflated(data)])
                for name, data in members.items()]
    central, offset = [], 0
    with path.open("wb") as out:
        for member in [*deflated, *raw]:
            name = member.name.encode()
            compressed = sum(len(piece) for piece in member.pieces)
            fields = (20, 0, 8, 0, 0x5821, member.crc, compressed, member.size, len(name))
            out.write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields, 0) + name)
            for piece in member.pieces:
                out.write(piece)
            central.append(b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0,
                                                         0, offset) + name)  # fmt: skip
            offset += 30 + len(name) + compressed
        directory = b"".join(central)
        out.write(directory)
        out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central),
                                                len(directory), offset, 0))  # fmt: skip
    return path


def _deflated(data: bytes) -> bytes:
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush()


def case_whitespace_bomb_by_ratio(d):
    return Case(whitespace_bomb(d / "book.xlsx", 60 << 20))


def case_whitespace_under_the_ratio_floor(d):
    """15 MB of whitespace after the last cell: read, and scanned in linear time."""
    return Case(whitespace_bomb(d / "book.xlsx", 15 << 20))


def case_bomb_by_ratio_strings(d):
    members = kpi_package()
    members[STRINGS] = strings_xml().replace("</sst>", "@@FILL@@</sst>").encode()
    return Case(raw_deflate_zip(d / "book.xlsx", members, {STRINGS: (40 << 20, 0x20)}))


def case_bomb_in_image(d):
    return Case(raw_deflate_zip(d / "book.xlsx", kpi_package(), {IMAGE: (40 << 20, 0)}))


def case_bomb_sizes_forged(d):
    return _book(d, damage={SHEET: "sizes", STRINGS: "sizes", STYLES: "sizes", IMAGE: "sizes"})


def case_bomb_size_understated(d):
    """The central directory says the sheet inflates to 100 bytes; its data inflates to 50 MB."""
    path = whitespace_bomb(d / "book.xlsx", 50 << 20)
    data = bytearray(path.read_bytes())
    entry = _central_entry(data, 0, SHEET)
    data[entry + 24:entry + 28] = struct.pack("<I", 100)
    path.write_bytes(bytes(data))
    return Case(path)


def case_styles_bomb(d):
    members = kpi_package()
    members[STYLES] = styles_xml().replace("</styleSheet>", "@@FILL@@</styleSheet>").encode()
    return Case(raw_deflate_zip(d / "book.xlsx", members, {STYLES: (40 << 20, 0x20)}))


def case_many_members(d):
    extra = {f"xl/media/m{i}.xml": b"<x/>" for i in range(3_000)}
    return _book(d, extra=extra)


# names -------------------------------------------------------------------------------------------

def case_zip_slip_name(d):
    return _book(d, extra={"../../../../tmp/kpi-zip-slip.xml": b"<x/>"})


def case_absolute_name(d):
    return _book(d, extra={"/tmp/kpi-absolute.xml": b"<x/>"})


def case_backslash_name(d):
    return _book(d, extra={"..\\..\\kpi-backslash.xml": b"<x/>"})


def case_rels_target_outside(d):
    rels = workbook_rels().replace('Target="worksheets/sheet1.xml"', 'Target="../../../../etc/passwd"')
    return _book(d, workbook_rels=rels)


def case_rels_target_external(d):
    rels = workbook_rels().replace('Target="worksheets/sheet1.xml"',
                                   'Target="http://127.0.0.1:9/sheet.xml" TargetMode="External"')
    return _book(d, workbook_rels=rels)


def _duplicate(d: Path, member: str) -> Case:
    import warnings

    path = write_zip(d / "book.xlsx", kpi_package())
    with zipfile.ZipFile(path, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the point
        archive.writestr(member, kpi_package()[member] + b"<!-- second -->")
    return Case(path)


def case_duplicate_sheet(d):
    return _duplicate(d, SHEET)


def case_duplicate_root_rels(d):
    return _duplicate(d, ROOT_RELS)


def case_duplicate_content_types(d):
    return _duplicate(d, TYPES)


# sizes and claims --------------------------------------------------------------------------------

def case_huge_shared_strings(d):
    strings = [f"String number {i} " * 3 for i in range(100_000)]
    sheet = sheet_xml().replace('<c r="A2" t="inlineStr"><is><t>KPI 1</t></is></c>',
                                '<c r="A2" t="s"><v>99999</v></c>')
    return _book(d, strings=strings_xml(strings), sheet=sheet)


def case_shared_strings_count_claim(d):
    return _book(d, strings=strings_xml(count="2000000000"))


def case_shared_string_index_out_of_range(d):
    sheet = sheet_xml().replace('<c r="A2" t="inlineStr"><is><t>KPI 1</t></is></c>',
                                '<c r="A2" t="s"><v>4000000000</v></c>')
    return _book(d, sheet=sheet)


def case_dimension_claim(d):
    return _book(d, sheet=sheet_xml(dimension="A1:XFD1048576"))


def case_dimension_beyond_limits(d):
    return _book(d, sheet=sheet_xml(dimension="A1:ZZZZ99999999"))


def far_cell_book(path: Path, ref: str = "XFD1048576", only: bool = True) -> Path:
    """One real cell far away (the issue's 2.7 KB book that aborted the native reader)."""
    row = "".join(ch for ch in ref if ch.isdigit()) or "1"
    cell = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
    rows = [] if only else None
    return write_zip(path, kpi_package(sheet=sheet_xml(rows=rows, extra_cells=cell)))


def case_far_cell_last(d):
    return Case(far_cell_book(d / "book.xlsx", only=False))


def case_far_cell_only(d):
    return Case(far_cell_book(d / "book.xlsx"))


def case_far_cell_beyond_limits(d):
    return Case(far_cell_book(d / "book.xlsx", "ZZZZ99999999", only=False))


def case_far_row_a1048576(d):
    return Case(far_cell_book(d / "book.xlsx", "A1048576", only=False))


def case_row_number_without_cells(d):
    return _book(d, sheet=sheet_xml(extra_cells='<row r="999999999999"/>'))


def case_cell_reference_without_row(d):
    return _book(d, sheet=sheet_xml(extra_cells='<row r="9"><c r="XFD"><v>1</v></c></row>'))


def case_cell_reference_nonsense(d):
    return _book(d, sheet=sheet_xml(extra_cells='<row r="9"><c r="A-5"><v>1</v></c><c r="9A"><v>1</v></c></row>'))


def case_cells_without_references(d):
    cells = "".join('<c><v>1</v></c>' for _ in range(5_000))
    return _book(d, sheet=sheet_xml(extra_cells=f'<row r="9">{cells}</row>'))


def case_merged_range_beyond_limits(d):
    return _book(d, sheet=sheet_xml(tail='<mergeCells count="1"><mergeCell ref="A1:ZZZZ99999999"/></mergeCells>'))


def case_range_without_column(d):
    return _book(d, sheet=sheet_xml(tail='<mergeCells count="1"><mergeCell ref="2:3"/></mergeCells>'))


def case_many_merged_ranges(d):
    merged = "".join(f'<mergeCell ref="H{r}:I{r}"/>' for r in range(1, 5_001))
    return _book(d, sheet=sheet_xml(tail=f'<mergeCells count="5000">{merged}</mergeCells>'))


def case_long_text_32767(d):
    rows = [HEADER, *ROWS]
    rows[1] = [*ROWS[0][:6], "x" * 32_767]
    rows[2] = [ROWS[1][0], "y" * 32_767, *ROWS[1][2:]]
    return _book(d, sheet=sheet_xml(rows=rows))


def case_long_text_beyond_32767(d):
    rows = [HEADER, *ROWS]
    rows[1] = [*ROWS[0][:6], "z" * 200_000]
    return _book(d, sheet=sheet_xml(rows=rows))


def case_header_8000_characters(d):
    rows = [[*HEADER[:6], "Commentary " + "long header " * 700], *ROWS]
    return _book(d, sheet=sheet_xml(rows=rows))


def case_five_hundred_sheets_no_table(d):
    sheets = "".join(f'<sheet name="Sheet number {i:03}" sheetId="{i}" r:id="rId{i + 10}"/>'
                     for i in range(1, 501))
    rels = workbook_rels("".join(f'<Relationship Id="rId{i + 10}" Type="{REL_NS}/worksheet" '
                                 f'Target="worksheets/s{i}.xml"/>' for i in range(1, 501)))
    extra = {f"xl/worksheets/s{i}.xml": sheet_xml(rows=[["Nothing", "here"]]) for i in range(1, 501)}
    return _book(d, workbook=workbook_xml(sheets), workbook_rels=rels, extra=extra)


def case_sheet_name_long_and_odd(d):
    name = "K&amp;P&lt;I&gt;\u202e" + "n" * 300
    return _book(d, workbook=workbook_xml(f'<sheet name="{name}" sheetId="1" r:id="rId1"/>'))


def case_duplicate_sheet_names(d):
    sheets = '<sheet name="KPIs" sheetId="1" r:id="rId1"/><sheet name="KPIs" sheetId="2" r:id="rId1"/>'
    return _book(d, workbook=workbook_xml(sheets))


def case_numbers_out_of_range(d):
    rows = [HEADER, ["KPI 1", "Calls", "High", "1e999999", "-1e999999", "", "x"],
            ["KPI 2", "Nan", "Low", "NaN", "inf", "", ""]]
    sheet = sheet_xml(rows=[HEADER]) .replace("</sheetData>", "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{row[0]}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>{row[1]}</t></is></c>'
        f'<c r="D{r}"><v>{row[3]}</v></c><c r="E{r}"><v>{row[4]}</v></c></row>'
        for r, row in enumerate(rows[1:], start=2)) + "</sheetData>")
    return _book(d, sheet=sheet)


# encodings and well-formedness -------------------------------------------------------------------

def case_invalid_utf8_sheet(d):
    sheet = sheet_xml().encode().replace(b"Calls answered", b"Calls \xff\xfe\xc3 answered")
    return _book(d, sheet=sheet)


def case_invalid_utf8_strings(d):
    return _book(d, strings=strings_xml().encode().replace(b"Unused", b"Un\xc0\x80used\xed\xa0\x80"))


def case_invalid_utf8_sheet_name(d):
    return _book(d, workbook=workbook_xml().encode().replace(b'name="KPIs"', b'name="KP\xffIs"'))


def case_declared_encoding_lies(d):
    return _book(d, sheet=sheet_xml().replace('encoding="UTF-8"', 'encoding="UTF-16"'))


def case_unknown_encoding(d):
    return _book(d, sheet=sheet_xml().replace('encoding="UTF-8"', 'encoding="x-no-such-codec"'))


def case_sheet_truncated(d):
    xml = sheet_xml()
    return _book(d, sheet=xml[: len(xml) // 2])


def case_sheet_mismatched_tags(d):
    return _book(d, sheet=sheet_xml().replace("</row>", "</rows>", 1))


def case_sheet_empty_part(d):
    return _book(d, sheet=b"")


def case_sheet_binary_garbage(d):
    return _book(d, sheet=bytes(range(256)) * 64)


def case_workbook_not_well_formed(d):
    return _book(d, workbook=workbook_xml().replace("</sheets>", "<sheets>"))


def case_styles_not_well_formed(d):
    return _book(d, styles=styles_xml()[:-20])


def case_content_types_not_well_formed(d):
    return _book(d, types=content_types()[:-30])


def case_root_rels_not_well_formed(d):
    return _book(d, root_rels=root_rels()[:-25])


def case_deep_nesting_sheet(d):
    deep = "<x>" * 200_000 + "</x>" * 200_000
    return _book(d, sheet=sheet_xml().replace("<sheetData>", deep + "<sheetData>"))


def case_deep_nesting_styles(d):
    deep = "<x>" * 200_000 + "</x>" * 200_000
    return _book(d, styles=styles_xml().replace("<fonts", deep + "<fonts"))


def case_long_tag(d):
    attributes = " ".join(f'a{i}="{i}"' for i in range(20_000))
    return _book(d, sheet=sheet_xml().replace('<c r="A2"', f'<c {attributes} r="A2"', 1))


def case_huge_comment_and_cdata(d):
    filler = "<!--" + "c" * (1 << 20) + "--><![CDATA[" + "]" * 1000 + "]]>"
    return _book(d, sheet=sheet_xml().replace("<sheetData>", filler + "<sheetData>"))


def case_undefined_entity(d):
    return _book(d, sheet=sheet_xml().replace("Calls answered", "Calls &nosuch; answered"))


# encryption and damage ---------------------------------------------------------------------------

def case_encrypted_sheet_member(d):
    return _book(d, damage={SHEET: "encrypted"})


def case_encrypted_image_member(d):
    return _book(d, damage={IMAGE: "encrypted"})


def case_ole_encrypted(d):
    path = d / "book.xlsx"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 4000)
    return Case(path)


def _bad_crc(member: str):
    def build(d: Path) -> Case:
        return _book(d, damage={member: "crc"})
    build.__name__ = "case_bad_crc_" + re.sub(r"\W+", "_", member).strip("_")
    return build


def case_unsupported_compression(d):
    path = write_zip(d / "book.xlsx", kpi_package())
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(SHEET).header_offset
    entry = _central_entry(data, 0, SHEET)
    for at in (local + 8, entry + 10):
        data[at:at + 2] = struct.pack("<H", 99)  # AES / unknown method
    path.write_bytes(bytes(data))
    return Case(path)


def case_stored_with_wrong_size(d):
    path = write_zip(d / "book.xlsx", kpi_package(), method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    entry = _central_entry(data, 0, WORKBOOK)
    data[entry + 24:entry + 28] = struct.pack("<I", 5)
    data[entry + 20:entry + 24] = struct.pack("<I", 5)
    path.write_bytes(bytes(data))
    return Case(path)


def case_truncated_package(d):
    data = write_zip(d / "full.zip", kpi_package()).read_bytes()
    (d / "full.zip").unlink()
    path = d / "book.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    return Case(path)


def case_central_directory_only(d):
    data = write_zip(d / "full.zip", kpi_package()).read_bytes()
    (d / "full.zip").unlink()
    path = d / "book.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 26 + data[data.find(b"PK\x01\x02"):])
    return Case(path)


def case_missing_sheet_part(d):
    return _book(d, sheet=None)


def case_no_workbook_part(d):
    return _book(d, workbook=None)


def case_no_sheets(d):
    return _book(d, workbook=workbook_xml(""))


# values the reader parses ------------------------------------------------------------------------

def case_numfmt_id_not_a_number(d):
    return _book(d, styles=styles_xml(num_fmts='<numFmt numFmtId="abc" formatCode="0.0%"/>'))


def case_xf_numfmt_id_not_a_number(d):
    return _book(d, styles=styles_xml(xfs='<xf numFmtId="abc" fontId="0" fillId="0" borderId="0"/>'))


def case_col_min_not_a_number(d):
    return _book(d, sheet=sheet_xml(head='<cols><col min="one" max="2" width="9" hidden="1"/></cols>'))


def case_col_huge_range(d):
    return _book(d, sheet=sheet_xml(head='<cols><col min="1" max="2000000000" width="9" hidden="1"/></cols>'))


def case_col_max_before_min(d):
    return _book(d, sheet=sheet_xml(head='<cols><col min="9" max="-5" hidden="1"/></cols>'))


def case_many_col_elements(d):
    cols = "".join(f'<col min="{i}" max="{i}" hidden="1"/>' for i in range(1, 20_000))
    return _book(d, sheet=sheet_xml(head=f"<cols>{cols}</cols>"))


def case_style_index_out_of_range(d):
    sheet = sheet_xml().replace('<c r="D2">', '<c r="D2" s="99999999999">')
    return _book(d, sheet=sheet)


def case_entity_in_content_types(d):
    return _book(d, types=content_types(doctype=XXE, extra='<Default Extension="x&xxe;" ContentType="a/b"/>'))


def case_entity_in_styles(d):
    return _book(d, styles=styles_xml(num_fmts='<numFmt numFmtId="164" formatCode="0.0&xxe;%"/>',
                                      doctype='<!DOCTYPE s [<!ENTITY xxe "%">]>'))


def case_formula_in_status(d):
    sheet = sheet_xml().replace('<c r="F3" t="inlineStr"><is><t>On target</t></is></c>',
                                '<c r="F3" t="str"><f>IF(D3&lt;=E3,"On target","Off target")</f><v>On target</v></c>')
    return _book(d, sheet=sheet)


def case_formula_text_in_cells(d):
    rows = [HEADER, ["=cmd|'/c calc'!A1", "+SUM(1)", "High", 5, 4, "", "@risk"], *ROWS[1:]]
    return _book(d, sheet=sheet_xml(rows=rows))


def case_workbook_part_elsewhere(d):
    members = kpi_package(root_rels=root_rels("book/main.xml"))
    members["book/main.xml"] = members.pop(WORKBOOK)
    rels = workbook_rels().replace('Target="worksheets/sheet1.xml"', 'Target="/xl/worksheets/sheet1.xml"')
    rels = rels.replace('Target="styles.xml"', 'Target="/xl/styles.xml"').replace(
        'Target="sharedStrings.xml"', 'Target="/xl/sharedStrings.xml"')
    members["book/_rels/main.xml.rels"] = rels.encode()
    members.pop(WORKBOOK_RELS)
    return Case(write_zip(d / "book.xlsx", members))


def case_macro_sheet(d):
    sheets = ('<sheet name="KPIs" sheetId="1" r:id="rId1"/>'
              '<sheet name="Macro1" sheetId="2" r:id="rId9"/>')
    rels = workbook_rels('<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/'
                         'relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/>')
    macro = f'{XML_HEAD}<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
    return _book(d, workbook=workbook_xml(sheets), workbook_rels=rels,
                 extra={"xl/macrosheets/sheet1.xml": macro})


def case_sheet_without_rid(d):
    return _book(d, workbook=workbook_xml('<sheet name="KPIs" sheetId="1"/>'))


def case_relationship_not_found(d):
    return _book(d, workbook=workbook_xml('<sheet name="KPIs" sheetId="1" r:id="rId77"/>'))


def case_no_styles_part(d):
    return _book(d, styles=None, workbook_rels=workbook_rels().replace(
        f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>', ""))


def case_strict_ooxml(d):
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    members = kpi_package()
    for name in (SHEET, WORKBOOK, STYLES, STRINGS):
        members[name] = members[name].replace(NS.encode(), strict.encode())
    return Case(write_zip(d / "book.xlsx", members))


# files that are not plain files, and hostile targets ---------------------------------------------

def case_fifo(d):
    return Case(make_fifo(d / "book.xlsx"))


def case_folder_named_book(d):
    (d / "book.xlsx").mkdir()
    return Case(d / "book.xlsx")


def case_link_to_device(d):
    (d / "book.xlsx").symlink_to("/dev/zero")
    return Case(d / "book.xlsx")


def case_dangling_link(d):
    (d / "book.xlsx").symlink_to(d / "gone.xlsx")
    return Case(d / "book.xlsx")


def case_link_loop(d):
    (d / "book.xlsx").symlink_to(d / "other.xlsx")
    (d / "other.xlsx").symlink_to(d / "book.xlsx")
    return Case(d / "book.xlsx")


def case_in_place_through_link(d):
    (d / "real").mkdir()
    good_book(d / "real" / "target.xlsx")
    (d / "book.xlsx").symlink_to(d / "real" / "target.xlsx")
    return Case(d / "book.xlsx", refresh=["--in-place"], setup={"writes": str(d / "real" / "target.xlsx")})


def case_folder_link_out_of_folder(d):
    (d / "outside").mkdir()
    good_book(d / "outside" / "secret.xlsx")
    (d / "folder").mkdir()
    good_book(d / "folder" / "own.xlsx")
    (d / "folder" / "link.xlsx").symlink_to(d / "outside" / "secret.xlsx")
    return Case(d / "folder", refresh=["--in-place"], setup={"writes": str(d / "folder" / "own.xlsx")})


def case_target_in_read_only_folder(d):
    good_book(d / "book.xlsx")
    (d / "locked").mkdir()
    os.chmod(d / "locked", 0o555)
    return Case(d / "book.xlsx", refresh=["-o", str(d / "locked" / "out.xlsx")], setup={"nobody": True})


def case_read_only_source_in_place(d):
    good_book(d / "book.xlsx")
    os.chmod(d / "book.xlsx", 0o444)
    os.chmod(d, 0o555)
    return Case(d / "book.xlsx", refresh=["--in-place"], setup={"nobody": True})


def case_target_disk_full(d):
    good_book(d / "book.xlsx")
    return Case(d / "book.xlsx", setup={"fsize": 4096})


def case_target_is_a_folder(d):
    good_book(d / "book.xlsx")
    (d / "out.xlsx").mkdir()
    return Case(d / "book.xlsx", refresh=["-o", str(d / "out.xlsx")])


def case_target_folder_missing(d):
    good_book(d / "book.xlsx")
    return Case(d / "book.xlsx", refresh=["-o", str(d / "no" / "such" / "out.xlsx")])


def case_target_is_a_fifo(d):
    good_book(d / "book.xlsx")
    make_fifo(d / "out.xlsx")
    return Case(d / "book.xlsx", refresh=["-o", str(d / "out.xlsx")])


def case_good_book(d):
    """The control: a valid book, so the harness is seen to pass a refresh that writes."""
    return Case(good_book(d / "book.xlsx"))


CASES = [
    _xxe_in("types", content_types()), _xxe_in("root_rels", root_rels()),
    _xxe_in("workbook", workbook_xml()), _xxe_in("workbook_rels", workbook_rels()),
    _xxe_in("sheet", sheet_xml()), _xxe_in("styles", styles_xml(num_fmts='<numFmt numFmtId="164" formatCode="0%"/>'), use=""),
    _xxe_in("strings", strings_xml()), _xxe_in("sheet", sheet_xml(), XXE_REMOTE, how="_remote"),
    case_xxe_docprops, case_xxe_table_part, case_xxe_parameter_entity,
    case_billion_laughs_strings, case_billion_laughs_sheet, case_billion_laughs_styles,
    case_quadratic_blowup,
    case_whitespace_bomb_by_ratio, case_whitespace_under_the_ratio_floor,
    case_bomb_by_ratio_strings, case_bomb_in_image, case_bomb_sizes_forged,
    case_bomb_size_understated, case_styles_bomb, case_many_members,
    case_zip_slip_name, case_absolute_name, case_backslash_name, case_rels_target_outside,
    case_rels_target_external, case_duplicate_sheet, case_duplicate_root_rels,
    case_duplicate_content_types,
    case_huge_shared_strings, case_shared_strings_count_claim,
    case_shared_string_index_out_of_range, case_dimension_claim, case_dimension_beyond_limits,
    case_far_cell_last, case_far_cell_only, case_far_cell_beyond_limits, case_far_row_a1048576,
    case_row_number_without_cells, case_cell_reference_without_row, case_cell_reference_nonsense,
    case_cells_without_references, case_merged_range_beyond_limits, case_range_without_column, case_many_merged_ranges,
    case_long_text_32767, case_long_text_beyond_32767, case_header_8000_characters,
    case_five_hundred_sheets_no_table, case_sheet_name_long_and_odd, case_duplicate_sheet_names,
    case_numbers_out_of_range,
    case_invalid_utf8_sheet, case_invalid_utf8_strings, case_invalid_utf8_sheet_name,
    case_declared_encoding_lies, case_unknown_encoding, case_sheet_truncated,
    case_sheet_mismatched_tags, case_sheet_empty_part, case_sheet_binary_garbage,
    case_workbook_not_well_formed, case_styles_not_well_formed,
    case_content_types_not_well_formed, case_root_rels_not_well_formed,
    case_deep_nesting_sheet, case_deep_nesting_styles, case_long_tag, case_huge_comment_and_cdata,
    case_undefined_entity,
    case_encrypted_sheet_member, case_encrypted_image_member, case_ole_encrypted,
    _bad_crc(ROOT_RELS), _bad_crc(WORKBOOK_RELS), _bad_crc(WORKBOOK), _bad_crc(STYLES),
    _bad_crc(IMAGE), _bad_crc(SHEET), _bad_crc(STRINGS), _bad_crc(TYPES),
    case_unsupported_compression, case_stored_with_wrong_size, case_truncated_package,
    case_central_directory_only, case_missing_sheet_part, case_no_workbook_part, case_no_sheets,
    case_numfmt_id_not_a_number, case_xf_numfmt_id_not_a_number, case_col_min_not_a_number,
    case_col_huge_range, case_col_max_before_min, case_many_col_elements,
    case_style_index_out_of_range, case_entity_in_content_types, case_entity_in_styles,
    case_formula_in_status, case_formula_text_in_cells,
    case_workbook_part_elsewhere, case_macro_sheet, case_sheet_without_rid,
    case_relationship_not_found, case_no_styles_part, case_strict_ooxml,
    case_fifo, case_folder_named_book, case_link_to_device, case_dangling_link, case_link_loop,
    case_in_place_through_link, case_folder_link_out_of_folder, case_target_in_read_only_folder,
    case_read_only_source_in_place, case_target_disk_full, case_target_is_a_folder,
    case_target_folder_missing, case_target_is_a_fifo,
    case_good_book,
]


def case_id(build) -> str:
    return build.__name__.removeprefix("case_")
