"""Safe routes to publish (上学路线图): per home, the lowest-risk route within a detour bound.

Crossing risk per use comes from :mod:`simulator.hazard` (typical children at
each crossing's own kerb); each home's recommended route is the least risky
of the shortest paths under a range of prices of risk, never longer than
``1 + max_detour`` times its ordinary route and never crossing informally.
The scenario "a share of children follows the published routes" is then
simulated against the base with common random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from simulator.errors import ScenarioError
from simulator.hazard import crossing_hazards
from simulator.intervals import includes_zero
from simulator.recommend.base import Evaluator
from simulator.routing import RouteChoice, path_risk, recommended_routes


@dataclass(frozen=True)
class RoutesAdvice:
    """The recommended routes, how many children they move, and what following them does."""

    table: pd.DataFrame  # one row per home
    changed_share: float  # expected share of children whose route changes
    routes: dict[str, RouteChoice]
    changes: pd.DataFrame  # paired changes of every summary figure, base -> following


def recommend_routes(ev: Evaluator, *, max_detour: float = 0.2, compliance: float = 0.6) -> RoutesAdvice:
    """Find the routes and evaluate the scenario where ``compliance`` of the children follow them."""
    if not 0 <= max_detour <= 1:
        msg = f"--max-detour: {max_detour:g} is not allowed (allowed: a share 0–1, e.g. 0.2 for +20%)"
        raise ScenarioError(msg)
    if not 0 <= compliance <= 1:
        msg = f"--compliance: {compliance:g} is not allowed (allowed: a share 0–1 of the children)"
        raise ScenarioError(msg)
    base = ev.variant(ev.base.name, [])
    setting = ev.setting(base)
    hazard = crossing_hazards(setting)
    routes = recommended_routes(
        setting.network, dict(setting.routes), hazard, params=setting.params, max_detour=max_detour
    )
    weights = setting.home_weights
    total = sum(weights.get(h, 1.0) for h in routes) or 1.0
    rows = []
    for home, choice in sorted(routes.items()):
        rec = choice.recommended or choice.compliant
        rows.append(
            {
                "home": home,
                "share": weights.get(home, 1.0) / total,
                "route_m": round(choice.compliant.length, 1),
                "recommended_m": round(rec.length, 1),
                "detour_pct": round(100 * (rec.length / choice.compliant.length - 1), 1)
                if choice.compliant.length
                else 0.0,
                "risk_route": path_risk(choice.compliant, hazard),
                "risk_recommended": path_risk(rec, hazard),
                "changed": rec.nodes != choice.compliant.nodes,
                "crossings_recommended": " ".join(rec.crossings),
            }
        )
    table = pd.DataFrame(rows)
    changed_share = float(table.loc[table["changed"], "share"].sum()) if len(table) else 0.0
    follow = ev.variant(
        "上学路线图 Recommended routes",
        [{"type": "recommended_routes", "compliance": compliance, "max_detour": max_detour}],
    )
    ev.run([base, follow])
    changes = pd.DataFrame(
        [
            {"metric": key, "diff": d[0], "ci_low": d[1], "ci_high": d[2],
             "significant": not includes_zero(d[1], d[2])}
            for key in ev.results[base.name][0].summary
            if key != "children"
            for d in [ev.change(follow.name, base.name, key)]
        ]
    )
    return RoutesAdvice(table, changed_share, routes, changes)
