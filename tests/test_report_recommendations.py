"""The report's recommendations section: present with the recommend tables, a how-to without them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from report_support import baseline_only_results, one_seed_results, workspace

from simulator.errors import ResultsError
from simulator.intervals import ONE_SEED
from simulator.metric import METRICS
from simulator.report.build import make_report
from simulator.report.format import RATIO_DECIMALS
from simulator.report.html import render_html

GUARDS = pd.DataFrame(
    [
        {
            "crossing": "x24-23",
            "road": "星湖大道",
            "hours": "07:40-08:10",
            "staff_hours": 0.5,
            "gain_screened": 3.0,
            "change": -2.5,
            "ci_low": -4.0,
            "ci_high": -1.0,
            "cumulative": -2.5,
            "per_staff_hour": 5.0,
        },
        {
            "crossing": "x24-25",
            "road": "星湖大道",
            "hours": "07:45-08:15",
            "staff_hours": 0.5,
            "gain_screened": 1.0,
            "change": -1.25,
            "ci_low": -2.0,
            "ci_high": -0.5,
            "cumulative": -3.75,
            "per_staff_hour": 2.5,
        },
    ]
)


def _with_guards(name: str) -> Path:
    folder = workspace() / name
    if not folder.exists():
        shutil.copytree(baseline_only_results(), folder)
        (folder / "recommend-guards").mkdir()
        GUARDS.to_csv(folder / "recommend-guards" / "guards.csv", index=False)
    return folder


def test_the_guard_recommendations_are_shown_with_their_numbers() -> None:
    page = render_html(make_report(_with_guards("with-guards"), lang="zh"))
    section = page[page.index('data-section="recommendations"') : page.index('data-section="crossings"')]
    nd = METRICS["severe_per_100k_trips"].decimals  # risk changes, per 100,000 trips
    change = f"{-2.5:.{nd}f} [{-4.0:.{nd}f}, {-1.0:.{nd}f}]"
    for text in ("x24-23", "07:40-08:10", change, f"{-3.75:.{nd}f}", f"{5.0:.{RATIO_DECIMALS}f}", "护学岗"):
        assert text in section.replace("−", "-")
    assert "saferoute recommend routes" in section and "saferoute recommend measures" in section
    assert "†" not in section  # both posts' changes are beyond noise


def test_a_post_whose_interval_includes_zero_is_marked_within_noise() -> None:
    folder = _with_guards("noisy-guards")
    GUARDS.assign(ci_high=[-1.0, 0.4]).to_csv(folder / "recommend-guards" / "guards.csv", index=False)
    page = render_html(make_report(folder, lang="en"))
    section = page[page.index('data-section="recommendations"') : page.index('data-section="crossings"')]
    rows = section[section.index("x24-23"):].split("</tr>")
    assert "†" not in rows[0] and '<td class="n noise">' in rows[1] and "†" in rows[1]


def test_one_seed_shows_no_interval_and_says_why() -> None:
    page = render_html(make_report(one_seed_results(), lang="en"))
    assert ">nan<" not in page and "[nan" not in page and "—, —" not in page
    assert '<span class="ci">[—]</span>' in page
    assert ONE_SEED.en in page
    zh = render_html(make_report(one_seed_results(), lang="zh"))
    assert ONE_SEED.zh in zh


def test_without_recommendations_the_section_says_how_to_make_them() -> None:
    page = render_html(make_report(baseline_only_results(), lang="en"))
    section = page[page.index('data-section="recommendations"') : page.index('data-section="crossings"')]
    assert "Not computed yet" in section
    assert all(f"saferoute recommend {k}" in section for k in ("guards", "routes", "measures"))


def test_a_damaged_recommendation_table_is_an_error_not_a_gap() -> None:
    folder = _with_guards("damaged-guards")
    GUARDS.drop(columns=["hours"]).to_csv(folder / "recommend-guards" / "guards.csv", index=False)
    with pytest.raises(ResultsError, match="columns missing: hours"):
        make_report(folder, lang="zh")
