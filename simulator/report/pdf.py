"""Printing the HTML report to PDF with headless Chromium (A4, the page's own print CSS)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from simulator.errors import SaferouteError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("install Chromium: `apt-get install chromium` (Debian/Ubuntu), "
                "`brew install --cask chromium` (macOS), or use --format html")
TIMEOUT_S = 120


class PdfError(SaferouteError):
    """The PDF could not be printed (no browser, or the browser failed)."""


def find_browser() -> str:
    """The path of a Chromium-family browser, or a one-line error telling how to install one."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    msg = f"no Chromium browser found to print the PDF report: {INSTALL_HINT}"
    raise PdfError(msg)


def print_pdf(html_file: Path, pdf_file: Path) -> Path:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium.

    Raises
    ------
    PdfError
        If no browser is installed, or it fails or writes no PDF.
    """
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="saferoute-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_file}", "--no-pdf-header-footer", html_file.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            msg = f"{browser} did not finish printing the PDF within {TIMEOUT_S} s"
            raise PdfError(msg) from None
        except OSError as bad:
            msg = f"{browser} could not be started ({bad.strerror or bad})"
            raise PdfError(msg) from None
    if not pdf_file.is_file() or pdf_file.stat().st_size == 0 or not _is_pdf(pdf_file):
        tail = " ".join((done.stderr or "").strip().splitlines()[-1:])[-200:]
        msg = f"{browser} wrote no PDF (exit code {done.returncode}{': ' + tail if tail else ''})"
        raise PdfError(msg)
    return pdf_file


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"
