"""The demo: a baseline and the standard alternatives, on the default district or on any map.

On the default district the alternatives are the files in ``scenarios/``. On
a map there are no hand-picked crossing ids, so the alternatives target the
map's own riskiest crossings, found by a short baseline run: a signal, a
footbridge and 护学岗 guards there, a 30 km/h school zone with raised
crossings near the gate, no drop-off near the gate, a 即停即走 zone with
e-bike parking at the gate, and all combined.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.crossing import INFORMAL_SUFFIX
from simulator.errors import ScenarioError
from simulator.experiment import built_site, setting_from_scenario, settings_from_scenarios
from simulator.params import default_parameters
from simulator.runs import run_many
from simulator.scenario import scenario_from_mapping
from simulator.scenario.examples import EXAMPLES
from simulator.setting import Setting

DEMO_FILES = (
    "baseline.yaml",
    "school-zone-30.yaml",
    "arterial-signal.yaml",
    "footbridge.yaml",
    "guard-posts.yaml",
    "no-dropoff.yaml",
    "gate-kiss-and-ride.yaml",
    "combined.yaml",
)
TARGETS = 2
ZONE_M = 200.0
RANKING_SEEDS = (1, 2, 3)


def demo_scenario_files() -> list[Path]:
    """The baseline and alternatives ``saferoute demo`` runs (the package's example scenarios)."""
    folder = EXAMPLES
    missing = [name for name in DEMO_FILES if not (folder / name).is_file()]
    if missing:
        msg = f"{folder}: demo scenario file(s) missing: {', '.join(missing)}"
        raise ScenarioError(msg)
    return [folder / name for name in DEMO_FILES]


def riskiest_crossings(crossings: pd.DataFrame, *, k: int = TARGETS) -> list[str]:
    """The ``k`` at-grade crossings with the most expected severe injuries (then conflicts, then use)."""
    at_grade = crossings[
        ~crossings["facility"].isin(["footbridge", "underpass"])
        & ~crossings["crossing"].str.endswith(INFORMAL_SUFFIX)
    ]
    ranked = (
        at_grade.groupby("crossing")[["p_severe_sum", "conflicts", "uses"]]
        .sum()
        .sort_values(["p_severe_sum", "conflicts", "uses"], ascending=False)
    )
    return list(ranked.index[:k])


def demo_settings_for_map(
    site: Mapping[str, Any], *, workers: int = 1
) -> tuple[list[Setting], dict[str, Any]]:
    """The demo's scenarios on a map site, targeted at that map's riskiest crossings."""
    origin = "--map/--school"
    base = scenario_from_mapping(
        {"name": "现状 Baseline", "site": dict(site), "enforcement": "normal"}, origin=origin
    )
    street_site, network = built_site(base, origin=origin)
    baseline = setting_from_scenario(base, site=street_site, network=network, origin=origin)
    results = run_many([baseline], RANKING_SEEDS, workers=workers)
    targets = riskiest_crossings(pd.concat([r.crossings for r in results]))
    sx, sy = street_site.school.x, street_site.school.y
    near_gate = sorted(
        cid
        for cid, c in network.crossings.items()
        if c.facility in ("unmarked", "zebra")
        and not c.informal
        and not c.arterial
        and math.hypot(c.x - sx, c.y - sy) <= ZONE_M
    )
    zone = [{"type": "speed_limit", "limit_kmh": 30, "zone": {"radius_m": ZONE_M}, "hours": "07:00-08:30"}]
    if near_gate:
        zone.append({"type": "facility", "crossings": near_gate, "facility": "raised"})
    signal = [
        {
            "type": "facility",
            "crossings": targets,
            "facility": "signal",
            "signal": {"cycle": 90, "walk": 20, "offset": 0},
        }
    ]
    guards = [
        {
            "type": "guard",
            "crossings": targets,
            "hours": default_parameters()["guard.default_hours"],
            "staff": "auxiliary_police",
            "count": 2,
        }
    ]
    dropoff = [{"type": "dropoff_ban", "radius_m": 150}]
    plans: dict[str, list[dict[str, Any]]] = {
        "30 km/h校园区 School zone 30 + raised crossings": zone,
        "干道信号灯 Signal at the riskiest crossings": signal,
        "人行天桥 Footbridges at the riskiest crossings": [
            {"type": "facility", "crossings": targets, "facility": "footbridge"}
        ],
        "护学岗 Guard posts at the riskiest crossings": guards,
        "禁停区 No drop-off near the gate": dropoff,
        "即停即走区 Kiss-and-ride zone and e-bike parking": [{"type": "kiss_and_ride", "length_m": 60},
                                                             {"type": "ebike_parking", "walk_m": 30}],
        "综合方案 All combined": [*zone, *signal, *guards, *dropoff, {"type": "education", "share": 1.0}],
    }
    scenarios = [(origin, base)]
    for name, interventions in plans.items():
        if not targets and any("crossings" in i and i["crossings"] is targets for i in interventions):
            continue
        data = {
            "name": name,
            "site": dict(site),
            "enforcement": "normal",
            "description": f"targets: {', '.join(targets) or 'none'}",
            "interventions": interventions,
        }
        scenarios.append((origin, scenario_from_mapping(data, origin=origin)))
    return settings_from_scenarios(scenarios)
