"""The HTML report printed to PDF by headless Chromium, when the machine has one.

This is the one place in :mod:`analysis` outside ``ingest`` that touches files: Chromium reads
its input from and writes the PDF to a private temporary directory that is removed straight
after (in memory, under ``/dev/shm``, where the machine has it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from analysis.report._common import Report
from analysis.report.html import report_html

__all__ = ["PDF_TIMEOUT_SECONDS", "chromium_path", "report_pdf"]

PDF_TIMEOUT_SECONDS = 90.0


def chromium_path() -> str | None:
    """Return the path of a Chromium to print PDFs with, or None when the machine has none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def report_pdf(
    report: Report | str, *, browser: str | None = None, timeout: float = PDF_TIMEOUT_SECONDS
) -> bytes | None:
    """Print the HTML report to PDF with headless Chromium; None when that is not possible.

    Parameters
    ----------
    report : Report or str
        The report, or its HTML from :func:`report_html` (saves drawing the charts twice).
    browser : str or None
        Chromium executable; default :func:`chromium_path`.
    timeout : float
        Seconds to wait for Chromium before giving up (it is then stopped).

    Returns
    -------
    bytes or None
        The PDF, or None when there is no Chromium, it failed or it timed out.

    Notes
    -----
    Chromium reads the page from a file and writes the PDF to a file, so both live in a private
    temporary directory (with Chromium's throw-away profile) that is deleted afterwards. Where
    the machine has a memory-backed ``/dev/shm`` that directory is made there, so a visitor's
    report is not written to disk. The page itself loads nothing from the network.
    """
    browser = browser or chromium_path()
    if browser is None:
        return None
    document = report if isinstance(report, str) else report_html(report)
    in_memory = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="customer-focus-report-", dir=in_memory) as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            browser,
            *_CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        if not _run(command, timeout) or not target.exists():
            return None
        data = target.read_bytes()
    return data if data.startswith(b"%PDF") else None


def _run(command: list[str], timeout: float) -> bool:
    """Run Chromium; return False when it cannot start or times out (then it is stopped)."""
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a timeout stops all of it
        )
    except OSError:
        return False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
    return True
