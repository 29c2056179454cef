"""Routes from every home to the school over the walk graph.

Two route sets are computed once per scenario with one Dijkstra each from the
school: the *compliant* routes (only real crossing facilities) and the
*shortcut* routes, which may cross at grade under a footbridge. Costs are
equivalent metres: length plus the climb of grade-separated crossings turned
into walking distance. A child whose compliant route costs much more than
the shortcut avoids the bridge with a logistic probability.

Where the network has footbridges or underpasses, two more Dijkstras give the
*step-free* routes of parties that cannot use stairs (:mod:`simulator.access`):
stairs-only crossings are impassable, ramps and lifts cost their run or their
waits; the step-free compliant route detours (or does not exist) and the
step-free shortcut crosses at grade beneath the bridge instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import networkx as nx

from simulator.access import means
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

    @cached_property
    def crossings(self) -> tuple[str, ...]:
        """Crossing ids in walking order."""
        return tuple(leg.crossing for leg in self.legs if leg.crossing is not None)


@dataclass(frozen=True)
class RouteChoice:
    """The routes a home's children may take.

    ``step_free`` holds the (compliant, shortcut) routes of parties that cannot
    use stairs; the compliant one is None where no step-free route uses only
    real facilities. ``step_free`` None: the same as ``compliant`` and
    ``shortcut`` (no footbridge or underpass on the network).
    """

    compliant: Route
    shortcut: Route
    shortest_length: float
    recommended: Route | None = None
    step_free: tuple[Route | None, Route] | None = None

    def step_free_routes(self) -> tuple[Route | None, Route]:
        """The step-free (compliant, shortcut) routes."""
        return self.step_free if self.step_free is not None else (self.compliant, self.shortcut)


def _weight(
    crossings: dict[str, Crossing], params: Parameters, *, allow_informal: bool,
    step_free: bool = False, hazard: dict[str, float] | None = None, metres_per_risk: float = 0.0,
):
    climb_m = params["child.walk_speed_age6"] / params["grade.stair_vertical_speed"]
    ref = params["child.walk_speed_age6"]

    def weight(u, v, data) -> float | None:
        cid = data.get("crossing")
        if cid is None:
            return data["length"]
        c = crossings[cid]
        if c.informal and not allow_informal:
            return None
        extra = metres_per_risk * hazard.get(cid, 0.0) if hazard else 0.0
        if c.grade_separated and (step_free or c.access != "stairs"):
            way = means(c, params, step_free=step_free)
            if way is None:
                return None  # stairs only: a wall for this party
            if way.kind != "stairs":
                return way.cost_m(ref) + extra
        return data["length"] + 2 * c.climb * climb_m + extra

    return weight


def crossing_lengths(crossings: Mapping[str, Crossing], params: Parameters, *,
                     step_free: bool) -> dict[str, float]:
    """Lengths walked over grade-separated crossings where a ramp makes them longer than mapped."""
    out: dict[str, float] = {}
    for cid, c in crossings.items():
        if c.grade_separated:
            way = means(c, params, step_free=step_free)
            if way is not None and way.length != c.length:
                out[cid] = way.length
    return out


def _route(graph: nx.Graph, path: list, crossings: dict[str, Crossing], cost: float, *,
           lengths: Mapping[str, float] | None = None) -> Route:
    """Turn a node path (home ... school) into legs (``lengths``: crossing lengths walked instead)."""
    legs: list[Leg] = []
    walked = total = 0.0
    for a, b in itertools.pairwise(path):
        data = graph.edges[a, b]
        cid = data.get("crossing")
        total += lengths.get(cid, data["length"]) if lengths and cid is not None else data["length"]
        if cid is None or data.get("kind") != "crossing":
            walked += data["length"]
            continue
        near = 0 if str(a) <= str(b) else 1
        legs.append(Leg(walked, cid, near))
        walked = 0.0
    legs.append(Leg(walked, None, 0))
    return Route(tuple(legs), total, tuple(path), cost)


def route_tail(route: Route, metres: float, *, graph: nx.Graph, crossings: Mapping[str, Crossing],
               lengths: Mapping[str, float]) -> Route:
    """The last ``metres`` (at least) of a route, from a node of its path: e.g. from a drop-off ban's edge.

    ``lengths``: :func:`crossing_lengths` of ``crossings`` (computed once for many routes).
    """
    path, left = list(route.nodes), metres
    start = len(path) - 1
    while start > 0 and left > 0:
        left -= float(graph.edges[path[start - 1], path[start]]["length"])
        start -= 1
    return _route(graph, path[start:], dict(crossings), route.cost, lengths=lengths)


def route_choices(network: WalkNetwork, *, params: Parameters,
                  origins: Mapping[str, Hashable] | None = None) -> dict[str, RouteChoice]:
    """Compliant and shortcut routes to the school, and the step-free ones.

    Parameters
    ----------
    network
        The walk network.
    params
        Parameter table.
    origins
        Origin id -> walk node to route from; the homes (``network.home_nodes``)
        if None. ``network.stop_nodes`` gives the routes from the bus stops.

    Returns
    -------
    dict of str to RouteChoice
        By origin id, for the origins connected to the school (a stop may
        come first, never the other way: routes run origin ... school).

    Raises
    ------
    NetworkError
        If there are origins and none of them can reach the school.
    """
    nodes = network.home_nodes if origins is None else origins
    crossings = dict(network.crossings)
    g = network.graph
    src = network.school_node
    out: dict[str, RouteChoice] = {}
    dist_c, path_c = nx.single_source_dijkstra(
        g, src, weight=_weight(crossings, params, allow_informal=False)
    )
    dist_s, path_s = nx.single_source_dijkstra(g, src, weight=_weight(crossings, params, allow_informal=True))
    dist_len = nx.single_source_dijkstra_path_length(g, src, weight="length")
    walk_lengths = crossing_lengths(crossings, params, step_free=False)
    free = _step_free_paths(network, crossings, params)
    for home, node in nodes.items():
        if node not in dist_c:
            continue
        compliant = _route(g, path_c[node][::-1], crossings, dist_c[node], lengths=walk_lengths)
        shortcut = (
            _route(g, path_s[node][::-1], crossings, dist_s[node], lengths=walk_lengths)
            if path_s[node] != path_c[node]
            else compliant
        )
        choice = RouteChoice(compliant, shortcut, dist_len[node])
        out[home] = _with_step_free(choice, node, g, crossings, free) if free else choice
    if not out and nodes:
        msg = f"the school is unreachable on foot from every {'home' if origins is None else 'origin'}"
        raise NetworkError(msg)
    return out


_Paths = tuple[dict, dict, dict, dict, dict[str, float]]


def _step_free_paths(network: WalkNetwork, crossings: dict[str, Crossing],
                     params: Parameters) -> _Paths | None:
    """Step-free Dijkstras from the school (compliant, shortcut), or None without grade separation."""
    if not any(c.grade_separated for c in crossings.values()):
        return None
    g, src = network.graph, network.school_node
    dist_c, path_c = nx.single_source_dijkstra(
        g, src, weight=_weight(crossings, params, allow_informal=False, step_free=True))
    dist_s, path_s = nx.single_source_dijkstra(
        g, src, weight=_weight(crossings, params, allow_informal=True, step_free=True))
    return dist_c, path_c, dist_s, path_s, crossing_lengths(crossings, params, step_free=True)


def _with_step_free(choice: RouteChoice, node, g: nx.Graph, crossings: dict[str, Crossing],
                    free: _Paths) -> RouteChoice:
    """``choice`` with its step-free routes (the walking routes' objects where they coincide)."""
    dist_c, path_c, dist_s, path_s, lengths = free
    if node not in path_s:
        return choice  # cannot happen: every footbridge has an at-grade way beneath it

    def same(a: Route, b: Route) -> bool:
        return a.nodes == b.nodes and a.length == b.length

    compliant = None
    if node in path_c:
        compliant = _route(g, path_c[node][::-1], crossings, dist_c[node], lengths=lengths)
        compliant = choice.compliant if same(compliant, choice.compliant) else compliant
    shortcut = _route(g, path_s[node][::-1], crossings, dist_s[node], lengths=lengths)
    if compliant is not None and same(shortcut, compliant):
        shortcut = compliant
    elif same(shortcut, choice.shortcut):
        shortcut = choice.shortcut
    if compliant is choice.compliant and shortcut is choice.shortcut:
        return choice
    return replace(choice, step_free=(compliant, shortcut))


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
    use informal crossings. Ties in risk go to the shorter route. Parties that
    cannot use stairs follow it only if it has no stairs-only crossing (see
    :meth:`simulator.model.SchoolRouteModel`).
    """
    crossings = dict(network.crossings)
    g = network.graph
    candidates: dict[str, list[Route]] = {home: [] for home in choices}
    lengths = crossing_lengths(crossings, params, step_free=False)
    for price in RISK_PRICES:
        weight = _weight(crossings, params, allow_informal=False, hazard=hazard, metres_per_risk=price)
        dist, paths = nx.single_source_dijkstra(g, network.school_node, weight=weight)
        for home in choices:
            node = network.home_nodes[home]
            if node in paths:
                candidates[home].append(_route(g, paths[node][::-1], crossings, dist[node],
                                               lengths=lengths))
    out = {}
    for home, choice in choices.items():
        bound = (1.0 + max_detour) * choice.compliant.length + 1e-6
        feasible = [r for r in candidates[home] if r.length <= bound] or [choice.compliant]
        best = min(feasible, key=lambda r: (path_risk(r, hazard), r.length))
        if best.nodes == choice.compliant.nodes:
            best = choice.compliant
        out[home] = replace(choice, recommended=best)
    return out
