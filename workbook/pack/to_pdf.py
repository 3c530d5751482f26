"""The pack as a PDF: the .docx converted by LibreOffice (headless), when it is installed.

Each conversion runs with a profile of its own in a temporary folder, so it neither needs nor
touches the user's LibreOffice settings and two conversions can run side by side.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kpi_rules.errors import KpiError

SOFFICE = "soffice"
TIMEOUT_SECONDS = 180


class PdfUnavailable(KpiError):
    """A PDF was asked for and LibreOffice cannot make one; one line saying what to do."""


def soffice_path() -> str:
    """Where LibreOffice is; PdfUnavailable if it is not installed."""
    found = shutil.which(SOFFICE)
    if found is None:
        raise PdfUnavailable(
            "a PDF needs LibreOffice (soffice), which is not installed: install it "
            "(apt-get install libreoffice-writer-nogui) or write a .docx or .html pack instead")
    return found


def docx_to_pdf(docx: bytes) -> bytes:
    soffice = soffice_path()
    with tempfile.TemporaryDirectory(prefix="kpi-pack-") as work:
        folder = Path(work)
        source = folder / "pack.docx"
        source.write_bytes(docx)
        command = [soffice, "--headless", "--norestore",
                   f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", str(folder), str(source)]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice took over {TIMEOUT_SECONDS} s to make the PDF; "
                                 "try again, or write a .docx pack") from None
        except OSError as exc:
            raise PdfUnavailable(f"LibreOffice could not be started ({exc.strerror})") from None
        result = folder / "pack.pdf"
        if not result.is_file() or result.stat().st_size == 0:
            raise PdfUnavailable(
                f"LibreOffice made no PDF (exit {done.returncode}); is its Writer part installed "
                "(apt-get install libreoffice-writer-nogui)?")
        return result.read_bytes()
