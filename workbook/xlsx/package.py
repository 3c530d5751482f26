"""An .xlsx/.xlsm package as zip members: read parts, replace a few, copy the rest raw.

Members the plan does not touch are copied as their original *compressed* bytes (same CRC,
same method), so they stay byte-identical without being decompressed. The zip container is
written here directly (local headers, central directory) because the standard library has no
public way to copy a member without recompressing it.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from workbook.read.opc.relationships import STRICT_REASON
from workbook.read.package import WorkbookReadError, open_package
from workbook.read.snapshot import Snapshot
from workbook.xlsx.atomic import WorkbookWriteError
from workbook.xlsx.ooxml import (
    CT_RELS,
    NS_CONTENT_TYPES,
    REL_OFFICE_DOCUMENT,
    REL_STRICT_OFFICE_DOCUMENT,
    Relationship,
    parse_part,
    relationships_xml,
    rels_part_for,
    serialize_part,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
CENTRAL_HEADER = struct.Struct("<4sHHHHHHIIIHHHHHII")
END_RECORD = struct.Struct("<4sHHHHIIH")
UTF8_NAME_FLAG = 0x800
DATA_DESCRIPTOR_FLAG = 0x8
ZIP32_LIMIT = 0xFFFFFFFF
BINARY_WORKBOOK_SUFFIX = ".bin"
COMPRESS_BATCH = 1 << 20
READ_PIECE = 1 << 20
MAX_PENDING_BATCHES = 4
# zlib level for rewritten parts. Any level is plain deflate to a reader (Excel, LibreOffice);
# on a 10k-row sheet, 6 (the default) took 56 ms for 689 KB, 5 took 35 ms for 700 KB.
DEFLATE_LEVEL = 5


@dataclass
class _NewMember:
    """A part's new content, held compressed (a 100k-row sheet is ~60 MB of XML, ~6 MB deflated)."""

    compressed: bytes
    crc: int
    size: int
    date_time: tuple = (1980, 1, 1, 0, 0, 0)

    @classmethod
    def from_chunks(cls, chunks: Iterable[bytes | memoryview],
                    date_time: tuple = (1980, 1, 1, 0, 0, 0)) -> _NewMember:
        deflater = _Deflater()
        try:
            for batch in _batched(chunks):
                deflater.feed(batch)
            compressed = deflater.finish()
        finally:
            deflater.close()
        return cls(compressed, deflater.crc, deflater.size, date_time)

    @property
    def data(self) -> bytes:
        return zlib.decompress(self.compressed, -15)


def _batched(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes | memoryview]:
    """The chunks regrouped into pieces of at least COMPRESS_BATCH bytes (rows arrive small);
    the last piece may be smaller."""
    group: list[bytes | memoryview] = []
    size = 0
    for chunk in chunks:
        if len(chunk) >= COMPRESS_BATCH and not group:
            yield chunk
            continue
        group.append(chunk)
        size += len(chunk)
        if size >= COMPRESS_BATCH:
            yield b"".join(group)
            group.clear()
            size = 0
    if group:
        yield b"".join(group)


class _Deflater:
    """CRC and raw deflate of one part, batch by batch, in order. From the first large batch
    on, the work is done on a worker thread (zlib lets go of the GIL while it deflates), so a
    large sheet is compressed while its next rows are being produced."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
        self._out: list[bytes] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self.crc = 0
        self.size = 0

    def _deflate(self, batch: bytes | memoryview) -> None:
        self.crc = zlib.crc32(batch, self.crc)
        self.size += len(batch)
        self._out.append(self._compressor.compress(batch))

    def feed(self, batch: bytes | memoryview) -> None:
        if self._pool is None and len(batch) < COMPRESS_BATCH:
            self._deflate(batch)  # a small part: one small batch, not worth a thread
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deflate")
        self._pending.append(self._pool.submit(self._deflate, batch))
        while len(self._pending) > MAX_PENDING_BATCHES:  # bounds the memory held
            self._pending.popleft().result()

    def finish(self) -> bytes:
        while self._pending:
            self._pending.popleft().result()
        self._out.append(self._compressor.flush())
        return b"".join(self._out)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class Package:
    """Parts of one workbook package, with pending replacements, additions and deletions."""

    def __init__(self, snapshot: Snapshot, archive: zipfile.ZipFile):
        self.snapshot = snapshot
        self.path = snapshot.path
        self._archive = archive
        self._infos = {info.filename: info for info in archive.infolist()}
        self._replaced: dict[str, _NewMember] = {}
        self._added: dict[str, _NewMember] = {}
        self._deleted: set[str] = set()
        self.content_types = ContentTypes(self._read_original("[Content_Types].xml"))
        self.workbook_part = self._find_workbook_part()

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, snapshot: Snapshot) -> Package:
        """The package held by a snapshot; its members checked as the reader checks them."""
        _check_container(snapshot)
        try:
            archive = open_package(snapshot)
        except WorkbookReadError as error:
            raise WorkbookWriteError(str(error)) from error
        if "[Content_Types].xml" not in archive.NameToInfo:
            archive.close()
            raise WorkbookWriteError(f"{snapshot.name} is a zip but not an Office package")
        return cls(snapshot, archive)

    def close(self) -> None:
        self._archive.close()

    def _find_workbook_part(self) -> str:
        rels = self.relationships("")
        for rel in rels:
            if rel.type == REL_STRICT_OFFICE_DOCUMENT:
                raise WorkbookWriteError(f"{self.path.name}: {STRICT_REASON}")
            if rel.type == REL_OFFICE_DOCUMENT:
                if rel.target.endswith(BINARY_WORKBOOK_SUFFIX):
                    raise WorkbookWriteError(f"{self.path.name} is a binary workbook (.xlsb): not supported")
                return rel.target
        raise WorkbookWriteError(f"{self.path.name} has no workbook part")

    # -- reading -------------------------------------------------------------------------
    def exists(self, part: str) -> bool:
        if part in self._deleted:
            return False
        return part in self._infos or part in self._added

    def names(self) -> list[str]:
        present = [name for name in self._infos if name not in self._deleted]
        return present + list(self._added)

    def read(self, part: str) -> bytes:
        if part in self._added:
            return self._added[part].data
        if part in self._replaced:
            return self._replaced[part].data
        if part in self._deleted:
            raise KeyError(part)
        return self._read_original(part)

    def read_chunks(self, part: str) -> Iterator[bytes]:
        """A part's content in pieces, decompressed as they are read."""
        if part in self._added or part in self._replaced or part in self._deleted:
            yield self.read(part)
            return
        try:
            with self._archive.open(part) as stream:
                while chunk := stream.read(READ_PIECE):
                    yield chunk
        except KeyError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise WorkbookWriteError(f"cannot read {part} in {self.path.name}: {error}") from error

    def _read_original(self, part: str) -> bytes:
        try:
            return self._archive.read(part)
        except KeyError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise WorkbookWriteError(f"cannot read {part} in {self.path.name}: {error}") from error

    def relationships(self, part: str) -> list[Relationship]:
        rels_part = rels_part_for(part)
        if not self.exists(rels_part):
            return []
        root = parse_part(self.read(rels_part), rels_part)
        base = posixpath.dirname(part)
        return [Relationship.from_element(element, base) for element in root]

    # -- changing ------------------------------------------------------------------------
    def replace(self, part: str, data: bytes) -> None:
        self.replace_streamed(part, [data])

    def replace_streamed(self, part: str, chunks: Iterable[bytes]) -> None:
        """Replace a part with content produced chunk by chunk, compressed as it arrives."""
        if part in self._added:
            self._added[part] = _NewMember.from_chunks(chunks)
        elif part in self._infos and part not in self._deleted:
            self._replaced[part] = _NewMember.from_chunks(chunks, self._infos[part].date_time)
        else:
            raise KeyError(part)

    def add(self, part: str, data: bytes, content_type: str | None) -> None:
        """Add a part (or re-add one deleted earlier in this run, keeping its zip position)."""
        if part in self._deleted:
            self._deleted.discard(part)
            self._replaced[part] = _NewMember.from_chunks([data], self._infos[part].date_time)
        else:
            self._added[part] = _NewMember.from_chunks([data])
        if content_type:
            self.content_types.set_override(part, content_type)

    def delete(self, part: str) -> None:
        self._added.pop(part, None)
        self._replaced.pop(part, None)
        if part in self._infos:
            self._deleted.add(part)
        self.content_types.remove_override(part)

    def write_relationships(self, part: str, rels: list[Relationship]) -> None:
        rels_part = rels_part_for(part)
        data = relationships_xml(rels, posixpath.dirname(part))
        if self.exists(rels_part):
            if self.read(rels_part) != data:
                self.replace(rels_part, data)
        else:
            self.add(rels_part, data, None)
            self.content_types.ensure_default("rels", CT_RELS)

    def free_name(self, pattern: str) -> str:
        """Lowest unused part name for a pattern such as 'xl/charts/chart{}.xml'."""
        number = 1
        while self.exists(pattern.format(number)):
            number += 1
        return pattern.format(number)

    def changed_parts(self) -> set[str]:
        return set(self._replaced) | set(self._added) | self._deleted

    # -- writing -------------------------------------------------------------------------
    def write_to(self, out: BinaryIO) -> None:
        if self.content_types.changed:
            self._store_content_types()
        writer = _ZipWriter(out)
        with self.snapshot.stream() as source:
            for name, info in self._infos.items():
                if name in self._deleted:
                    continue
                if name in self._replaced:
                    writer.add_new(name, self._replaced[name])
                else:
                    writer.copy_raw(source, info)
        for name, member in self._added.items():
            writer.add_new(name, member)
        writer.finish()

    def _store_content_types(self) -> None:
        data = self.content_types.to_bytes()
        self._replaced["[Content_Types].xml"] = _NewMember.from_chunks(
            [data], self._infos["[Content_Types].xml"].date_time
        )


def _check_container(snapshot: Snapshot) -> None:
    head, path = snapshot.data[:8], snapshot.path
    if head.startswith(OLE_MAGIC):
        raise WorkbookWriteError(
            f"{path.name} is an OLE file (password-protected workbook or legacy .xls): cannot rewrite it"
        )
    if not head.startswith(ZIP_MAGIC):
        raise WorkbookWriteError(f"{path.name} is not an .xlsx/.xlsm package (not a zip file)")


# -- [Content_Types].xml ---------------------------------------------------------------------
class ContentTypes:
    """Overrides added and removed during one run; a removal cancelled by a re-add is no change,
    so a rerun that recreates the same parts leaves this part byte-identical."""

    def __init__(self, data: bytes):
        self._root = parse_part(data, "[Content_Types].xml")
        self._edited = False
        self._removals: set[str] = set()

    @property
    def changed(self) -> bool:
        return self._edited or any(part in self._overrides() for part in self._removals)

    def _overrides(self) -> dict[str, etree._Element]:
        tag = f"{{{NS_CONTENT_TYPES}}}Override"
        return {el.get("PartName", "").lstrip("/"): el for el in self._root.iter(tag)}

    def set_override(self, part: str, content_type: str) -> None:
        self._removals.discard(part)
        existing = self._overrides().get(part)
        if existing is not None:
            if existing.get("ContentType") != content_type:
                existing.set("ContentType", content_type)
                self._edited = True
            return
        element = etree.SubElement(self._root, f"{{{NS_CONTENT_TYPES}}}Override")
        element.set("PartName", "/" + part)
        element.set("ContentType", content_type)
        self._edited = True

    def remove_override(self, part: str) -> None:
        self._removals.add(part)

    def ensure_default(self, extension: str, content_type: str) -> None:
        tag = f"{{{NS_CONTENT_TYPES}}}Default"
        if any(el.get("Extension", "").lower() == extension for el in self._root.iter(tag)):
            return
        element = etree.Element(tag)
        element.set("Extension", extension)
        element.set("ContentType", content_type)
        self._root.insert(0, element)
        self._edited = True

    def to_bytes(self) -> bytes:
        overrides = self._overrides()
        for part in self._removals:
            if part in overrides:
                self._root.remove(overrides[part])
        self._removals.clear()
        return serialize_part(self._root)


# -- the zip container -----------------------------------------------------------------------
class _ZipWriter:
    def __init__(self, out: BinaryIO):
        self._out = out
        self._offset = 0
        self._central: list[bytes] = []

    def copy_raw(self, source: BinaryIO, info: zipfile.ZipInfo) -> None:
        source.seek(info.header_offset)
        header = source.read(LOCAL_HEADER.size)
        fields = LOCAL_HEADER.unpack(header)
        if fields[0] != b"PK\x03\x04":
            raise WorkbookWriteError(f"damaged zip member {info.filename}")
        source.seek(fields[9] + fields[10], 1)  # skip the local name and extra field
        data = source.read(info.compress_size)
        if len(data) != info.compress_size:
            raise WorkbookWriteError(f"zip member {info.filename} is truncated")
        _check_copied(info, data)
        flags = info.flag_bits & ~DATA_DESCRIPTOR_FLAG
        self._write_member(info.filename, flags, info.compress_type, info.date_time,
                           info.CRC, data, info.file_size, info.external_attr)

    def add_new(self, name: str, member: _NewMember) -> None:
        self._write_member(name, 0, zipfile.ZIP_DEFLATED, member.date_time, member.crc,
                           member.compressed, member.size, 0)

    def _write_member(self, name, flags, method, date_time, crc, data, size, external_attr):
        if size > ZIP32_LIMIT or len(data) > ZIP32_LIMIT or self._offset > ZIP32_LIMIT:
            raise WorkbookWriteError(f"part {name} is too large (over 4 GB)")
        encoded = name.encode("utf-8")
        if not name.isascii():
            flags |= UTF8_NAME_FLAG
        dos_time, dos_date = _dos_time(date_time)
        header = LOCAL_HEADER.pack(b"PK\x03\x04", 20, flags, method, dos_time, dos_date, crc,
                                   len(data), size, len(encoded), 0)
        self._central.append(CENTRAL_HEADER.pack(
            b"PK\x01\x02", 20, 20, flags, method, dos_time, dos_date, crc, len(data), size,
            len(encoded), 0, 0, 0, 0, external_attr & ZIP32_LIMIT, self._offset) + encoded)
        self._out.write(header + encoded)
        self._out.write(data)
        self._offset += len(header) + len(encoded) + len(data)

    def finish(self) -> None:
        directory = b"".join(self._central)
        count = len(self._central)
        if count > 0xFFFF:
            raise WorkbookWriteError("too many parts in the package")
        self._out.write(directory)
        self._out.write(END_RECORD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory),
                                        self._offset, 0))


def _check_copied(info: zipfile.ZipInfo, data: bytes) -> None:
    """A member copied raw is inflated once to check its CRC and size: the output never
    carries a damaged member on (a bad CRC in an image would make the copy fail a zip check)."""
    if info.compress_type == zipfile.ZIP_STORED:
        crc, size = zlib.crc32(data), len(data)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        crc, size = _inflated_crc(info, data)
    else:
        raise WorkbookWriteError(f"zip member {info.filename} uses an unsupported compression")
    if crc != info.CRC or size != info.file_size:
        raise WorkbookWriteError(f"damaged zip member {info.filename} (bad CRC-32 or size)")


def _inflated_crc(info: zipfile.ZipInfo, data: bytes) -> tuple[int, int]:
    inflater = zlib.decompressobj(-15)
    crc = size = 0
    view = memoryview(data)
    try:
        for start in range(0, len(data), READ_PIECE):
            piece = inflater.decompress(view[start:start + READ_PIECE], READ_PIECE * 4)
            while True:
                crc, size = zlib.crc32(piece, crc), size + len(piece)
                if size > info.file_size or not inflater.unconsumed_tail:
                    break
                piece = inflater.decompress(inflater.unconsumed_tail, READ_PIECE * 4)
            if size > info.file_size:
                break
        rest = inflater.flush()
        crc, size = zlib.crc32(rest, crc), size + len(rest)
    except zlib.error as error:
        raise WorkbookWriteError(f"damaged zip member {info.filename} ({error})") from error
    return crc, size


def _dos_time(date_time: tuple) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    year = max(year, 1980)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day
