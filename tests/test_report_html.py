"""The HTML report: every section there, figures embedded, tables, methods, both languages."""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re

import pandas as pd
import pytest
from report_support import (
    EN_TITLES,
    SECTIONS,
    ZH_TITLES,
    baseline_only_results,
    district_results,
    numbers,
    report,
    report_html,
)

from simulator.metric import CALIBRATION_TARGET, METRICS, calibration_note, per_year_note
from simulator.report import content
from simulator.report.results import load_results
from simulator.report.site import rebuild_site


def section(page: str, name: str) -> str:
    """The HTML of one ``<section data-section=...>``."""
    found = re.search(rf'<section[^>]*data-section="{name}"[^>]*>(.*?)</section>', page, re.S)
    assert found, f"section {name} missing"
    return found.group(1)


@pytest.mark.parametrize(("lang", "titles"), [("zh", ZH_TITLES), ("en", EN_TITLES)])
def test_every_section_is_there_with_its_title(lang: str, titles: tuple[str, ...]) -> None:
    page = report_html(district_results(), lang)
    for name, title in zip(SECTIONS, titles, strict=True):
        assert f"<h2>{html.escape(title)}</h2>" in section(page, name)
    other = ZH_TITLES if lang == "en" else EN_TITLES
    assert not any(f"<h2>{html.escape(t)}</h2>" in page for t in other)
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page


def test_the_page_is_self_contained_and_prints_on_a4() -> None:
    page = report_html(district_results(), "zh")
    assert "size: A4 portrait" in page and "@page" in page
    assert not re.search(r'(src|href)="(https?:|file:|/)', page)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 6  # catchment map, measures map, recommended routes, effects, delay, arrival modes
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_summary_names_the_riskiest_crossings_by_street() -> None:
    folder = district_results()
    summary = section(report_html(folder, "zh"), "summary")
    crossings = pd.read_csv(folder / "crossings.csv")
    base = crossings[crossings["scenario"] == "现状 Baseline"]
    risk = base.groupby("crossing")["p_severe_sum"].sum().sort_values(ascending=False)
    top = risk.index[0]
    road = base.loc[base["crossing"] == top, "road"].iloc[0]
    row = re.search(rf"<tr><td>1</td><td>([^<]*)</td>.*?<code>{re.escape(top)}</code>", summary, re.S)
    assert row and row.group(1) == road
    assert "风险集中在哪里" in summary and "各措施的效果" in summary
    assert "护学岗人时/早" in summary and "每人时降低的重伤风险" in summary


def test_changes_within_noise_are_marked() -> None:
    folder = district_results()
    summary = section(report_html(folder, "zh"), "summary")
    diffs = pd.read_csv(folder / "differences.csv")
    shown = diffs[diffs["metric"].isin(["severe_per_100k_trips", "conflicts_per_100_trips", "wait_per_trip_s",
                                        "trip_time_mean_s", "late_pct"])]
    assert summary.count('data-noise="true"') == int((~shown["significant"]).sum())
    assert summary.count('data-noise="false"') == int(shown["significant"].sum())
    assert summary.count("†") == int((~shown["significant"]).sum()) + 1  # and once in the note


def test_the_map_section_has_the_routes_and_the_guard_posts() -> None:
    page = report_html(district_results(), "zh")
    assert 'data-figure="catchment"' in section(page, "map")
    measures_map = section(page, "map-measures")
    assert 'data-figure="measures-map"' in measures_map
    assert "护学岗 07:10-08:30，每岗辅警 2 名" in measures_map
    assert "改建为天桥" in measures_map


def test_the_crossing_tables_have_every_column() -> None:
    page = report_html(district_results(), "zh")
    crossings = section(page, "crossings")
    for header in ("道路", "设施", "车道数", "车速85%位", "高峰流量", "使用", "平均等待", "95%位等待",
                   "HCM行人服务水平", "冲突", "预期重伤"):
        assert header in crossings
    assert "现状与各情景" in crossings and "S2" in crossings
    assert "天桥/地下通道下平面穿行" in crossings  # the at-grade shortcut under the new footbridge
    appendix = section(page, "appendix")
    used = pd.read_csv(district_results() / "crossings.csv").query("scenario == '现状 Baseline'")
    assert appendix.count("<tr data-crossing=") == used["crossing"].nunique()


def test_the_methods_list_every_parameter_and_flag_the_unsourced_ones() -> None:
    folder = district_results()
    methods = section(report_html(folder, "zh"), "methods")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for p in manifest["parameters"]:
        flagged = f'<tr class="flag" data-param="{p["key"]}">' in methods
        assert flagged == (p["conf"] == "U"), p["key"]
        assert f'data-param="{p["key"]}"' in methods
    assert '<tr class="flag" data-param="guard.obey">' in methods  # 护学岗 effectiveness: no published value
    assert "无公开数值" in methods and "护学岗的效果" in methods
    assert f"相同的 {len(manifest['seeds'])} 个随机种子" in methods


def test_scenarios_and_reproduction() -> None:
    folder = district_results()
    page = report_html(folder, "zh")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenarios = section(page, "scenarios")
    for text in manifest["scenarios"].values():
        assert text in html.unescape(scenarios)
    repro = section(page, "reproduce")
    assert f"saferoute {manifest['software']['saferoute']}" in repro
    assert ", ".join(str(s) for s in manifest["seeds"]) in repro
    assert "saferoute compare S0.yaml S1.yaml S2.yaml S3.yaml --seeds 3" in repro


def test_routes_carry_every_walking_child_to_the_gate() -> None:
    """Every child who walks a mapped route (from home or a bus stop) reaches the gate on the map;
    a child let out by a parent at the gate walks no mapped street."""
    results = load_results(district_results())
    view = rebuild_site(results)
    gate = view.network.school_node
    arriving = sum(v for (a, b), v in view.edge_use.items() if gate in (a, b))
    trips = results.trips[results.trips["scenario"] == results.baseline]
    walked = trips[trips["route"] != "gate"]
    assert 0 < len(walked) < len(trips)
    assert arriving == pytest.approx(len(walked) / len(results.seeds))


def test_recommended_routes_are_drawn_and_described() -> None:
    results = load_results(district_results())
    view = rebuild_site(results)
    name = "上学路线图 Recommended routes"
    assert list(view.published) == [name]
    gate = view.network.school_node
    meant = sum(v for (a, b), v in view.published[name].items() if gate in (a, b))
    assert meant == pytest.approx(300)  # every child's home has a published route to the gate
    assert (results.trips.query("scenario == @name")["route"] == "recommended").any()
    page = report_html(district_results(), "zh")
    assert "上学路线图：为每户推荐绕行不超过 20% 的最低风险路线，60% 的儿童按推荐路线走" in section(
        page, "map-measures")
    assert "各情景的推荐上学路线见后面的路线图" in section(page, "map")
    assert 'data-figure="routes-S3"' in section(page, "routes-S3")


def test_a_baseline_alone_gives_a_report_without_comparisons() -> None:
    made = report(baseline_only_results(), "zh")
    assert made.figures["measures"] is None and made.figures["effects"] is None
    page = report_html(baseline_only_results(), "zh")
    for name in SECTIONS:
        section(page, name)
    assert "各措施的效果" not in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_one_gives_the_casualties_a_year_and_how_the_risk_is_calibrated(lang: str) -> None:
    folder = district_results()
    summary = section(report_html(folder, lang), "summary")
    shown = {(n["metric"], n["decimals"]) for n in numbers(summary)
             if n.get("src") == "summary.csv" and n["scenario"] == "现状 Baseline" and n["col"] == "mean"}
    for key in ("severe_per_year", "deaths_per_year", "deaths_per_100k_trips"):
        # with the figure's decimals; the values are checked against summary.csv in test_report_numbers
        assert (key, str(METRICS[key].decimals)) in shown, key
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    params = {p["key"]: p["value"] for p in manifest["parameters"]}
    per_year = re.search(r'<p data-value="per-year">(.*?)</p>', summary, re.S)
    assert per_year and per_year_note(params, lang) in html.unescape(per_year.group(1))
    assert ("现状每年预期重伤" if lang == "zh" else "expected severe injuries and") in per_year.group(1)
    calibration = re.search(r'<p class="note" data-value="calibration">(.*?)</p>', summary, re.S)
    assert calibration and html.unescape(calibration.group(1)) == calibration_note(params, lang)
    assert 'data-keyfig="severe-per-year"' in summary


def test_the_report_s_calibration_line_follows_the_results_parameters() -> None:
    results = load_results(district_results())
    before = content.risk_notes(results, "en")
    rows = [dict(p, value=[0.02, 0.1, 0.3]) if p["key"] == CALIBRATION_TARGET else p
            for p in results.manifest["parameters"]]
    other = dataclasses.replace(results, manifest={**results.manifest, "parameters": rows})
    changed = content.risk_notes(other, "en")
    assert changed["per_year"] == before["per_year"]
    assert changed["calibration"] != before["calibration"] and "0.1 severe injuries" in changed["calibration"]
    assert "band 0.02–0.3" in changed["calibration"] and "×5 either way" in changed["calibration"]


def test_risk_is_per_100000_trips_throughout_the_report() -> None:
    for lang, morning in (("zh", "预期重伤（每早）"), ("en", "severe injuries per morning")):
        page = report_html(district_results(), lang)
        assert morning not in page
        assert "thousand" not in page and "千次" not in page
