"""Calibration: the one link from would-be impacts to casualties, fitted to the baseline casualty level.

Everything else in ``parameters.yaml`` is set from observed behaviour or
physics; only ``calibration.link`` is fitted, and only to the default
baseline's casualty level: severe injuries and deaths per 100,000 walking
school trips (``calibration.severe_per_100k_trips`` and
``calibration.deaths_per_100k_trips``, derived from casualty data in
``docs/calibration-sources.md``). Expected injuries are proportional to the
link (each stage's P = 1 - exp(-link x E) with link x E far below 1), so one
run at link 1 gives the fit: the link that puts both figures, on a log
scale, as close as they can be to the central targets (the geometric mean of
the two ratios; one number cannot fit two when the injury curves' ratio of
severe to fatal differs from the data's). A second run at the fitted link
reports the model's values with 95% intervals over seeds next to every
target, fitted or held out. No parameter is fitted to the effect of any
measure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.experiment import settings_from_scenarios
from simulator.intervals import mean_ci
from simulator.params import Parameters, default_parameters
from simulator.runs import RunResult, run_many
from simulator.scenario.examples import EXAMPLES
from simulator.scenario.load import load_scenario

BASELINE = EXAMPLES / "baseline.yaml"
LINK = "calibration.link"
SEVERE = "severe_per_100k_walking_trips"
"""The run figure compared with the targets: casualty data count walking school trips, so pupils
who walk from home are the denominator (the few metres others walk from a bus or a parent's vehicle
are not a walking trip in the surveys behind the targets)."""
DEATHS = "deaths_per_100k_walking_trips"


@dataclass(frozen=True)
class Target:
    """One observed figure next to the model's value.

    ``observed`` is (low, central, high); ``model`` is (mean, low, high) of a
    95% interval over seeds.
    """

    key: str
    name: str
    unit: str
    observed: tuple[float, float, float]
    source: str
    fitted: bool
    model: tuple[float, float, float]

    @property
    def inside(self) -> bool:
        """True when the model's mean lies within the observed band."""
        return self.observed[0] <= self.model[0] <= self.observed[2]


@dataclass(frozen=True)
class Calibration:
    """The fitted link, the targets and where the risk comes from."""

    link: float
    risk_at_unit_link: float
    seeds: tuple[int, ...]
    targets: tuple[Target, ...]
    by_mode: pd.DataFrame

    def markdown(self) -> str:
        """The targets and the risk by way of crossing as Markdown tables."""
        lines = [
            f"Fitted `{LINK}` = **{self.link:.4g}** (severe injuries at link 1: "
            f"{self.risk_at_unit_link:.4g} per 100,000 trips; {len(self.seeds)} seeds).",
            "",
            "| target | observed (low – central – high) | model (95% interval) | fitted or held out "
            "| inside |",
            "|---|---|---|---|---|",
        ]
        for t in self.targets:
            lo, mid, hi = t.observed
            m, mlo, mhi = t.model
            lines.append(
                f"| {t.name} ({t.unit}) | {_g(lo)} – {_g(mid)} – {_g(hi)} | {_g(m)} ({_g(mlo)}–{_g(mhi)}) "
                f"| {'fitted' if t.fitted else 'held out'} | {'yes' if t.inside else 'no'} |"
            )
        lines += ["", "| way of crossing | crossings per morning | severe per 100,000 trips "
                  "| share of risk |", "|---|---|---|---|"]
        for mode, row in self.by_mode.iterrows():
            lines.append(f"| {mode} | {row['crossings']:.0f} | {_g(row['severe_per_100k_trips'])} "
                         f"| {100 * row['share']:.1f}% |")
        return "\n".join(lines)


def _g(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "—"


def baseline_results(*, link: float, seeds: Sequence[int], workers: int = 1) -> list[RunResult]:
    """The default baseline run at ``link`` for every seed."""
    scenario = load_scenario(BASELINE)
    scenario = scenario.model_copy(update={"parameters": {**scenario.parameters, LINK: float(link)}})
    settings, _ = settings_from_scenarios([(str(BASELINE), scenario)])
    return run_many(settings, seeds, workers=workers)


def calibrate(*, seeds: Sequence[int], workers: int = 1, params: Parameters | None = None) -> Calibration:
    """Fit ``calibration.link`` to the central severe target, then check every target."""
    p = params or default_parameters()
    target = p["calibration.severe_per_100k_trips"]
    first = baseline_results(link=1.0, seeds=seeds, workers=workers)
    at_one = mean_ci([r.summary[SEVERE] for r in first])[0]
    deaths_at_one = mean_ci([r.summary[DEATHS] for r in first])[0]
    link = fit_link(severe=(at_one, float(target[1])),
                    deaths=(deaths_at_one, float(p["calibration.deaths_per_100k_trips"][1])))
    fitted = baseline_results(link=link, seeds=seeds, workers=workers)
    severe = mean_ci([r.summary[SEVERE] for r in fitted])
    deaths = mean_ci([r.summary[DEATHS] for r in fitted])
    red = mean_ci([_red_share(r) for r in fitted])
    trips = "per 100,000 walking school trips"
    targets = (
        _target(p, "calibration.severe_per_100k_trips", "severe injuries", trips, severe, fitted=True),
        _target(p, "calibration.deaths_per_100k_trips", "deaths", trips, deaths, fitted=True),
        _target(p, "calibration.red_crossing_pct", "crossings against the red at signals", "%", red,
                fitted=False),
    )
    return Calibration(link, at_one, tuple(int(s) for s in seeds), targets, _by_mode(fitted))


def _target(p: Parameters, key: str, name: str, unit: str, model: tuple[float, float, float], *,
            fitted: bool) -> Target:
    return Target(key, name, unit, _band(p[key]), p.table[key].source, fitted, model)


def fit_link(*, severe: tuple[float, float], deaths: tuple[float, float]) -> float:
    """The link (at most 1) that brings (model at link 1, target) pairs closest on a log scale."""
    ratios = [target / model for model, target in (severe, deaths) if model > 0 and target > 0]
    if not ratios:
        return 1.0
    return min(math.exp(sum(math.log(r) for r in ratios) / len(ratios)), 1.0)


def _band(values: Sequence[float]) -> tuple[float, float, float]:
    lo, mid, hi = (float(x) for x in values)
    return lo, mid, hi


def _red_share(result: RunResult) -> float:
    """Percentage of at-grade crossings at signals made against the red."""
    ev = result.events
    at_signal = ev[ev["mode"].isin(["red", "green"])]
    n = float(at_signal["children"].sum())
    return 100.0 * float(at_signal.loc[at_signal["mode"] == "red", "children"].sum()) / n if n else math.nan


def _by_mode(results: Sequence[RunResult]) -> pd.DataFrame:
    """Crossings per morning and severe risk per 100,000 trips by way of crossing (mean over seeds)."""
    events = pd.concat([r.events for r in results])
    trips = sum(len(r.trips) for r in results)
    table = events.groupby("mode").agg(crossings=("children", "sum"), severe=("p_severe", "sum"))
    table["crossings"] /= len(results)
    table["severe_per_100k_trips"] = 1e5 * table["severe"] / trips
    total = float(table["severe"].sum())
    table["share"] = table["severe"] / total if total > 0 else 0.0
    return table.sort_values("severe", ascending=False)[["crossings", "severe_per_100k_trips", "share"]]


def write_link(path: str | Path, link: float) -> None:
    """Put the fitted ``calibration.link`` into a parameters file (its one line, nothing else)."""
    text = Path(path).read_text(encoding="utf-8")
    pattern = re.compile(r"^(calibration\.link: \{value: )[^,]+,", re.MULTILINE)
    if not pattern.search(text):
        msg = f"{path}: no line 'calibration.link: {{value: ...,' to write the fitted link into"
        raise ValueError(msg)
    Path(path).write_text(pattern.sub(lambda m: f"{m.group(1)}{link:.4g},", text, count=1), encoding="utf-8")
