"""The report's section 到校方式与车辆类型: its numbers equal trips.csv and summary.csv, in both languages.

The folder is made once: the default district's baseline, a school bus, a 即停即走
zone with e-bike parking, and 高峰勤务 at the gate (few children, two seeds).
The numbers are recomputed here from the CSV files with pandas, not with the
report's code; the 95% intervals use :func:`simulator.intervals.mean_ci`,
the method the report states.
"""

from __future__ import annotations

import html
import math
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from report_support import _small_copies, _write, numbers, report, report_html, shown

from simulator.experiment import settings_from_files
from simulator.intervals import mean_ci
from simulator.report.texts import crossing_name

SCENARIOS = ("baseline.yaml", "school-bus.yaml", "gate-kiss-and-ride.yaml", "gate-guard.yaml")
SEEDS = (1, 2)


@cache
def arrival_results() -> Path:
    settings, scenarios = settings_from_files(_small_copies(list(SCENARIOS)))
    return _write(settings, scenarios, SEEDS, "arrival")


def section(page: str, name: str) -> str:
    found = re.search(rf'<section[^>]*data-section="{name}"[^>]*>(.*?)</section>', page, re.S)
    assert found, f"section {name} missing"
    return found.group(1)


def trips_value(trips: pd.DataFrame, n: dict) -> float:
    """The figure a number tagged ``data-origin="trips.csv"`` claims to show, recomputed here."""
    mine = trips[trips["scenario"] == n["scenario"]]
    per_seed = []
    for _, run in mine.groupby("seed"):
        of_mode = run[run["arrival_mode"] == n["mode"]]
        if n["col"].startswith("pupils"):
            per_seed.append(100.0 * len(of_mode) / len(run))
        elif len(of_mode):
            per_seed.append(1e5 * of_mode["p_severe"].sum() / len(of_mode))
    bounds = (0.0, 100.0) if n["col"].startswith("pupils") else (0.0, math.inf)
    mean, low, high = mean_ci(per_seed, bounds=bounds)
    return {"pct": mean, "100k": mean, "low": low, "high": high}[n["col"].rpartition("_")[2]]


def summary_value(summary: pd.DataFrame, n: dict) -> float:
    row = summary[(summary["scenario"] == n["scenario"]) & (summary["metric"] == n["metric"])]
    assert len(row) == 1, n
    col = n["col"]
    if col.startswith("100-"):  # the motor vehicles' share: the rest of the two-wheelers'
        return 100.0 - float(row.iloc[0][col[4:]])
    return float(row.iloc[0][col])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_section_s_numbers_equal_the_tables(lang: str) -> None:
    folder = arrival_results()
    trips = pd.read_csv(folder / "trips.csv")
    summary = pd.read_csv(folder / "summary.csv")
    found = numbers(section(report_html(folder, lang), "arrival"))
    checked = {"trips.csv": 0, "summary.csv": 0}
    for n in found:
        if n["text"] == "—":
            continue
        origin = n.get("origin") or n.get("src")
        expected = trips_value(trips, n) if origin == "trips.csv" else summary_value(summary, n)
        decimals = len(n["text"].partition(".")[2])
        assert abs(shown(n["text"]) - expected) <= 0.5 * 10.0 ** -decimals + 1e-9, (n, expected)
        checked[str(origin)] += 1
    # every scenario's modes (pupils and risk, each with its interval) and the vehicle table
    used = trips.groupby("scenario")["arrival_mode"].nunique().sum()
    assert checked["trips.csv"] == 6 * used
    assert checked["summary.csv"] >= 3 * used + 3 * 4 * len(SCENARIOS)


def test_every_mode_a_pupil_used_has_its_row_and_the_others_are_named() -> None:
    folder = arrival_results()
    trips = pd.read_csv(folder / "trips.csv")
    page = section(report_html(folder, "zh"), "arrival")
    rows = set(re.findall(r'<tr data-scenario="(S\d)" data-mode="([a-z_]+)">', page))
    codes = {name: f"S{i}" for i, name in enumerate(dict.fromkeys(trips["scenario"]))}
    assert rows == {(codes[s], m) for s, m in zip(trips["scenario"], trips["arrival_mode"], strict=True)}
    bus = codes["校车 School bus"]
    assert (bus, "school_bus") in rows and ("S0", "school_bus") not in rows
    if not (trips["arrival_mode"] == "bus").any():  # no bus stop near the synthetic school
        assert "没有学生使用的方式：公交车（下车后步行）" in page


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("<h2>到校方式与车辆类型</h2>", "只模拟步行部分", "20.4%", "家长电动自行车接送",
            "机动车造成的比例")),
    ("en", ("<h2>How pupils arrive, and which vehicles</h2>", "only the walk is simulated", "20.4%",
            "pillion on a parent&#39;s e-bike", "Caused by motor vehicles")),
])
def test_both_languages_render_the_section_with_its_chart(lang: str, words: tuple[str, ...]) -> None:
    folder = arrival_results()
    page = section(report_html(folder, lang), "arrival")
    for word in words:
        assert word in page, word
    assert 'data-figure="modes"' in page and "data:image/png;base64," in page
    if lang == "en":
        table = page[page.index('<table class="modes"'):].split("</table>")[0]
        assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<[^>]+>", "", table))  # the words, not the tags
    assert report(folder, lang).figures["modes"] is not None


@pytest.mark.parametrize(("lang", "gate", "lane"), [
    ("zh", "校门前 学府路", "校门前最右侧车道（学府路）"),
    ("en", "学府路 at the gate", "kerb lane at the gate (学府路)"),
])
def test_the_gate_crossings_are_named_in_words(lang: str, gate: str, lane: str) -> None:
    assert crossing_name("gate", "学府路", lang) == gate
    assert crossing_name("gate-lane", "学府路", lang) == lane
    assert crossing_name("x24-23", "星湖大道", lang) == "星湖大道"
    folder = arrival_results()
    crossings = pd.read_csv(folder / "crossings.csv")
    # on the district the children let out opposite cross at the zebra by the gate, x116-24 on 学府路
    assert crossings.loc[crossings["crossing"] == "x116-24", "road"].iloc[0] == "学府路"
    assert "gate" not in set(crossings["crossing"])
    page = report_html(folder, lang)
    arrival = html.unescape(section(page, "arrival"))
    assert gate in arrival and lane in arrival
    row = re.search(r'<tr data-crossing="gate-lane"><td>\d+</td><td>([^<]*)<', section(page, "appendix"))
    assert row is None or html.unescape(row.group(1)) == lane
    scenarios = html.unescape(section(page, "scenarios"))
    assert "学府路 (x116-24)" in scenarios  # 高峰勤务: the guard post at the gate's zebra, in words
    kiss = "即停即走区：校门一侧 60 米路缘" if lang == "zh" else "kiss-and-ride) zone: 60 m of kerb"
    assert kiss in scenarios
    assert ("校车：接送原由家长开车" if lang == "zh" else "school bus (校车): carries 50%") in scenarios
