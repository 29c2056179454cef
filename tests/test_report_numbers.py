"""Every number the report prints equals the results tables (recomputed here independently)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from report_support import district_results, map_results, numbers, report_html, shown

from simulator.params import clock_seconds


class Tables:
    """The CSV files of a results folder, read here without the report's code."""

    def __init__(self, folder: Path) -> None:
        self.summary = pd.read_csv(folder / "summary.csv")
        self.differences = pd.read_csv(folder / "differences.csv")
        self.trips = pd.read_csv(folder / "trips.csv")
        self.crossings = pd.read_csv(folder / "crossings.csv")
        self.manifest = pd.read_json(folder / "manifest.json", typ="series")
        self.seeds = len(self.manifest["seeds"])

    def value(self, n: dict) -> float:
        """The table value a tagged number claims to show (before its scale)."""
        src, scenario = n["src"], n["scenario"]
        if src in ("summary.csv", "differences.csv"):
            table = self.summary if src == "summary.csv" else self.differences
            row = table[(table["scenario"] == scenario) & (table["metric"] == n["metric"])]
            assert len(row) == 1, n
            return float(row.iloc[0][n["col"]])
        if src == "trips.csv":
            t = self.trips[self.trips["scenario"] == scenario]
            return {"crossings_per_trip": t["crossings"].mean(),
                    "crossings_per_morning": t["crossings"].sum() / self.seeds,
                    "escorted_pct": 100 * t["escorted"].mean()}[n["col"]]
        assert src == "crossings.csv", n
        c = self.crossings[(self.crossings["scenario"] == scenario)
                           & (self.crossings["crossing"] == n["crossing"])]
        col = n["col"]
        if c.empty:
            assert col == "severe", n  # a crossing nobody used in this scenario shows zero risk
            return 0.0
        sums = {"uses": "uses", "conflicts": "conflicts", "severe": "p_severe_sum"}
        if col in sums:
            return c[sums[col]].sum() / self.seeds
        if col == "wait_mean_s":
            return (c["wait_mean_s"] * c["uses"]).sum() / c["uses"].sum()
        if col == "wait_p95_s":
            return c["wait_p95_s"].mean()
        return float(c.iloc[0][col])  # lanes, p85_kmh, volume_vph: the crossing's description

    def derived(self, n: dict) -> float:
        """Risk shares, staff-hours and the ratios, from the tables and the scenario's guard posts."""
        scenario = n["scenario"]
        if n["derived"] in ("risk_share", "top_share"):
            c = self.crossings[self.crossings["scenario"] == scenario]
            risk = c.groupby("crossing")["p_severe_sum"].sum().sort_values(ascending=False)
            part = risk.iloc[: int(n["top"])].sum() if "top" in n else risk[n["crossing"]]
            return 100 * part / risk.sum()
        d = self.differences[self.differences["scenario"] == scenario].set_index("metric")
        data = yaml.safe_load(self.manifest["scenarios"][scenario])
        hours = 0.0
        for change in data.get("interventions") or []:
            if change["type"] == "guard":
                start, end = (clock_seconds(t) for t in change["hours"].split("-"))
                hours += change.get("count", 1) * (end - start) / 3600 * len(change["crossings"])
        reduction = float(-d.loc["severe_per_100k_trips", "diff"])
        ratios = {"staff_hours": lambda: hours, "reduction": lambda: reduction,
                  "per_staff_hour": lambda: reduction / hours,
                  "per_delay_s": lambda: reduction / float(d.loc["trip_time_mean_s", "diff"])}
        return ratios[n["derived"]]()  # only the one asked for: a measure without guards has no hours


def check_numbers(folder: Path, lang: str) -> int:
    """Assert that every tagged number equals its table value; return how many were checked."""
    tables = Tables(folder)
    checked = 0
    for n in numbers(report_html(folder, lang)):
        if n["text"] == "—":
            continue
        if "derived" in n:
            expected, decimals = tables.derived(n), len(n["text"].partition(".")[2])
        elif "src" in n:
            expected = tables.value(n) * float(n["scale"])
            decimals = int(n["decimals"])
            assert len(n["text"].partition(".")[2]) == decimals, n
        else:
            continue
        assert math.isfinite(expected), n
        assert abs(shown(n["text"]) - expected) <= 0.5 * 10.0 ** -decimals + 1e-9, (n, expected)
        checked += 1
    return checked


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_of_the_district_report_equals_the_tables(lang: str) -> None:
    assert check_numbers(district_results(), lang) > 300


def test_every_number_of_the_map_report_equals_the_tables() -> None:
    assert check_numbers(map_results(), "zh") > 200


def test_every_summary_figure_is_in_the_report() -> None:
    folder = district_results()
    tagged = {(n["scenario"], n["metric"]) for n in numbers(report_html(folder, "zh"))
              if n.get("src") == "summary.csv"}
    summary = pd.read_csv(folder / "summary.csv")
    assert set(zip(summary["scenario"], summary["metric"], strict=True)) <= tagged


def test_every_change_with_its_interval_is_in_the_summary() -> None:
    folder = district_results()
    found = {(n["scenario"], n["metric"], n["col"]) for n in numbers(report_html(folder, "zh"))
             if n.get("src") == "differences.csv"}
    diffs = pd.read_csv(folder / "differences.csv")
    for scenario in diffs["scenario"].unique():
        for metric in ("severe_per_100k_trips", "conflicts_per_100_trips", "wait_per_trip_s",
                       "trip_time_mean_s", "late_pct"):
            assert {(scenario, metric, c) for c in ("diff", "ci_low", "ci_high")} <= found


def test_levels_of_service_follow_the_hcm_bands_of_the_mean_wait() -> None:
    folder = district_results()
    page = report_html(folder, "zh")
    tables = Tables(folder)
    bounds = {p["key"]: p["value"] for p in tables.manifest["parameters"]}
    c = tables.crossings[tables.crossings["scenario"] == "现状 Baseline"]
    found = dict(re.findall(r'<td data-los="([^"]+)">([A-F])</td>', page))
    assert len(found) == c["crossing"].nunique()
    for cid, letter in found.items():
        rows = c[c["crossing"] == cid]
        wait = (rows["wait_mean_s"] * rows["uses"]).sum() / rows["uses"].sum()
        key = "hcm.los_signalised" if rows["facility"].iloc[0] == "signal" else "hcm.los_unsignalised"
        expected = next((L for L, b in zip("ABCDE", bounds[key], strict=True) if wait <= b), "F")
        assert letter == expected, (cid, wait)
