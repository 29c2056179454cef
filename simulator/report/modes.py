"""The report's section on how pupils arrive and which vehicles hurt them (到校方式与车辆类型).

Per scenario and arrival mode (the ``arrival_mode`` column of ``trips.csv``,
:data:`simulator.arrival.TRIP_MODES`):

- ``pupils_pct``: share of pupils, %: per seed 100 × the mode's trips / all
  trips, then the mean and 95% interval over seeds
  (:func:`simulator.intervals.mean_ci`, bounds [0, 100]);
- the share of the expected severe injuries borne by the mode's pupils, %:
  ``severe_share_<mode>_pct`` of ``summary.csv`` as it is;
- ``severe_100k``: expected severe injuries per 100,000 trips of that mode:
  per seed 10⁵ × the sum of the mode's ``p_severe`` / its trips, over the
  seeds in which some pupil arrived that way, then ``mean_ci`` (bounds [0, ∞)).

Per scenario, the share of the expected severe injuries caused by
two-wheelers (e-bikes and bicycles: ``twowheeler_severe_share_pct``) and by
motor vehicles (the rest: 100 − that share, its interval mirrored).

Every number is a tagged ``<span class="num">`` (:func:`simulator.report.format.num`):
``summary.csv`` figures with ``data-src``; those computed here from
``trips.csv`` with ``data-origin="trips.csv"``, the scenario, the mode and the column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from simulator.arrival import TRIP_MODES
from simulator.intervals import mean_ci
from simulator.metric import METRICS
from simulator.report.content import Codes, summary_cell
from simulator.report.format import CROSSING_DECIMALS, ci
from simulator.report.results import Results
from simulator.report.tables import summary_value
from simulator.report.texts import capitalised, mode_name, scenario_label

PUPILS_DECIMALS = 1
RATE_DECIMALS = METRICS["severe_per_100k_trips"].decimals
TWOWHEELER = "twowheeler_severe_share_pct"
TRIPS = "trips.csv"


def share_metric(mode: str) -> str:
    """The ``summary.csv`` figure of the share of severe risk borne by ``mode``'s pupils."""
    return f"severe_share_{mode}_pct"


def mode_table(results: Results) -> pd.DataFrame | None:
    """One row per scenario and arrival mode (module docstring); None without an ``arrival_mode`` column.

    Columns: ``scenario``, ``mode``, ``trips`` (over every seed), ``pupils_pct``,
    ``pupils_low``, ``pupils_high``, ``severe_100k``, ``severe_low``, ``severe_high``.
    """
    if "arrival_mode" not in results.trips:
        return None
    return mode_figures(results.trips, results.scenarios, results.seeds)


def mode_figures(trips: pd.DataFrame, scenarios: Sequence[str], seeds: Sequence[int]) -> pd.DataFrame:
    """:func:`mode_table` of a trip table with ``scenario``, ``seed``, ``arrival_mode`` and ``p_severe``.

    Every scenario ran with every seed (a run has at least one trip).
    """
    counts = trips.groupby(["scenario", "seed", "arrival_mode"]).size()
    severe = trips.groupby(["scenario", "seed", "arrival_mode"])["p_severe"].sum()
    totals = trips.groupby(["scenario", "seed"]).size()
    modes = list(TRIP_MODES) + sorted(set(trips["arrival_mode"].astype(str)) - set(TRIP_MODES))
    rows = []
    for name in scenarios:
        for mode in modes:
            n = [int(counts.get((name, seed, mode), 0)) for seed in seeds]
            pct = [100.0 * k / int(totals[(name, seed)]) for k, seed in zip(n, seeds, strict=True)]
            rates = [1e5 * float(severe[(name, seed, mode)]) / k
                     for k, seed in zip(n, seeds, strict=True) if k > 0]
            p, p_lo, p_hi = mean_ci(pct, bounds=(0.0, 100.0))
            r, r_lo, r_hi = mean_ci(rates, bounds=(0.0, math.inf)) if rates else (math.nan,) * 3
            rows.append({"scenario": name, "mode": mode, "trips": sum(n), "pupils_pct": p, "pupils_low": p_lo,
                         "pupils_high": p_hi, "severe_100k": r, "severe_low": r_lo, "severe_high": r_hi})
    return pd.DataFrame(rows)


PUPILS = ("pupils_pct", "pupils_low", "pupils_high")
RATE = ("severe_100k", "severe_low", "severe_high")


def _trips_cell(row: Mapping[str, Any], cols: tuple[str, str, str], decimals: int) -> Markup:
    """Mean [95% CI] of a figure computed from ``trips.csv``, tagged with its scenario, mode and columns."""
    value, low, high = (float(row[c]) for c in cols)
    return ci(value, low, high, decimals, cols=cols, origin=TRIPS, scenario=row["scenario"], mode=row["mode"])


def _share_cell(results: Results, scenario: str, mode: str) -> Markup:
    metric = share_metric(mode)
    if not (results.summary["metric"] == metric).any():
        return Markup("—")
    return summary_cell(results, scenario, metric)


def mode_rows(results: Results, table: pd.DataFrame, codes: Codes, lang: str) -> list[dict[str, Any]]:
    """Per scenario, its arrival modes that some pupil used: pupils (%), share of risk (%), risk per mode."""
    out = []
    for name in results.scenarios:
        mine = table[(table["scenario"] == name) & (table["trips"] > 0)]
        out.append({
            "code": codes.code[name],
            "name": scenario_label(name, lang),
            "rows": [{"key": r["mode"], "mode": mode_name(str(r["mode"]), lang),
                      "pupils": _trips_cell(r, PUPILS, PUPILS_DECIMALS),
                      "share": _share_cell(results, name, str(r["mode"])),
                      "rate": _trips_cell(r, RATE, RATE_DECIMALS)}
                     for r in mine.to_dict("records")],
        })
    return out


def _part_cell(results: Results, scenario: str, metric: str) -> Markup:
    """A ``summary.csv`` figure that is a part of the school's risk: one digit more than the school's."""
    row = summary_value(results, scenario, metric)
    return ci(row["mean"], row["ci_low"], row["ci_high"], CROSSING_DECIMALS, col="mean", src="summary.csv",
              scenario=scenario, metric=metric)


def vehicle_rows(results: Results, codes: Codes, lang: str) -> list[dict[str, Any]]:
    """Per scenario: severe risk and the parts caused by two-wheelers and motor vehicles, with intervals."""
    decimals = METRICS[TWOWHEELER].decimals
    out = []
    for name in results.scenarios:
        tw = summary_value(results, name, TWOWHEELER)
        total = float(summary_value(results, name, "severe_per_100k_trips")["mean"])
        if total > 0:  # the rest of the risk, caused by motor vehicles: 100 − the two-wheelers' share
            motor = ci(100.0 - float(tw["mean"]), 100.0 - float(tw["ci_high"]), 100.0 - float(tw["ci_low"]),
                       decimals, cols=("100-mean", "100-ci_high", "100-ci_low"), origin="summary.csv",
                       scenario=name, metric=TWOWHEELER)
        else:
            motor = Markup("—")
        out.append({"code": codes.code[name], "name": scenario_label(name, lang),
                    "severe": summary_cell(results, name, "severe_per_100k_trips"),
                    "twowheeler": summary_cell(results, name, TWOWHEELER),
                    "twowheeler_100k": _part_cell(results, name, "severe_twowheeler_per_100k_trips"),
                    "motor": motor})
    return out


def arrival_context(results: Results, codes: Codes, lang: str) -> dict[str, Any]:
    """Everything the section shows: the tables, the modes nobody used, the baseline's walking figures."""
    table = mode_table(results)
    if table is None:
        return {"available": False, "table": None}
    used = set(table.loc[table["trips"] > 0, "mode"])
    base = results.baseline
    return {
        "available": True,
        "table": table,
        "scenarios": mode_rows(results, table, codes, lang),
        "vehicles": vehicle_rows(results, codes, lang),
        "absent": [mode_name(m, lang) for m in TRIP_MODES if m not in used],
        "walking": summary_cell(results, base, "walking_trips_pct", with_ci=False),
        "walking_severe": summary_cell(results, base, "severe_per_100k_walking_trips"),
        "base_twowheeler": summary_cell(results, base, TWOWHEELER),
        "head_severe": capitalised(METRICS["severe_per_100k_trips"].label(lang)),
        "head_twowheeler": capitalised(METRICS["severe_twowheeler_per_100k_trips"].label(lang)),
    }

