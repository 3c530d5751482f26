"""The committee pack: status key, summary with a chart, a table per section, exception notes
for off-target indicators and a findings annex, as .docx, .html or .pdf.

`build_pack` (content.py) makes the content once from checked books; `write_pack` renders it in
the format the target's suffix names and writes it atomically (never a half-written pack).
The renderers import python-docx, jinja2 and matplotlib only when called, so the rest of the
product never pays for them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from kpi_rules.errors import KpiError
from workbook.pack.content import Pack, UnreadBook, build_pack
from workbook.xlsx.atomic import write_temporary

FORMATS = (".docx", ".html", ".pdf")
# What each format imports: the `report` extra of pyproject.toml (a PDF is a converted .docx).
LIBRARIES = {".docx": ("matplotlib", "docx"), ".pdf": ("matplotlib", "docx"),
             ".html": ("matplotlib", "jinja2")}  # fmt: skip
DISTRIBUTIONS = {"matplotlib": "matplotlib", "docx": "python-docx", "jinja2": "jinja2"}


class PackTargetError(KpiError):
    """The pack cannot be written where asked; one line naming the target."""


class MissingLibrary(KpiError):
    """A library of the `report` extra is not installed; one line saying what to install."""


def check_target(target: Path) -> str:
    """The format for `target` ('.docx', '.html' or '.pdf'), checked before any work is done:
    a known suffix, an existing folder, not a folder itself, LibreOffice present for a PDF."""
    if target.is_dir():
        raise PackTargetError(f"{target}: is a folder; give a file name such as pack.docx")
    suffix = target.suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix not in FORMATS:
        raise PackTargetError(f"{target}: the pack must be a .docx, .html or .pdf file")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise PackTargetError(f"{target}: its folder does not exist")
    _require(LIBRARIES[suffix])
    if suffix == ".pdf":
        from workbook.pack.to_pdf import soffice_path

        soffice_path()
    return suffix


def _require(modules: tuple[str, ...]) -> None:
    """The report extra's libraries for one format, imported now (before any book is read) so a
    missing one is one line saying what to install."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingLibrary(
                f"the committee pack needs {DISTRIBUTIONS[module]}, which is not installed: "
                'pip install "kpi-addin[report]"') from None


def render(pack: Pack, suffix: str) -> bytes:
    if suffix == ".html":
        from workbook.pack.to_html import pack_html

        return pack_html(pack)
    from workbook.pack.to_docx import pack_docx

    docx = pack_docx(pack)
    if suffix == ".pdf":
        from workbook.pack.to_pdf import docx_to_pdf

        return docx_to_pdf(docx)
    return docx


def write_pack(pack: Pack, target: Path) -> None:
    """Render and write the pack; the target appears complete or not at all."""
    data = render(pack, check_target(target))
    write_temporary(target, lambda handle: handle.write(data)).commit()


__all__ = ["FORMATS", "MissingLibrary", "Pack", "PackTargetError", "UnreadBook", "build_pack", "check_target",
           "render", "write_pack"]
