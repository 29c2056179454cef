"""The report lists sight-distance hot spots and the step-free figures (issue: barrier-free crossings)."""

from __future__ import annotations

import re

import pandas as pd
import yaml
from report_support import REPO, workspace

from simulator.experiment import settings_from_files
from simulator.metric import METRICS, part_decimals
from simulator.report.build import make_report
from simulator.report.html import render_html
from simulator.results import write_results
from simulator.runs import run_many


def _results():
    folder = workspace() / "parking-results"
    if not (folder / "manifest.json").exists():
        paths = []
        for name in ("parking-baseline.yaml", "no-parking.yaml"):
            data = yaml.safe_load((REPO / "scenarios" / name).read_text(encoding="utf-8"))
            data["children"] = 300
            path = workspace() / f"small-{name}"
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            paths.append(path)
        settings, scenarios = settings_from_files(paths)
        results = run_many(settings, (1, 2), workers=1)
        write_results(results, folder, settings=settings, seeds=[1, 2], scenarios=scenarios)
    return folder


def test_hot_spots_are_the_short_sight_crossings_of_the_results() -> None:
    folder = _results()
    page = render_html(make_report(folder, lang="zh"))
    table = page[page.index('data-table="sight"'):page.index("</table>", page.index('data-table="sight"'))]
    shown = set(re.findall(r"<td>(x[0-9k~-]+)</td>", table))
    crossings = pd.read_csv(folder / "crossings.csv")
    expected = set(crossings.loc[crossings["short_sight"].astype(bool), "crossing"])
    assert shown and shown <= expected
    assert "视距不足热点" in page
    # risk in the school figure's unit, per 100,000 trips (not per morning), with its decimals
    assert "<th class=\"n\">预期重伤（每10万人次，该处）</th>" in table and "每早）" not in table
    runs = pd.read_csv(folder / "runs.csv")
    scenarios = list(pd.unique(runs["scenario"]))  # S0, S1 ... in run order
    scale = 1e5 / runs.loc[runs["scenario"] == scenarios[0], "children"].mean()
    short = crossings[crossings["short_sight"].astype(bool)]
    nd = part_decimals("severe_per_100k_trips")  # a crossing's part of the school's figure: one digit more
    rows = re.findall(r'<tr><td>S(\d+)</td><td>(x[0-9k~-]+)</td>.*?<td class="n">([\d.,]+)</td></tr>', table)
    assert rows
    for code, cid, risk in rows:
        mine = short[(short["scenario"] == scenarios[int(code)]) & (short["crossing"] == cid)]
        assert risk == f"{mine['p_severe_sum'].sum() / 2 * scale:,.{nd}f}", (code, cid)


def test_step_free_figures_are_in_the_comparison() -> None:
    page = render_html(make_report(_results(), lang="en"))
    for key in ("forced_at_grade_per_no_stairs_trip", "short_sight_crossings_pct"):
        assert METRICS[key].label("en") in page
