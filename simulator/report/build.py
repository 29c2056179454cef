"""``build_report``: a results folder in, an HTML or PDF report out (written atomically)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from simulator.errors import SaferouteError
from simulator.outputs import check_out_file
from simulator.report.html import Report, prepare_report, render_html
from simulator.report.pdf import find_browser, print_pdf
from simulator.report.results import load_results
from simulator.report.site import rebuild_site
from simulator.report.texts import LANGS

FORMATS = ("html", "pdf")


class ReportError(SaferouteError):
    """The report cannot be made as asked (language, format, output file)."""


def default_out(results_dir: str | os.PathLike[str], *, lang: str, fmt: str) -> Path:
    """``RESULTS_DIR/report-<lang>.<fmt>``."""
    return Path(results_dir) / f"report-{lang}.{fmt}"


def build_report(
    results_dir: str | os.PathLike[str],
    *,
    lang: str = "zh",
    fmt: str = "html",
    out: str | os.PathLike[str] | None = None,
    map_file: str | os.PathLike[str] | None = None,
) -> Path:
    """Make the school-route safety report (上学路线安全报告) of a results folder.

    Parameters
    ----------
    results_dir
        A folder written by ``saferoute run``/``compare``/``demo`` (or
        :func:`simulator.results.write_results`).
    lang
        ``"zh"`` (简体中文, default) or ``"en"``.
    fmt
        ``"html"`` (self-contained, figures embedded) or ``"pdf"`` (A4, printed
        by headless Chromium).
    out
        The file to write; default ``results_dir/report-<lang>.<fmt>``.
    map_file
        Where the map file of the results is now, if it has moved.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    SaferouteError
        One line naming what is wrong: the results folder (missing, truncated,
        another format: :class:`~simulator.errors.ResultsError`), the options,
        or the PDF printer.
    """
    written = build_reports(results_dir, lang=lang, formats=(fmt,), outs={fmt: out} if out else None,
                            map_file=map_file)
    return written[fmt]


def build_reports(
    results_dir: str | os.PathLike[str],
    *,
    lang: str = "zh",
    formats: Sequence[str] = FORMATS,
    outs: dict[str, str | os.PathLike[str]] | None = None,
    map_file: str | os.PathLike[str] | None = None,
) -> dict[str, Path]:
    """Like :func:`build_report` for several formats at once (figures and tables made once)."""
    check_options(lang, formats)
    targets = {f: Path((outs or {}).get(f) or default_out(results_dir, lang=lang, fmt=f)) for f in formats}
    check_targets(targets)
    results = load_results(results_dir)
    view = rebuild_site(results, map_file=map_file)
    html = render_html(prepare_report(results, view, lang=lang))
    written = {}
    for fmt, path in targets.items():
        written[fmt] = write_report(html, path, fmt=fmt)
    return written


def make_report(results_dir: str | os.PathLike[str], *, lang: str = "zh",
                map_file: str | os.PathLike[str] | None = None) -> Report:
    """The report's figures and context without writing anything (for tests and notebooks)."""
    results = load_results(results_dir)
    return prepare_report(results, rebuild_site(results, map_file=map_file), lang=lang)


def check_options(lang: str, formats: Sequence[str]) -> None:
    """``--lang`` and ``--format`` of a report, each a one-line error."""
    if lang not in LANGS:
        msg = f"--lang: {lang!r} is not allowed (allowed: {', '.join(LANGS)})"
        raise ReportError(msg)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        given = ", ".join(map(repr, bad)) or "none"
        msg = f"--format: {given} is not allowed (allowed: {', '.join(FORMATS)})"
        raise ReportError(msg)


def check_targets(targets: Mapping[str, Path]) -> None:
    """Each file a report is to be written to (by format), and the PDF printer if one is a PDF."""
    for fmt, path in targets.items():
        check_target(path, fmt)
    if "pdf" in targets:
        find_browser()  # before the work, not after it


def check_target(path: Path, fmt: str) -> None:
    check_out_file(path, option="--out", allowed=f"a .{fmt} file for --format {fmt}", suffix=f".{fmt}",
                   error=ReportError)


def write_report(html: str, path: Path, *, fmt: str) -> Path:
    """Write ``html`` (or its PDF print) to a temporary file beside ``path``, then rename it there."""
    path = path.resolve()
    with tempfile.TemporaryDirectory(prefix=f".{path.name}.", dir=path.parent) as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        result = page if fmt == "html" else print_pdf(page, Path(tmp) / "report.pdf")
        os.replace(result, path)
    return path
