"""Reports from a batch folder: the city overview (ranking, best measures, totals, map) and ``--school``."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from batch_kit import NETWORKS, OSM, SCENARIOS
from pypdf import PdfReader
from report_support import numbers, shown

from simulator.batch import run_sweep
from simulator.cli import main
from simulator.errors import ResultsError
from simulator.intervals import ONE_SEED, mean_ci
from simulator.metric import METRICS
from simulator.report.city import build_city_report, build_school_report
from simulator.report.texts import scenario_label

RISK, PER_YEAR = "severe_per_100k_trips", "severe_per_year"
MEASURE = "Measures [speed_limit_kmh=30, guards=1]"
A4 = (595.3, 841.9)  # points


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """2 synthetic networks x 2 scenarios (baseline, a grid combination) x 3 seeds, 150 children."""
    out = tmp_path_factory.mktemp("city") / "batch"
    run_sweep(
        {
            "name": "city test",
            "out": str(out),
            "seeds": 3,
            "children": 150,
            "networks": NETWORKS,
            "scenarios": [
                str(SCENARIOS / "baseline.yaml"),
                {
                    "file": str(SCENARIOS / "baseline.yaml"),
                    "name": "Measures",
                    "grid": {"speed_limit_kmh": [30], "guards": [1]},
                },
            ],
        }
    )
    return out


def summary(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "summary.parquet")


def row(table: pd.DataFrame, network: str, scenario: str, metric: str) -> pd.Series:
    return table[
        (table["network"] == network) & (table["scenario"] == scenario) & (table["metric"] == metric)
    ].iloc[0]


def close(text: str, value: float, decimals: int) -> bool:
    return abs(shown(text) - value) <= 0.5 * 10**-decimals + 1e-12


def section(page: str, name: str) -> str:
    return page.split(f'data-section="{name}"')[1].split("</section>")[0]


def test_the_ranking_is_the_summary_tables_order_with_its_numbers(batch: Path, tmp_path: Path) -> None:
    page = build_city_report(batch, out=tmp_path / "city.html").read_text(encoding="utf-8")
    table = summary(batch)
    base = table[(table["scenario"] != MEASURE) & (table["metric"] == RISK)]
    expected = list(base.sort_values("mean", ascending=False)["network"])
    ranked = re.findall(r'<tr data-network="([^"]+)" data-rank="(\d+)">', section(page, "ranking"))
    assert [n for n, _ in ranked] == expected and [int(r) for _, r in ranked] == [1, 2]
    checked = 0
    for n in numbers(page):
        if n.get("src") == "summary.csv":
            value = row(table, n["network"], n["scenario"], n["metric"])[n["col"]]
            assert close(n["text"], float(value), int(n["decimals"])), n
            checked += 1
    assert checked >= 2 * 9  # risk, per year, deaths (3 numbers each) of both schools, and the best measures
    for name in ("A", "B"):
        assert f'data-network="{name}"' in section(page, "schools")


def test_each_school_shows_its_best_measure_and_riskiest_crossings(batch: Path, tmp_path: Path) -> None:
    page = build_city_report(batch, lang="en", out=tmp_path / "city.html").read_text(encoding="utf-8")
    table = summary(batch)
    schools = pd.read_parquet(batch / "schools.parquet").set_index("network")
    crossings = pd.read_parquet(batch / "crossings.parquet")
    for name in ("A", "B"):
        part = page.split(f'<div class="school" data-network="{name}">')[1].split("</div>")[0]
        change = row(table, name, MEASURE, RISK)
        if change["diff"] < 0 and bool(change["significant"]):
            assert f'data-best="{scenario_label(MEASURE, "en")}"' in part
        else:
            assert "No scenario lowers" in part
        assert (schools.loc[name, "best_measure"] == MEASURE) == ("data-best=" in part)  # as schools.csv
        base = crossings[(crossings["network"] == name) & (crossings["scenario"] != MEASURE)]
        riskiest = base.groupby("crossing")["p_severe_sum"].sum().sort_values(ascending=False).index[0]
        assert f"<code>{riskiest}</code>" in part.split("<tbody>")[1].split("</tr>")[0]


def _per_seed(runs: pd.DataFrame, network: str, scenario: str) -> pd.Series:
    mine = runs[(runs["network"] == network) & (runs["scenario"] == scenario)]
    return mine.set_index("seed")[PER_YEAR]


def test_a_reduction_within_noise_is_no_best_measure_nor_counted(batch: Path, tmp_path: Path) -> None:
    doctored = tmp_path / "batch"
    shutil.copytree(batch, doctored)
    table = summary(doctored)
    for name in ("A", "B"):  # A: a clear reduction; B: a larger one, within noise
        pick = (table["network"] == name) & (table["scenario"] == MEASURE) & (table["metric"] == RISK)
        table.loc[pick, ["diff", "diff_ci_low", "diff_ci_high"]] = (
            [-0.2, -0.3, -0.1] if name == "A" else [-0.5, -1.4, 0.3])
        table.loc[pick, "significant"] = name == "A"
    table.to_parquet(doctored / "summary.parquet", index=False)
    page = build_city_report(doctored, out=tmp_path / "city.html").read_text(encoding="utf-8")
    ranking = section(page, "ranking")
    best = dict(re.findall(r'<tr data-network="([AB])".*?data-best="([^"]*)"', ranking, flags=re.S))
    assert best == {"A": scenario_label(MEASURE, "zh"), "B": ""}
    total = section(page, "total")
    assert re.search(r'data-network="A" data-counted="true"', total)
    assert re.search(r'data-network="B" data-counted="false"', total)
    runs = pd.read_parquet(doctored / "runs.parquet")
    change = _per_seed(runs, "A", MEASURE) - _per_seed(runs, "A", "现状 Baseline")  # A's alone, seed by seed
    found = {n["col"]: n["text"] for n in numbers(page) if n.get("derived") == "total_change"}
    m, low, high = mean_ci(change.to_numpy())
    d = METRICS[PER_YEAR].decimals
    assert close(found["value"], m, d) and close(found["ci_low"], low, d) and close(found["ci_high"], high, d)


def test_the_city_totals_add_the_schools_seed_by_seed(batch: Path, tmp_path: Path) -> None:
    page = build_city_report(batch, out=tmp_path / "city.html").read_text(encoding="utf-8")
    table = summary(batch)
    runs = pd.read_parquet(batch / "runs.parquet")
    d = METRICS[PER_YEAR].decimals
    today = sum(_per_seed(runs, n, "现状 Baseline") for n in ("A", "B"))
    expected = mean_ci(today.to_numpy(), bounds=(0.0, math.inf))
    found = {n["col"]: n["text"] for n in numbers(page) if n.get("derived") == "total_today"}
    assert all(close(found[c], v, d) for c, v in zip(("value", "ci_low", "ci_high"), expected, strict=True))
    counted = [n for n in ("A", "B") if row(table, n, MEASURE, RISK)["diff"] < 0
               and bool(row(table, n, MEASURE, RISK)["significant"])]
    found = {n["col"]: n["text"] for n in numbers(page) if n.get("derived") == "total_change"}
    if not counted:
        assert not found
        return
    change = sum(_per_seed(runs, n, MEASURE) - _per_seed(runs, n, "现状 Baseline") for n in counted)
    expected = mean_ci(change.to_numpy())
    assert all(close(found[c], v, d) for c, v in zip(("value", "ci_low", "ci_high"), expected, strict=True))


def test_one_seed_shows_no_interval_and_says_why(tmp_path: Path) -> None:
    out = tmp_path / "one"
    run_sweep({"out": str(out), "seeds": 1, "children": 100, "networks": NETWORKS,
               "scenarios": [str(SCENARIOS / "baseline.yaml")]})
    page = build_city_report(out, lang="en", out=tmp_path / "city.html").read_text(encoding="utf-8")
    assert '<span class="ci">[—]</span>' in page and "—, —" not in page
    assert ONE_SEED.en in page


def test_an_old_batch_without_the_trips_a_year_is_one_error(batch: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(batch, old)
    manifest = json.loads((old / "batch.json").read_text(encoding="utf-8"))
    manifest["parameters"] = [p for p in manifest["parameters"] if p["key"] != "calibration.trips_per_day"]
    (old / "batch.json").write_text(json.dumps(manifest), encoding="utf-8")
    summary_table = summary(old)
    summary_table[summary_table["metric"] != PER_YEAR].to_parquet(old / "summary.parquet", index=False)
    with pytest.raises(ResultsError, match=r"batch.json has no parameter 'calibration.trips_per_day'"):
        build_city_report(old, out=tmp_path / "city.html")


def test_synthetic_districts_have_no_map_but_the_ranking_chart(batch: Path, tmp_path: Path) -> None:
    page = build_city_report(batch, out=tmp_path / "city.html").read_text(encoding="utf-8")
    assert 'data-value="no-geography"' in page and "合成街区" in page
    assert 'data-figure="map"' not in page and 'data-figure="ranking"' in page


def test_schools_on_a_real_map_are_placed(tmp_path: Path) -> None:
    beijing = OSM / "beijing_haidian_xueyuan_cau.osm.bz2"
    out = tmp_path / "beijing"
    run_sweep(
        {
            "out": str(out),
            "seeds": 2,
            "children": 150,
            "scenarios": [str(SCENARIOS / "baseline.yaml")],
            "networks": [
                {"map": str(beijing), "schools": ["中国农业大学附属实验小学", "w365816824"]},
                NETWORKS[0],
            ],
        }
    )
    page = build_city_report(out, lang="en", out=tmp_path / "city.html").read_text(encoding="utf-8")
    assert page.count('data-figure="map"') == 1 and f'data-map="{beijing.name}"' in page
    note = page.split('data-value="no-geography">')[1].split("</p>")[0]
    assert "A is a synthetic district" in note and "中国农业大学附属实验小学" not in note
    # the map file has moved since the batch ran: a school's report takes --map (the site is built once)
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    for entry in manifest["sweep"]["networks"]:
        if "map" in entry:
            entry["map"] = str(tmp_path / "moved.osm.bz2")
    (out / "batch.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"moved\.osm\.bz2' does not exist"):
        build_school_report(out, "中国农业大学附属实验小学", out=tmp_path / "s.html")
    path, _ = build_school_report(out, "中国农业大学附属实验小学", out=tmp_path / "s.html", map_file=beijing)
    assert "中国农业大学附属实验小学" in path.read_text(encoding="utf-8")


def test_a_schools_own_report_has_the_batchs_numbers(batch: Path, tmp_path: Path) -> None:
    path, notes = build_school_report(batch, "A", out=tmp_path / "a.html")
    assert notes == []
    page = path.read_text(encoding="utf-8")
    table = summary(batch)
    checked = {"summary.csv": 0, "differences.csv": 0}
    for n in numbers(page):
        src = n.get("src")
        if src not in checked or "metric" not in n:
            continue
        r = row(table, "A", n["scenario"], n["metric"])
        column = (
            n["col"]
            if src == "summary.csv"
            else {"diff": "diff", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high"}[n["col"]]
        )
        assert close(n["text"], float(r[column]) * float(n["scale"]), int(n["decimals"])), n
        checked[src] += 1
    assert checked["summary.csv"] > 30 and checked["differences.csv"] > 5
    # a batch folder is shared by its schools: no school's recommendations are read from it
    section = page[page.index('data-section="recommendations"'):page.index('data-section="crossings"')]
    assert f"saferoute recommend guards --staff K --batch {batch}" in section
    assert "--school A --out DIR" in section and "recommend-guards" not in section


def test_the_report_command_on_a_batch_and_an_unknown_school(batch: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "city.html"
    assert main(["report", str(batch), "--out", str(out)]) == 0
    assert "城市上学路线安全总览" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(batch), "--school", "C"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'C' is not a network" in err and "known: A, B" in err


def test_the_city_overview_prints_to_an_a4_pdf(batch: Path, tmp_path: Path) -> None:
    path = build_city_report(batch, lang="zh", fmt="pdf", out=tmp_path / "city.pdf")
    reader = PdfReader(path)
    assert 3 <= len(reader.pages) <= 12
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A4[0]) < 2 and abs(float(page.mediabox.height) - A4[1]) < 2
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    for word in ("城市上学路线安全总览", "学校风险排名", "全市最佳措施的总效果", "方法与复现", "预期重伤"):
        assert word in text
    assert "\ufffd" not in text and reader.pages[0].images


GUARDS = "recommend-city-guards/allocation.csv"


def test_without_an_allocation_the_overview_says_how_to_make_one(batch: Path, tmp_path: Path) -> None:
    page = build_city_report(batch, lang="en", out=tmp_path / "city.html").read_text(encoding="utf-8")
    part = section(page, "guards")
    assert 'data-value="no-allocation"' in part and "<table" not in part
    assert f"saferoute recommend guards --staff K --batch {batch.resolve()}" in part


def test_the_overview_shows_the_guard_allocation_with_its_numbers(batch: Path, tmp_path: Path) -> None:
    copy = tmp_path / "batch"
    shutil.copytree(batch, copy)
    assert main(["recommend", "guards", "--staff", "2", "--batch", str(copy), "--workers", "1"]) == 0
    table = pd.read_csv(copy / GUARDS)
    assert len(table) >= 1
    table.loc[len(table) - 1, "significant"] = False  # the last post within noise: marked
    table.to_csv(copy / GUARDS, index=False)
    page = build_city_report(copy, out=tmp_path / "city.html").read_text(encoding="utf-8")
    part = section(page, "guards")
    rows = re.findall(r'<tr data-order="(\d+)" data-school="([^"]+)" data-crossing="([^"]+)" '
                      r'data-noise="(true|false)">', part)
    assert [(int(o), s, c) for o, s, c, _ in rows] == list(
        zip(table["order"], table["school"], table["crossing"], strict=True))
    assert [n for *_, n in rows] == ["false"] * (len(table) - 1) + ["true"]
    assert "在随机误差内" in part.split(f'<tr data-order="{len(table)}"')[1].split("</tr>")[0]
    checked = 0
    for n in numbers(part):
        if n.get("src") == GUARDS:
            value = table.loc[table["order"] == int(n["order"]), n["col"]].iloc[0]
            assert close(n["text"], float(value), int(n["decimals"])), n
            checked += 1
    assert checked >= len(table) * 8  # staff-hours, change [CI], per staff-hour, city so far [CI]
    assert f"--staff 2 --hours 07:10-08:30 --staff-type auxiliary_police --batch {copy.resolve()}" in part
    hours = {n["text"] for n in numbers(part) if n.get("derived") == "allocation_staff_hours"}
    assert hours == {f"{table['staff_hours_per_morning'].sum():.2f}"}
    total = [n for n in numbers(part.split('data-row="total"')[1]) if n.get("total") == "city"]
    last = table.iloc[-1]
    expected = [last[c] for c in ("city_cumulative_severe_per_year", "city_cumulative_ci_low",
                                  "city_cumulative_ci_high")]
    half = 0.5 * 10 ** -int(total[0]["decimals"])
    assert [shown(n["text"]) for n in total] == pytest.approx(expected, abs=half)


def test_a_grid_scenario_keeps_its_grid_in_both_languages() -> None:
    name = "措施 Measures [speed_limit_kmh=30, guards=2]"
    assert scenario_label(name, "zh") == "措施 [speed_limit_kmh=30, guards=2]"
    assert scenario_label(name, "en") == "Measures [speed_limit_kmh=30, guards=2]"
    assert scenario_label("护学岗 Guard posts", "zh") == "护学岗"
    assert scenario_label("Measures [a=1]", "zh") == "Measures [a=1]"
