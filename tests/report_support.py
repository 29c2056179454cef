"""Results folders and reports shared by the report tests, each made once per test session.

The folders are written through the Python API with few children and seeds
(the report's correctness does not depend on their size): the default
district with a baseline, guard posts and a footbridge; the baseline alone;
and a real map (read in place from ``../shared/data/osm``, never copied).
"""

from __future__ import annotations

import atexit
import html.parser
import shutil
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.demo import riskiest_crossings
from simulator.experiment import settings_from_files, settings_from_scenarios
from simulator.report.build import make_report
from simulator.report.html import Report, render_html
from simulator.report.pdf import print_pdf
from simulator.results import write_results
from simulator.runs import run_many
from simulator.scenario import scenario_from_mapping

REPO = Path(__file__).resolve().parents[1]
OSM = Path(__file__).resolve().parents[2] / "shared/data/osm/beijing_haidian_xueyuan_cau.osm.bz2"
SCHOOL = "中国农业大学附属实验小学"
CHILDREN = 300
SEEDS = (1, 2, 3)
MAP_SEEDS = (1, 2)
SECTIONS = ("summary", "map", "measures", "crossings", "delay", "methods", "scenarios", "reproduce",
            "appendix")
ZH_TITLES = ("摘要", "学区地图与上学路线", "改善措施比较", "过街点详表", "延误与迟到", "方法与假设",
             "情景定义", "复现信息", "附录：全部过街点")
EN_TITLES = ("Summary", "Catchment map and routes to school", "Measures compared", "Crossings in detail",
             "Delay and late arrivals", "Methods and assumptions", "Scenario definitions",
             "Reproducing this report", "Appendix: every crossing")


@cache
def workspace() -> Path:
    """A temporary folder for the session, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="saferoute-report-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _small_copies(names: Sequence[str]) -> list[Path]:
    folder = workspace() / "scenarios"
    folder.mkdir(exist_ok=True)
    paths = []
    for name in names:
        data = yaml.safe_load((REPO / "scenarios" / name).read_text(encoding="utf-8"))
        data["children"] = CHILDREN
        path = folder / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def _write(settings, scenarios, seeds: Sequence[int], name: str) -> Path:
    results = run_many(settings, seeds)
    return write_results(results, workspace() / name, settings=settings, seeds=seeds, scenarios=scenarios)


@cache
def district_results() -> Path:
    """The default district: baseline, 护学岗 guard posts, a footbridge and recommended routes (3 seeds)."""
    settings, scenarios = settings_from_files(
        _small_copies(["baseline.yaml", "guard-posts.yaml", "footbridge.yaml", "recommended-routes.yaml"]))
    return _write(settings, scenarios, SEEDS, "district")


@cache
def baseline_only_results() -> Path:
    """The default district's baseline alone (no differences.csv)."""
    settings, scenarios = settings_from_files(_small_copies(["baseline.yaml"]))
    return _write(settings, scenarios, (1, 2), "baseline-only")


@cache
def one_seed_results() -> Path:
    """The default district's baseline and 护学岗 guard posts, one seed (no intervals)."""
    settings, scenarios = settings_from_files(_small_copies(["baseline.yaml", "guard-posts.yaml"]))
    return _write(settings, scenarios, (1,), "one-seed")


@cache
def map_results() -> Path:
    """The real map around 中国农业大学附属实验小学: baseline, and guards at its two riskiest crossings."""
    site = {"map": str(OSM), "school": SCHOOL}
    base = scenario_from_mapping({"name": "现状 Baseline", "site": site, "children": CHILDREN}, origin="test")
    settings, _ = settings_from_scenarios([("test", base)])
    targets = riskiest_crossings(pd.concat([r.crossings for r in run_many(settings, MAP_SEEDS)]))
    guard = scenario_from_mapping({
        "name": "护学岗 Guard posts", "site": site, "children": CHILDREN,
        "interventions": [{"type": "guard", "crossings": targets, "hours": "07:10-08:30",
                           "staff": "auxiliary_police", "count": 2}],
    }, origin="test")
    settings, scenarios = settings_from_scenarios([("test", base), ("test", guard)])
    return _write(settings, scenarios, MAP_SEEDS, "map")


@cache
def report(folder: Path, lang: str) -> Report:
    """The prepared report (figures and context) of a results folder."""
    return make_report(folder, lang=lang)


@cache
def report_html(folder: Path, lang: str) -> str:
    """The HTML report of a results folder."""
    return render_html(report(folder, lang))


@cache
def report_pdf(folder: Path, lang: str) -> Path:
    """The PDF report of a results folder (printed by Chromium)."""
    out = workspace() / f"{folder.name}-{lang}"
    out.mkdir(exist_ok=True)
    page = out / "report.html"
    page.write_text(report_html(folder, lang), encoding="utf-8")
    return print_pdf(page, out / "report.pdf")


class Numbers(html.parser.HTMLParser):
    """Collects every ``<span class="num">`` with its data attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        if tag == "span" and data.get("class") == "num":
            self._open = {k[5:]: v for k, v in data.items() if k.startswith("data-")} | {"text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._open is not None:
            self.found.append(self._open)
            self._open = None


def numbers(page: str) -> list[dict[str, Any]]:
    """Every tagged number of an HTML report."""
    parser = Numbers()
    parser.feed(page)
    return parser.found


def shown(text: str) -> float:
    """The value of a number as printed (real minus sign, thousands separators, plus sign)."""
    return float(text.replace("\u2212", "-").replace(",", "").replace("+", ""))
