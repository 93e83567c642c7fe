"""Word to PDF through LibreOffice (soffice --headless), when the server has it installed."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 120


class PdfUnavailable(Exception):
    """The server cannot make PDFs: LibreOffice is not installed, or the conversion failed."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, name: str = "report") -> bytes:
    program = soffice()
    if program is None:
        raise PdfUnavailable("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="spiral-pdf-") as work:
        folder = Path(work)
        source = folder / f"{name}.docx"
        source.write_bytes(docx)
        # A profile of its own, so that conversions running at once do not lock each other out.
        profile = (folder / "profile").as_uri()
        try:
            subprocess.run([program, f"-env:UserInstallation={profile}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                           check=True, capture_output=True, timeout=TIMEOUT_SECONDS)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"LibreOffice could not convert the report ({exc})") from None
        result = folder / f"{name}.pdf"
        if not result.exists():
            raise PdfUnavailable("LibreOffice wrote no PDF")
        return result.read_bytes()
