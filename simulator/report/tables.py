"""The report's numbers, computed from the results tables in one documented way each.

Per crossing (over the seeds of one scenario; a seed in which nobody used a
crossing counts as zero uses, conflicts and risk):

- ``uses``, ``conflicts``, ``severe``, ``deaths``: mean per morning
  (sum over seeds / number of seeds);
- ``wait_mean_s``, ``red_light_pct``: mean over every use (weighted by uses);
- ``wait_p95_s``: mean over the seeds that used it of each morning's 95th percentile;
- ``los``: the HCM level of service of ``wait_mean_s`` (bounds from the manifest).

Per scenario, the figures are ``summary.csv`` (mean and 95% CI over seeds) and
``differences.csv`` (paired change from the baseline) as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from simulator.report.results import Results
from simulator.scenario import FacilityChange, GuardPost, Scenario

STATIC = ("facility", "road", "highway", "lanes", "length_m", "speed_limit_kmh", "p85_kmh", "volume_vph",
          "x", "y", "inferred")


def crossing_stats(results: Results, scenario: str) -> pd.DataFrame:
    """One row per crossing used in ``scenario`` (index: crossing id), sorted by expected severe risk.

    Columns: the crossing's description (:data:`STATIC`), ``guarded``, and the
    aggregates of the module docstring.
    """
    rows = results.crossings[results.crossings["scenario"] == scenario]
    n = len(results.seeds)
    g = rows.assign(
        wait_x_uses=rows["wait_mean_s"] * rows["uses"],
        red_x_uses=rows["red_light_pct"] * rows["uses"],
    ).groupby("crossing", sort=True)
    sums = g[["uses", "conflicts", "p_severe_sum", "p_death_sum", "wait_x_uses", "red_x_uses"]].sum()
    out = g[[c for c in STATIC if c in rows.columns]].first()
    out["road"] = out["road"].fillna("")
    out["guarded"] = g["guarded"].any()
    out["uses"] = sums["uses"] / n
    out["wait_mean_s"] = sums["wait_x_uses"] / sums["uses"]
    out["wait_p95_s"] = g["wait_p95_s"].mean()
    out["conflicts"] = sums["conflicts"] / n
    out["severe"] = sums["p_severe_sum"] / n
    out["deaths"] = sums["p_death_sum"] / n
    out["red_light_pct"] = sums["red_x_uses"] / sums["uses"]
    bounds = _los_bounds(results)
    out["los"] = [
        los_letter(w, bounds["signal" if f == "signal" else "other"])
        for w, f in zip(out["wait_mean_s"], out["facility"], strict=True)
    ]
    return out.sort_values(["severe", "conflicts", "uses"], ascending=False, kind="stable")


def los_letter(wait: float, bounds: Sequence[float]) -> str:
    """HCM pedestrian level of service A–F of a mean wait (s), given the A–E upper bounds."""
    for letter, bound in zip("ABCDE", bounds, strict=True):
        if wait <= bound:
            return letter
    return "F"


def _los_bounds(results: Results) -> dict[str, Sequence[float]]:
    values = {row["key"]: row["value"] for row in results.manifest["parameters"]}
    return {
        "signal": values.get("hcm.los_signalised", [10, 20, 30, 40, 60]),
        "other": values.get("hcm.los_unsignalised", [5, 10, 20, 30, 45]),
    }


def summary_value(results: Results, scenario: str, metric: str) -> pd.Series:
    """The ``summary.csv`` row (mean, ci_low, ci_high, seeds) of one scenario and figure."""
    s = results.summary
    return s[(s["scenario"] == scenario) & (s["metric"] == metric)].iloc[0]


def difference(results: Results, scenario: str, metric: str) -> pd.Series:
    """The ``differences.csv`` row (diff, ci_low, ci_high, significant, ...) of one alternative and figure."""
    d = results.differences
    return d[(d["scenario"] == scenario) & (d["metric"] == metric)].iloc[0]


def trip_figures(results: Results, scenario: str) -> dict[str, float]:
    """Per-morning figures from ``trips.csv``: crossings per trip and per morning, escorted share."""
    t = results.trips[results.trips["scenario"] == scenario]
    n = len(results.seeds)
    return {
        "crossings_per_trip": float(t["crossings"].mean()),
        "crossings_per_morning": float(t["crossings"].sum()) / n,
        "escorted_pct": 100.0 * float(t["escorted"].astype(bool).mean()),
    }


@dataclass(frozen=True)
class Measure:
    """One alternative's effect and what it costs.

    ``staff_hours`` is the guard time per morning (count x hours x crossings of
    its 护学岗 posts; 0 without guards). ``per_staff_hour`` is the severe-risk
    reduction (per 100,000 trips) per staff-hour; ``per_delay_s`` the reduction
    per second of added mean trip time, None where the trip time does not grow
    (``saves_time``) or the measure has no guards (``per_staff_hour``).
    """

    scenario: str
    reduction: float  # severe per 100k trips, positive = safer
    significant: bool
    delay_s: float  # change of mean trip time, s
    delay_significant: bool
    staff_hours: float
    guards_only: bool  # every intervention of the scenario is a guard post
    per_staff_hour: float | None
    per_delay_s: float | None
    saves_time: bool


def staff_hours(scenario: Scenario) -> float:
    """Guard staff-hours per morning: count x hours on duty x crossings, summed over posts."""
    total = 0.0
    for post in scenario.interventions_of(GuardPost):
        a, b = post.hours.seconds()
        total += post.count * (b - a) / 3600.0 * len(post.crossings)
    return total


def measures(results: Results, scenarios: Mapping[str, Scenario]) -> list[Measure]:
    """The effect and cost of every alternative, from ``differences.csv``."""
    out = []
    for name in results.alternatives:
        risk = difference(results, name, "severe_per_100k_trips")
        delay = difference(results, name, "trip_time_mean_s")
        reduction = -float(risk["diff"])
        hours = staff_hours(scenarios[name])
        added = float(delay["diff"])
        saves = added < 0 and bool(delay["significant"])
        out.append(Measure(
            scenario=name,
            reduction=reduction,
            significant=bool(risk["significant"]),
            delay_s=added,
            delay_significant=bool(delay["significant"]),
            staff_hours=hours,
            guards_only=bool(scenarios[name].interventions)
            and all(isinstance(c, GuardPost) for c in scenarios[name].interventions),
            per_staff_hour=reduction / hours if hours > 0 else None,
            per_delay_s=reduction / added if added > 0 and bool(delay["significant"]) else None,
            saves_time=saves,
        ))
    return out


@dataclass(frozen=True)
class Best:
    """The measures that stand out: most risk reduction overall, per staff-hour, per unit of delay."""

    overall: Measure | None
    per_staff_hour: Measure | None
    per_delay: Measure | None


def best_measures(found: Sequence[Measure]) -> Best:
    """Pick the best of the measures that reduce risk (point estimate > 0).

    Per staff-hour, scenarios made of guard posts only are compared (others
    would credit the guards with the effect of their other measures) unless
    there are none.

    Per unit of delay, a measure that reduces risk and saves time beats any
    that costs time; among those that cost time the highest reduction per
    second wins; a measure whose trip-time change is within noise counts as
    costing no time.
    """
    safer = [m for m in found if m.reduction > 0]
    overall = max(safer, key=lambda m: m.reduction, default=None)
    # a scenario that combines guards with other measures would credit the guards with all of its effect
    staffed = [m for m in safer if m.per_staff_hour is not None and m.guards_only] or [
        m for m in safer if m.per_staff_hour is not None]
    per_staff = max(staffed, key=lambda m: m.per_staff_hour or 0.0, default=None)

    def delay_rank(m: Measure) -> tuple[int, float]:
        if m.saves_time or m.per_delay_s is None:
            return (1, m.reduction)
        return (0, m.per_delay_s)

    per_delay = max(safer, key=delay_rank, default=None)
    return Best(overall, per_staff, per_delay)


def changed_crossings(scenario: Scenario) -> list[str]:
    """Crossing ids that a scenario's facility changes and guard posts name, in file order."""
    ids: list[str] = []
    for change in scenario.interventions:
        if isinstance(change, FacilityChange | GuardPost):
            ids.extend(c for c in change.crossings if c not in ids)
    return ids


def finite(x: float | None) -> bool:
    """True for a real number (not None, NaN or infinite)."""
    return x is not None and math.isfinite(x)
