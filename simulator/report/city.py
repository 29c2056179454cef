"""Reports from a batch folder: the city overview (城市总览), and one school's own report.

``build_city_report`` ranks the batch's schools by baseline risk, places them
on their maps, shows each school's riskiest crossings and best measure and
what the city's significant best measures would change a year.
``build_school_report`` writes the school report of
:mod:`simulator.report.build` for one network, from the batch's finished runs
(:mod:`simulator.report.schoolresults`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

from simulator.errors import SaferouteError
from simulator.intervals import ONE_SEED
from simulator.metric import calibration_note, per_year_note
from simulator.report.batchfolder import BatchFolder, batch_from_folder
from simulator.report.build import check_options, check_targets, write_report
from simulator.report.citycontent import (
    crossing_rows,
    ranking_rows,
    reproduce,
    school_command,
    total_rows,
    totals,
)
from simulator.report.citydata import City, city_from_batch, places_of
from simulator.report.cityguards import allocation_context
from simulator.report.citymap import city_maps, ranking_chart
from simulator.report.citytexts import CITY_WORDS, METHODS
from simulator.report.figures import png_base64
from simulator.report.html import css_string, prepare_report, render_html, template_environment
from simulator.report.schoolresults import check_network, results_from_batch
from simulator.report.site import rebuild_site
from simulator.report.texts import words


def build_city_report(
    batch_dir: str | os.PathLike[str],
    *,
    lang: str = "zh",
    fmt: str = "html",
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the city overview of a finished batch folder.

    Parameters
    ----------
    batch_dir
        A folder written by ``saferoute batch`` (it has ``batch.json``).
    lang
        ``"zh"`` (简体中文, default) or ``"en"``.
    fmt
        ``"html"`` (self-contained) or ``"pdf"`` (A4, printed by headless Chromium).
    out
        The file to write; default ``batch_dir/city-<lang>.<fmt>``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    SaferouteError
        One line: the folder is not a (finished) batch, an option is wrong, or the PDF cannot be printed.
    """
    target = Path(out) if out else Path(batch_dir) / f"city-{lang}.{fmt}"
    check_options(lang, [fmt])
    check_targets({fmt: target})
    html = render_city(city_from_batch(batch_from_folder(batch_dir)), lang=lang)
    return write_report(html, target, fmt=fmt)


def build_school_report(
    batch_dir: str | os.PathLike[str],
    network: str,
    *,
    lang: str = "zh",
    fmt: str = "html",
    out: str | os.PathLike[str] | None = None,
    map_file: str | os.PathLike[str] | None = None,
) -> tuple[Path, list[str]]:
    """Write one network's school report (上学路线安全报告) from a batch folder.

    Returns
    -------
    tuple of Path and list of str
        The file written, and notes on runs left out (unfinished seeds or scenarios).

    Raises
    ------
    SaferouteError
        One line: ``network`` is not in the batch (the known ones listed), its runs
        are missing, an option is wrong, or the PDF cannot be printed.
    """
    batch = batch_from_folder(batch_dir)
    check_network(batch, network)
    slug = "".join(ch if ch.isalnum() else "-" for ch in network).strip("-") or "school"
    target = Path(out) if out else Path(batch_dir) / f"report-{slug}-{lang}.{fmt}"
    check_options(lang, [fmt])
    check_targets({fmt: target})
    results, notes, built = results_from_batch(batch, network, map_file=map_file)
    view = rebuild_site(results, built=built)
    if view.school != network:
        view = dataclasses.replace(
            view, school=network if view.school in network else f"{view.school} · {network}"
        )
    html = render_html(prepare_report(results, view, lang=lang))
    return write_report(html, target, fmt=fmt), notes


def render_city(city: City, *, lang: str) -> str:
    """The city overview as one HTML document."""
    return template_environment().get_template("city.html.j2").render(**city_context(city, lang=lang))


def _risk_notes(params: dict[str, Any], lang: str) -> list[str]:
    """How a year's figures are made and how the risk is calibrated (none from a batch too old to say)."""
    try:
        return [per_year_note(params, lang), calibration_note(params, lang)]
    except (KeyError, SaferouteError):
        return []


def city_context(city: City, *, lang: str) -> dict[str, Any]:
    """Every table, sentence and figure of the city overview in ``lang``."""
    batch: BatchFolder = city.batch
    places = places_of(batch, city.schools)
    placed = {p.network for p in places}
    w = {**words(lang), **CITY_WORDS[lang]}
    repro = reproduce(city)
    params = {p["key"]: p["value"] for p in batch.manifest.get("parameters", [])}
    title = repro["sweep_name"] or batch.folder.resolve().name
    ranking = ranking_rows(city, lang)
    return {
        "lang": lang,
        "w": w,
        "title": title,
        "footer_css": css_string(f"{CITY_WORDS[lang]['kicker']} · {title}"),
        "generated": dt.date.today().isoformat(),
        "baseline": batch.baseline,
        "seeds": len(batch.sweep["seeds"]),
        "scenarios": len(batch.sweep["scenarios"]),
        "maps": [{"name": name, "png": png_base64(fig)} for name, fig in city_maps(city, places, lang=lang)],
        "unplaced": [s.network for s in city.schools if s.network not in placed],
        "ranking_png": png_base64(ranking_chart(city, lang=lang)) if city.schools else None,
        "ranking": ranking,
        "schools": [
            {
                "rank": s.rank,
                "network": s.network,
                "school": s.school,
                "row": row,
                "crossings": crossing_rows(s, lang),
                "command": school_command(city, s.network),
            }
            for s, row in zip(city.schools, ranking, strict=True)
        ],
        "missing": dict(city.missing),
        "totals": totals(city),
        "total_rows": total_rows(city, lang),
        "derived_per_year": city.derived_per_year,
        "guards": allocation_context(batch, lang, today=city.today.value if city.today else None),
        "methods": [*METHODS[lang], *_risk_notes(params, lang)],
        "one_seed": ONE_SEED.text(lang) if any(s.seeds < 2 for s in city.schools) else "",
        "repro": repro,
    }
