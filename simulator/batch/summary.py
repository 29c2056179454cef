"""Across schools: each scenario's figures per network, the change from the baseline, a ranking.

``summary``: one row per network x scenario x figure: the mean over seeds with
its 95% CI and, for alternatives, the paired difference from the sweep's
baseline on the same network and seeds (common random numbers;
:func:`simulator.runs.paired_differences`) with its CI and whether it is
significant (the CI excludes zero).

``schools``: one row per network, ranked by the baseline's expected severe
injuries per 100,000 trips (rank 1 = the highest child risk), with its expected
severe injuries and deaths a year at the school and the measure that reduces
the risk most among those whose reduction is significant (empty when none is).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulator.metrics import SUMMARY_FIELDS
from simulator.runs import RunResult, paired_differences, summary_table

RISK = "severe_per_100k_trips"
EMPTY = pd.DataFrame()


def summary_tables(runs: pd.DataFrame, *, baseline: str, networks: list[str]) -> tuple[pd.DataFrame,
                                                                                        pd.DataFrame]:
    """The ``summary`` and ``schools`` tables from the ``runs`` table (see the module docstring)."""
    parts, schools = [], []
    for network in networks:
        mine = runs[runs["network"] == network]
        if mine.empty:
            continue
        results = [RunResult(str(r["scenario"]), int(r["seed"]), {k: float(r[k]) for k in SUMMARY_FIELDS},
                             EMPTY, EMPTY, EMPTY) for _, r in mine.iterrows()]
        summary = summary_table(results)
        base_seeds = {r.seed for r in results if r.scenario == baseline}
        paired = [r for r in results if r.scenario == baseline or r.seed in base_seeds]
        diffs = paired_differences(paired, baseline=baseline) if base_seeds else pd.DataFrame()
        if len(diffs):
            diffs = diffs.rename(columns={"ci_low": "diff_ci_low", "ci_high": "diff_ci_high",
                                          "seeds": "paired_seeds"}).drop(columns=["baseline"])
            summary = summary.merge(diffs, on=["scenario", "metric"], how="left")
        summary.insert(0, "network", network)
        parts.append(summary)
        schools.append(_school_row(network, mine, summary, baseline))
    columns = ["network", "scenario", "metric", "mean", "ci_low", "ci_high", "seeds", "diff", "diff_ci_low",
               "diff_ci_high", "pct", "pct_low", "pct_high", "paired_seeds", "significant"]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    table = table.reindex(columns=columns)
    ranking = pd.DataFrame(schools, columns=_SCHOOL_COLUMNS)
    if len(ranking):
        ranking = ranking.sort_values(["baseline_severe_per_100k_trips", "network"], ascending=[False, True],
                                      na_position="last", kind="stable").reset_index(drop=True)
        ranking.insert(0, "rank", range(1, len(ranking) + 1))
    else:
        ranking.insert(0, "rank", pd.Series(dtype="int64"))
    return table, ranking


_SCHOOL_COLUMNS = ["network", "school", "map", "baseline", "baseline_seeds", "baseline_severe_per_100k_trips",
                   "baseline_ci_low", "baseline_ci_high", "baseline_deaths_per_100k_trips",
                   "baseline_severe_per_year", "baseline_deaths_per_year", "baseline_conflicts_per_100_trips",
                   "best_measure", "best_diff", "best_diff_ci_low", "best_diff_ci_high", "best_pct",
                   "measures_significant"]


def _school_row(network: str, runs: pd.DataFrame, summary: pd.DataFrame, baseline: str) -> dict[str, object]:
    def base(metric: str, column: str = "mean") -> float:
        row = summary[(summary["scenario"] == baseline) & (summary["metric"] == metric)]
        return float(row[column].iloc[0]) if len(row) else math.nan

    row: dict[str, object] = {
        "network": network, "school": str(runs["school"].iloc[0]), "map": str(runs["map"].iloc[0]),
        "baseline": baseline, "baseline_seeds": int((runs["scenario"] == baseline).sum()),
        "baseline_severe_per_100k_trips": base(RISK), "baseline_ci_low": base(RISK, "ci_low"),
        "baseline_ci_high": base(RISK, "ci_high"),
        "baseline_deaths_per_100k_trips": base("deaths_per_100k_trips"),
        "baseline_severe_per_year": base("severe_per_year"),
        "baseline_deaths_per_year": base("deaths_per_year"),
        "baseline_conflicts_per_100_trips": base("conflicts_per_100_trips"),
        "best_measure": "", "best_diff": math.nan, "best_diff_ci_low": math.nan,
        "best_diff_ci_high": math.nan, "best_pct": math.nan, "measures_significant": 0,
    }
    if "significant" not in summary:
        return row
    significant = summary["significant"].map(_true).astype(bool)
    helps = summary[(summary["metric"] == RISK) & significant & (summary["diff"] < 0)]
    row["measures_significant"] = len(helps)
    if len(helps):
        best = helps.sort_values(["diff", "scenario"], kind="stable").iloc[0]
        row.update({"best_measure": best["scenario"], "best_diff": float(best["diff"]),
                    "best_diff_ci_low": float(best["diff_ci_low"]),
                    "best_diff_ci_high": float(best["diff_ci_high"]), "best_pct": float(best["pct"])})
    return row


def _true(value: object) -> bool:
    """True only for a true boolean (NaN on the baseline's rows is not)."""
    return isinstance(value, bool | np.bool_) and bool(value)
