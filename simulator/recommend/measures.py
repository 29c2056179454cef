"""Which measures to fund: single measures ranked by risk reduction per cost, and the best set under a budget.

The menu: at each of the base's riskiest crossings, a zebra (where unmarked),
a raised zebra, a signal and a footbridge; a 30 km/h school zone and speed
humps around the gate; a 即停即走 zone with e-bike parking at the gate; 护学岗
guards at the riskiest crossings for the morning peak (their cost is
staff-hours over a school year). Costs are the
``cost.*`` parameters (assumptions, listed in the manifest). Every single
measure is simulated against the base (paired, common random numbers). The
best combination under the budget: the affordable sets of the most
cost-effective singles (no two facilities at one crossing) are ranked by the
sum of their single effects, and the best few are simulated; the best
simulated set is recommended.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.errors import ScenarioError
from simulator.intervals import includes_zero
from simulator.network.gatestreet import GATE_IDS
from simulator.params import default_parameters
from simulator.recommend.base import Evaluator
from simulator.recommend.guards import screening_gains
from simulator.recommend.scenario import one_guard

TARGETS = 3  # riskiest crossings given facility options
SHORTLIST = 6  # most cost-effective singles combined
VERIFY = 3  # combinations simulated
GUARD_HOURS = tuple(default_parameters()["guard.default_hours"].split("-"))  # a guard's (start, end)
ZONE_M = 200.0
KISS_M = 60.0  # the menu's 即停即走 zone: kerb for about nine cars on the school's side
EBIKE_WALK_M = 30.0  # and its e-bike parking, this far from the gate


@dataclass(frozen=True)
class Measure:
    """One candidate measure: its interventions, where it applies, and its cost (10k CNY)."""

    name: str
    kind: str
    crossing: str | None
    cost: float
    interventions: tuple[dict[str, Any], ...]


def menu(ev: Evaluator, targets: list[str]) -> list[Measure]:
    """The candidate measures for this base and its riskiest crossings."""
    p = default_parameters()
    out: list[Measure] = []
    for cid in targets:
        c = ev.network.crossings[cid]
        label = f"{cid} {c.name}".strip()
        options = [("zebra", "zebra")] if c.facility == "unmarked" else []
        if c.facility in ("unmarked", "zebra"):
            options.append(("raised", "raised"))
        if c.facility != "signal":
            options.append(("signal", "signal"))
        if cid not in GATE_IDS:  # children let out at the gate walk no route a bridge could carry
            options.append(("footbridge", "footbridge"))
        for kind, facility in options:
            change: dict[str, Any] = {"type": "facility", "crossings": [cid], "facility": facility}
            if facility == "signal":
                change["signal"] = {"cycle": 90, "walk": 20, "offset": 0}
            out.append(Measure(f"{kind} @ {label}", kind, cid, p[f"cost.{kind}"], (change,)))
        guard = one_guard(cid, hours="-".join(GUARD_HOURS), staff_type="auxiliary_police")
        out.append(
            Measure(
                f"guard @ {label}",
                "guard",
                cid,
                _guard_cost(),
                (guard,),
            )
        )
    zone = {"radius_m": ZONE_M}
    out.append(
        Measure(
            "school zone 30 km/h",
            "school_zone",
            None,
            p["cost.school_zone"],
            ({"type": "speed_limit", "limit_kmh": 30, "zone": zone, "hours": "07:00-08:30"},),
        )
    )
    out.append(
        Measure(
            "speed humps in the school zone",
            "humps",
            None,
            p["cost.humps"],
            ({"type": "humps", "zone": zone},),
        )
    )
    out.append(Measure("即停即走 zone + e-bike parking", "kiss_and_ride", None,
                       p["cost.kiss_and_ride"], ({"type": "kiss_and_ride", "length_m": KISS_M},
                                                 {"type": "ebike_parking", "walk_m": EBIKE_WALK_M})))
    return out


def cheapest_cost() -> float:
    """The cost of the cheapest measure on the menu, 10k CNY."""
    p = default_parameters()
    kinds = ("zebra", "raised", "signal", "footbridge", "school_zone", "humps", "kiss_and_ride")
    return min(min(p[f"cost.{k}"] for k in kinds), _guard_cost())


def _guard_cost() -> float:
    p = default_parameters()
    (h0, m0), (h1, m1) = (map(int, t.split(":")) for t in GUARD_HOURS)
    return p["cost.guard_hour"] * ((h1 * 60 + m1) - (h0 * 60 + m0)) / 60 * p["cost.school_days"]


def recommend_measures(ev: Evaluator, *, budget: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank single measures and pick the best affordable set; returns (singles, combinations)."""
    cheapest = cheapest_cost()
    if not math.isfinite(budget) or budget < cheapest:
        msg = (f"--budget: {budget:g} is not allowed (allowed: at least the cheapest measure, "
               f"{cheapest:g} (10k CNY))")
        raise ScenarioError(msg)
    base = ev.variant(ev.base.name, [])
    ev.run([base])
    targets = target_crossings(ev, base.name)
    measures = menu(ev, targets)
    singles = [ev.variant(m.name, m.interventions) for m in measures]
    ev.run(singles)
    rows = []
    for m in measures:
        risk, delay = ev.change(m.name, base.name), ev.change(m.name, base.name, "wait_per_trip_s")
        rows.append(
            {
                "measure": m.name,
                "kind": m.kind,
                "crossing": m.crossing,
                "cost": m.cost,
                "risk_change": risk[0],
                "risk_ci_low": risk[1],
                "risk_ci_high": risk[2],
                "wait_change_s": delay[0],
                "significant": not includes_zero(risk[1], risk[2]),
                "risk_reduction_per_cost": -risk[0] / m.cost if m.cost else 0.0,
                "affordable": m.cost <= budget,
            }
        )
    singles_table = pd.DataFrame(rows).sort_values(
        "risk_reduction_per_cost", ascending=False, ignore_index=True
    )
    return singles_table, _best_sets(ev, base.name, measures, singles_table, budget)


def target_crossings(ev: Evaluator, base_name: str) -> list[str]:
    """The base's :data:`TARGETS` riskiest crossings over the whole morning (they get facility options)."""
    # with a period, the window is in clock seconds and the events count from the period's start
    period = ev.base.period
    window = (0.0, 86400.0) if period is None else period.seconds()
    gains = screening_gains(ev, base_name, window, window[0])
    return list(gains["crossing"][:TARGETS])


def _best_sets(
    ev: Evaluator, base: str, measures: list[Measure], singles: pd.DataFrame, budget: float
) -> pd.DataFrame:
    by_name = {m.name: m for m in measures}
    short = [by_name[n] for n in singles[(singles["risk_change"] < 0) & singles["affordable"]]["measure"]][
        :SHORTLIST
    ]
    effect = dict(zip(singles["measure"], singles["risk_change"], strict=True))
    sets = []
    for k in range(1, len(short) + 1):
        for combo in itertools.combinations(short, k):
            places = [m.crossing for m in combo if m.crossing is not None and m.kind != "guard"]
            if len(places) != len(set(places)) or sum(m.cost for m in combo) > budget:
                continue
            sets.append((sum(effect[m.name] for m in combo), combo))
    sets.sort(key=lambda s: (s[0], sum(m.cost for m in s[1])))
    rows = []
    for estimate, combo in sets[:VERIFY]:
        name = " + ".join(m.name for m in combo)
        variant = ev.variant(name, [i for m in combo for i in m.interventions])
        ev.run([variant])
        risk = ev.change(name, base)
        rows.append(
            {
                "measures": name,
                "cost": sum(m.cost for m in combo),
                "estimated_change": estimate,
                "risk_change": risk[0],
                "risk_ci_low": risk[1],
                "risk_ci_high": risk[2],
                "wait_change_s": ev.change(name, base, "wait_per_trip_s")[0],
            }
        )
    return pd.DataFrame(rows).sort_values("risk_change", ignore_index=True) if rows else pd.DataFrame(rows)
