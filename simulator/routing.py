"""Routes from every home to the school over the walk graph.

Two route sets are computed once per scenario with one Dijkstra each from the
school: the *compliant* routes (only real crossing facilities) and the
*shortcut* routes, which may cross at grade under a footbridge. Costs are
equivalent metres: length plus the climb of grade-separated crossings turned
into walking distance. A child whose compliant route costs much more than
the shortcut avoids the bridge with a logistic probability.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from simulator.crossing import Crossing
from simulator.errors import NetworkError
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters


@dataclass(frozen=True)
class Leg:
    """Walk ``distance`` metres, then cross ``crossing`` (None at the school) from side ``near``."""

    distance: float
    crossing: str | None
    near: int


@dataclass(frozen=True)
class Route:
    """One route from a home to the school."""

    legs: tuple[Leg, ...]
    length: float
    nodes: tuple
    cost: float

    @property
    def crossings(self) -> tuple[str, ...]:
        """Crossing ids in walking order."""
        return tuple(leg.crossing for leg in self.legs if leg.crossing is not None)


@dataclass(frozen=True)
class RouteChoice:
    """The routes a home's children may take."""

    compliant: Route
    shortcut: Route
    shortest_length: float
    recommended: Route | None = None


def _weight(
    crossings: dict[str, Crossing], params: Parameters, *, allow_informal: bool,
    hazard: dict[str, float] | None = None, metres_per_risk: float = 0.0,
):
    climb_m = params["child.walk_speed_age6"] / params["grade.stair_vertical_speed"]

    def weight(u, v, data) -> float | None:
        cid = data.get("crossing")
        if cid is None:
            return data["length"]
        c = crossings[cid]
        if c.informal and not allow_informal:
            return None
        extra = metres_per_risk * hazard.get(cid, 0.0) if hazard else 0.0
        return data["length"] + 2 * c.climb * climb_m + extra

    return weight


def _route(graph: nx.Graph, path: list, crossings: dict[str, Crossing], cost: float) -> Route:
    """Turn a node path (home ... school) into legs."""
    legs: list[Leg] = []
    walked = total = 0.0
    for a, b in itertools.pairwise(path):
        data = graph.edges[a, b]
        total += data["length"]
        cid = data.get("crossing")
        if cid is None or data.get("kind") != "crossing":
            walked += data["length"]
            continue
        near = 0 if str(a) <= str(b) else 1
        legs.append(Leg(walked, cid, near))
        walked = 0.0
    legs.append(Leg(walked, None, 0))
    return Route(tuple(legs), total, tuple(path), cost)


def route_choices(network: WalkNetwork, *, params: Parameters) -> dict[str, RouteChoice]:
    """Compliant and shortcut routes for every connected home."""
    crossings = dict(network.crossings)
    g = network.graph
    src = network.school_node
    out: dict[str, RouteChoice] = {}
    dist_c, path_c = nx.single_source_dijkstra(
        g, src, weight=_weight(crossings, params, allow_informal=False)
    )
    dist_s, path_s = nx.single_source_dijkstra(g, src, weight=_weight(crossings, params, allow_informal=True))
    dist_len = nx.single_source_dijkstra_path_length(g, src, weight="length")
    for home, node in network.home_nodes.items():
        if node not in dist_c:
            continue
        compliant = _route(g, path_c[node][::-1], crossings, dist_c[node])
        shortcut = (
            _route(g, path_s[node][::-1], crossings, dist_s[node])
            if path_s[node] != path_c[node]
            else compliant
        )
        out[home] = RouteChoice(compliant, shortcut, dist_len[node])
    if not out:
        msg = "the school is unreachable on foot from every home"
        raise NetworkError(msg)
    return out


RISK_PRICES = (0.0, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7)
"""Metres of walking one unit of crossing risk is worth, tried in turn for recommended routes."""


def path_risk(route: Route, hazard: dict[str, float]) -> float:
    """Expected severe-injury probability of a route: the sum of its crossings' hazards."""
    return sum(hazard.get(c, 0.0) for c in route.crossings)


def recommended_routes(
    network: WalkNetwork, choices: dict[str, RouteChoice], hazard: dict[str, float], *,
    params: Parameters, max_detour: float,
) -> dict[str, RouteChoice]:
    """Add to each home the lowest-risk route at most ``max_detour`` longer than its shortest.

    Candidate routes are the shortest paths for a range of prices of risk in
    metres (:data:`RISK_PRICES`, price 0 being the ordinary route); routes never
    use informal crossings. Ties in risk go to the shorter route.
    """
    crossings = dict(network.crossings)
    g = network.graph
    candidates: dict[str, list[Route]] = {home: [] for home in choices}
    for price in RISK_PRICES:
        weight = _weight(crossings, params, allow_informal=False, hazard=hazard, metres_per_risk=price)
        dist, paths = nx.single_source_dijkstra(g, network.school_node, weight=weight)
        for home in choices:
            node = network.home_nodes[home]
            if node in paths:
                candidates[home].append(_route(g, paths[node][::-1], crossings, dist[node]))
    out = {}
    for home, choice in choices.items():
        bound = (1.0 + max_detour) * choice.compliant.length + 1e-6
        feasible = [r for r in candidates[home] if r.length <= bound] or [choice.compliant]
        best = min(feasible, key=lambda r: (path_risk(r, hazard), r.length))
        if best.nodes == choice.compliant.nodes:
            best = choice.compliant
        out[home] = RouteChoice(choice.compliant, choice.shortcut, choice.shortest_length, best)
    return out
